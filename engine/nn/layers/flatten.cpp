// Flatten: the same values seen as one vector per sample; a copy forward, a copy (or sum) back.
#include "nn/layers/common.h"

#include <algorithm>

namespace gradlab::nn::layers {
namespace {

class Flatten final : public Layer {
 public:
  using Layer::Layer;
  void forward(const ForwardPass& p) const override { copyOrAdd(p.rec, p.inputs[0], p.output, count(p.batch), false); }
  void backward(const BackwardPass& p) const override {
    if (wantsGrad(p, 0)) copyOrAdd(p.rec, p.gradOutput, p.gradInputs[0], count(p.batch), accumulates(p, 0));
  }
  void forwardReference(const RefForward& p) const override {
    std::copy_n(p.inputs[0]->begin(), count(p.batch), p.output->begin());
  }
  void backwardReference(const RefBackward& p) const override {
    std::copy_n(p.gradOutput->begin(), count(p.batch), p.gradInputs[0]->begin());
  }

 private:
  uint32_t count(uint32_t batch) const { return batch * uint32_t(outputShape().elements()); }
};

}  // namespace

std::unique_ptr<Layer> createFlatten(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<Flatten>(info);
}

void registerFlatten(std::vector<LayerDef>& catalog) {
  LayerDef def;
  def.type = "Flatten";
  def.category = "Structure";
  def.summary = "one flat vector per sample";
  def.infer = [](const NodeParams&, const std::vector<Shape>& in) {
    return LayerShape{Shape{uint32_t(schema::only(in).elements())}, {}, {}};
  };
  def.create = createFlatten;
  def.exports.torch = schema::torchModule("nn.Flatten()");
  def.exports.onnx = [](const Node& node, const NodeInfo&) {
    return std::vector<OnnxNode>{schema::onnxNode(node, "Flatten", {schema::onnxInt("axis", 1)})};
  };
  def.spatial.note = "features, not positions";
  def.moments.kind = MomentRule::Kind::Keeps;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

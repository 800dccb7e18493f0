// Add: the element-wise sum of 2 to 8 inputs of one shape (residual connections). Forward is one
// pass over all inputs (shaders/add_n.comp); backward hands gradOutput to every input that needs
// it, copying or adding as each input's accumulate flag says. The copies run one after another,
// so an input given twice (Add(x, x)) gets both contributions.
#include "nn/layers/common.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kAddN{"add_n",
                            spirv::add_n,
                            {Access::Read, Access::Read, Access::Read, Access::Read, Access::Read, Access::Read,
                             Access::Read, Access::Read, Access::Write}};

class Add final : public Layer {
 public:
  using Layer::Layer;

  void forward(const ForwardPass& p) const override {
    const uint32_t n = count(p.batch), inputs = uint32_t(p.inputs.size());
    const auto in = [&](uint32_t i) { return p.inputs[std::min(i, inputs - 1)]; };
    const auto& kernel = p.rec.context().kernel(kAddN, {256, 1, 1}, {inputs});
    p.rec.dispatch(kernel, {in(0), in(1), in(2), in(3), in(4), in(5), in(6), in(7), p.output}, n,
                   {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1});
  }

  void backward(const BackwardPass& p) const override {
    for (size_t i = 0; i < p.gradInputs.size(); ++i)
      if (wantsGrad(p, i)) copyOrAdd(p.rec, p.gradOutput, p.gradInputs[i], count(p.batch), accumulates(p, i));
  }

  void forwardReference(const RefForward& p) const override {
    RefTensor& y = *p.output;
    std::fill(y.begin(), y.end(), 0.0);
    for (const RefTensor* x : p.inputs)
      for (size_t i = 0; i < y.size(); ++i) y[i] += (*x)[i];
  }

  void backwardReference(const RefBackward& p) const override {
    for (RefTensor* dx : p.gradInputs) std::copy_n(p.gradOutput->begin(), dx->size(), dx->begin());
  }

 private:
  uint32_t count(uint32_t batch) const { return batch * uint32_t(outputShape().elements()); }
};

}  // namespace

std::unique_ptr<Layer> createAdd(const NodeInfo& info, const LayerOptions&) { return std::make_unique<Add>(info); }

void registerAdd(std::vector<LayerDef>& catalog) {
  LayerDef def;
  def.type = "Add";
  def.category = "Structure";
  def.summary = "element-wise sum of its inputs (residual connections)";
  def.minInputs = 2;
  def.maxInputs = 8;
  def.infer = [](const NodeParams&, const std::vector<Shape>& in) {
    for (size_t i = 1; i < in.size(); ++i)
      if (!(in[i] == in[0]))
        throw ShapeError("Add needs inputs of one shape, got " + in[0].text() + " and " + in[i].text());
    return LayerShape{in[0], {}, {}};
  };
  def.create = createAdd;
  def.exports.torch = [](const Node& node, const NodeInfo&) {  // computed in forward(): a + b
    std::string sum;
    for (const auto& in : node.inputs) sum += (sum.empty() ? "" : " + ") + in;
    return TorchModule{{}, sum};
  };
  def.exports.onnx = [](const Node& node, const NodeInfo&) {
    return std::vector<OnnxNode>{schema::onnxNode(node, node.inputs.size() == 2 ? "Add" : "Sum")};
  };
  def.spatial.kind = SpatialRule::Kind::Union;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

// PReLU: y = x for x > 0, else a x, with a learned slope a shared by all values (num_parameters 1)
// or one per channel. Backward: dx = dy (x > 0 ? 1 : a), da = sum of dy x over the values x <= 0
// the slope touches. Shader: prelu.comp.
#include "nn/layers/common.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kPrelu{"prelu", spirv::prelu, {Access::Read, Access::Read, Access::Read, Access::ReadWrite}};

class PRelu final : public Layer {
 public:
  explicit PRelu(const NodeInfo& info)
      : Layer(info), count_(info.shape.params[0].shape.dims[0]),
        inner_(count_ == 1 ? uint32_t(info.inputShapes[0].elements())
                           : uint32_t(info.inputShapes[0].elements() / count_)) {}

  void forward(const ForwardPass& p) const override {
    const uint32_t n = values(p.batch);
    const auto& kernel = p.rec.context().kernel(kPrelu, {256, 1, 1}, {0u, 0u});
    p.rec.dispatch(kernel, {p.inputs[0], p.params[0], p.inputs[0], p.output}, push(p.batch), groups(n));
  }

  void backward(const BackwardPass& p) const override {
    const uint32_t n = values(p.batch);
    if (wantsGrad(p, 0)) {
      const auto& kernel = p.rec.context().kernel(kPrelu, {256, 1, 1}, {1u, accumulates(p, 0) ? 1u : 0u});
      p.rec.dispatch(kernel, {p.inputs[0], p.params[0], p.gradOutput, p.gradInputs[0]}, push(p.batch), groups(n));
    }
    const auto& slope = p.rec.context().kernel(kPrelu, {64, 1, 1}, {2u, 0u});
    p.rec.dispatch(slope, {p.inputs[0], p.params[0], p.gradOutput, p.paramGrads[0]}, push(p.batch),
                   {(count_ + 63) / 64, 1, 1});
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor &x = *p.inputs[0], &a = *p.params[0];
    for (size_t i = 0; i < values(p.batch); ++i) (*p.output)[i] = x[i] > 0 ? x[i] : a[slope(i)] * x[i];
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor &x = *p.inputs[0], &a = *p.params[0], &dy = *p.gradOutput;
    RefTensor& da = *p.paramGrads[0];
    std::fill(da.begin(), da.end(), 0.0);
    for (size_t i = 0; i < values(p.batch); ++i) {
      (*p.gradInputs[0])[i] = x[i] > 0 ? dy[i] : a[slope(i)] * dy[i];
      if (x[i] <= 0) da[slope(i)] += dy[i] * x[i];
    }
  }

 private:
  struct Push {
    uint32_t n, count, inner, outer;
  };
  Push push(uint32_t batch) const { return {values(batch), count_, inner_, batch}; }
  uint32_t values(uint32_t batch) const { return batch * uint32_t(outputShape().elements()); }
  size_t slope(size_t i) const { return (i / inner_) % count_; }
  static gpu::WorkGroup groups(uint32_t n) { return {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1}; }

  uint32_t count_, inner_;  // slopes; values per slope and sample
};

}  // namespace

std::unique_ptr<Layer> createPRelu(const NodeInfo& info, const LayerOptions&) { return std::make_unique<PRelu>(info); }

void registerPRelu(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def = activation("PReLU", "LeakyReLU with a learned slope",
                            {intParam("num_parameters", "1", 1, 4096, "1: one shared slope, or one per channel"),
                             floatParam("init", "0.25", 0, 1, "initial slope")});
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    const uint32_t n = uint32_t(p.integer("num_parameters"));
    if (n != 1 && n != only(in).channels())
      throw ShapeError("PReLU: num_parameters must be 1 or the number of channels (" +
                       std::to_string(only(in).channels()) + ")");
    return LayerShape{only(in), {{"weight", Shape{n}, ParamRole::Slope, 0, 0}}, {}};
  };
  def.create = createPRelu;
  def.exports.torch = [](const Node&, const NodeInfo& info) {
    return TorchModule{"nn.PReLU(num_parameters=" + std::to_string(info.params.integer("num_parameters")) + ")", {}};
  };
  // The slope broadcasts against the input from the right: per channel of an image is C x 1 x 1.
  def.exports.onnx = [](const Node& node, const NodeInfo& info) {
    const uint32_t n = uint32_t(info.params.integer("num_parameters"));
    const bool perChannel = n > 1 && info.inputShapes.at(0).isImage();
    OnnxNode prelu = onnxNode(node, "PRelu");
    prelu.inputs.push_back(
        onnxTensor(node.name + ".weight", perChannel ? std::vector<uint32_t>{n, 1, 1} : std::vector<uint32_t>{n}));
    return std::vector<OnnxNode>{prelu};
  };
  def.moments = {MomentRule::Kind::PointWise, [](double y, double slope) { return y > 0 ? y : slope * y; }, "init", {}};
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

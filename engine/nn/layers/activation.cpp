// The point-wise activations without learned parameters: Sigmoid, Tanh, ReLU, LeakyReLU, ELU.
// One shader (shaders/activation.comp) serves all of them, forward and backward.
#include "nn/layers/common.h"
#include "ops/gemm.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <cmath>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kActivation{
    "activation",
    spirv::activation,
    {Access::ReadVec4Texels, Access::ReadVec4Texels, Access::ReadVec4Texels, Access::ReadWrite}};

using Op = ops::ActivationOp;
using enum ops::ActivationOp;

class Activation final : public Layer {
 public:
  Activation(const NodeInfo& info, Op op, double param) : Layer(info), op_(op), param_(param) {}

  std::optional<PointwiseActivation> pointwiseActivation() const override {
    return PointwiseActivation{op_, float(param_)};
  }

  void forward(const ForwardPass& p) const override {
    const uint32_t n = count(p.batch);
    struct {
      uint32_t n;
      float param;
    } push{n, float(param_)};
    const auto& kernel = p.rec.context().kernel(kActivation, {256, 1, 1}, {uint32_t(op_), 0u, 0u});
    p.rec.dispatch(kernel, {p.inputs[0], p.inputs[0], p.inputs[0], p.output}, push, groups((n + 3) / 4));
  }

  void backward(const BackwardPass& p) const override {
    if (!wantsGrad(p, 0)) return;
    const uint32_t n = count(p.batch);
    struct {
      uint32_t n;
      float param;
    } push{n, float(param_)};
    const auto& kernel =
        p.rec.context().kernel(kActivation, {256, 1, 1}, {uint32_t(op_), 1u, accumulates(p, 0) ? 1u : 0u});
    p.rec.dispatch(kernel, {p.inputs[0], p.output, p.gradOutput, p.gradInputs[0]}, push, groups((n + 3) / 4));
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor& x = *p.inputs[0];
    for (size_t i = 0; i < size_t(count(p.batch)); ++i) (*p.output)[i] = f(x[i]);
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor &x = *p.inputs[0], &dy = *p.gradOutput;
    for (size_t i = 0; i < size_t(count(p.batch)); ++i) (*p.gradInputs[0])[i] = dy[i] * derivative(x[i]);
  }

 private:
  uint32_t count(uint32_t batch) const { return batch * uint32_t(outputShape().elements()); }
  static gpu::WorkGroup groups(uint32_t n) { return {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1}; }

  double f(double v) const {
    switch (op_) {
      case Sigmoid: return 1.0 / (1.0 + std::exp(-v));
      case Tanh: return std::tanh(v);
      case Relu: return std::max(v, 0.0);
      case LeakyRelu: return v > 0 ? v : param_ * v;
      case Elu: return v > 0 ? v : param_ * (std::exp(v) - 1.0);
    }
    return v;
  }
  double derivative(double v) const {
    switch (op_) {
      case Sigmoid: return f(v) * (1.0 - f(v));
      case Tanh: return 1.0 - f(v) * f(v);
      case Relu: return v > 0 ? 1.0 : 0.0;
      case LeakyRelu: return v > 0 ? 1.0 : param_;
      case Elu: return v > 0 ? 1.0 : param_ * std::exp(v);
    }
    return 1.0;
  }

  Op op_;
  double param_;
};

}  // namespace

std::unique_ptr<Layer> createActivation(const NodeInfo& info, const LayerOptions&) {
  const std::string& type = info.def->type;
  if (type == "Sigmoid") return std::make_unique<Activation>(info, Sigmoid, 0.0);
  if (type == "Tanh") return std::make_unique<Activation>(info, Tanh, 0.0);
  if (type == "ReLU") return std::make_unique<Activation>(info, Relu, 0.0);
  if (type == "LeakyReLU") return std::make_unique<Activation>(info, LeakyRelu, info.params.real("negative_slope"));
  return std::make_unique<Activation>(info, Elu, info.params.real("alpha"));
}

namespace {

// The activation's factory, exports and moment rule: torch's nn.TYPE and the ONNX operator `onnxOp`
// take its one hyper-parameter (if any) as the argument of that name and as `alpha`; `f` is the
// function of that parameter the init theory integrates.
LayerDef described(LayerDef def, std::string onnxOp, double (*f)(double y, double parameter)) {
  const std::string type = def.type, parameter = def.params.empty() ? "" : def.params[0].name;
  def.create = createActivation;
  def.exports.torch = [type, parameter](const Node&, const NodeInfo& info) {
    const std::string argument =
        parameter.empty() ? "" : parameter + "=" + schema::pyNumber(info.params.real(parameter));
    return TorchModule{"nn." + type + "(" + argument + ")", {}};
  };
  def.exports.onnx = [onnxOp, parameter](const Node& node, const NodeInfo& info) {
    std::vector<OnnxAttribute> attributes;
    if (!parameter.empty()) attributes.push_back(schema::onnxFloat("alpha", info.params.real(parameter)));
    return std::vector<OnnxNode>{schema::onnxNode(node, onnxOp, attributes)};
  };
  def.moments = {MomentRule::Kind::PointWise, f, parameter, {}};
  return def;
}

}  // namespace

void registerActivations(std::vector<LayerDef>& catalog) {
  using namespace schema;
  catalog.push_back(described(activation("Sigmoid", "1 / (1 + exp(-x))"), "Sigmoid",
                              [](double y, double) { return 1 / (1 + std::exp(-y)); }));
  catalog.push_back(
      described(activation("Tanh", "hyperbolic tangent"), "Tanh", [](double y, double) { return std::tanh(y); }));
  catalog.push_back(
      described(activation("ReLU", "max(x, 0)"), "Relu", [](double y, double) { return std::max(y, 0.0); }));
  catalog.push_back(described(activation("LeakyReLU", "x if x > 0, else negative_slope * x",
                                         {floatParam("negative_slope", "0.01", 0, 1, "slope for negative inputs")}),
                              "LeakyRelu", [](double y, double slope) { return y > 0 ? y : slope * y; }));
  catalog.push_back(
      described(activation("ELU", "x if x > 0, else alpha (exp(x) - 1)",
                           {floatParam("alpha", "1.0", 0, 10, "value approached for very negative inputs")}),
                "Elu", [](double y, double alpha) { return y > 0 ? y : alpha * std::expm1(y); }));
}

}  // namespace gradlab::nn::layers

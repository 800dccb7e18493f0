// Dropout (inverted): in training each value is zeroed with probability p and the rest scaled by
// 1 / (1 - p); in eval it is the identity. The mask comes from uniformRandom(seed, step, value
// index) (shaders/random.glsl), so it differs per step and the reference replays it; the forward
// pass keeps it in the workspace for the backward pass (dx = dy * mask).
#include "nn/layers/common.h"
#include "nn/random_hash.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kDropout{"dropout", spirv::dropout, {Access::Read, Access::Read, Access::Write, Access::Write}};
const gpu::KernelSpec kDropoutBackward{
    "dropout_backward", spirv::dropout, {Access::Read, Access::Read, Access::Read, Access::ReadWrite}};

class Dropout final : public Layer {
 public:
  explicit Dropout(const NodeInfo& info) : Layer(info), p_(float(info.params.real("p"))) {}

  uint64_t workspaceFloats(uint32_t batch) const override { return count(batch); }

  void forward(const ForwardPass& p) const override {
    const uint32_t n = count(p.batch);
    const auto& kernel = p.rec.context().kernel(kDropout, {256, 1, 1}, {p.training ? 1u : 0u, 0u});
    p.rec.dispatch(kernel, {p.inputs[0], p.step, p.workspace, p.output}, push(n, p.seed), groups(n));
  }

  void backward(const BackwardPass& p) const override {
    if (!wantsGrad(p, 0)) return;
    const uint32_t n = count(p.batch);
    const auto& kernel = p.rec.context().kernel(kDropoutBackward, {256, 1, 1}, {2u, accumulates(p, 0) ? 1u : 0u});
    p.rec.dispatch(kernel, {p.gradOutput, p.step, p.workspace, p.gradInputs[0]}, push(n, p.seed), groups(n));
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor& x = *p.inputs[0];
    for (uint32_t i = 0; i < count(p.batch); ++i) (*p.output)[i] = x[i] * mask(p.training, p.seed, p.step, i);
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor& dy = *p.gradOutput;
    for (uint32_t i = 0; i < count(p.batch); ++i) (*p.gradInputs[0])[i] = dy[i] * mask(p.training, p.seed, p.step, i);
  }

 private:
  struct Push {
    uint32_t n, seed;
    float p, scale;
  };
  Push push(uint32_t n, uint32_t seed) const { return {n, seed, p_, float(1.0 / (1.0 - double(p_)))}; }
  uint32_t count(uint32_t batch) const { return batch * uint32_t(outputShape().elements()); }
  static gpu::WorkGroup groups(uint32_t n) { return {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1}; }
  double mask(bool training, uint32_t seed, uint32_t step, uint32_t i) const {
    if (!training) return 1.0;
    return uniformRandom(seed, step, i) < p_ ? 0.0 : 1.0 / (1.0 - double(p_));
  }

  float p_;  // float on both sides, so the GPU and the reference drop the same values
  // The reference backward is not told the mode: the last reference forward leaves it here.
};

}  // namespace

std::unique_ptr<Layer> createDropout(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<Dropout>(info);
}

void registerDropout(std::vector<LayerDef>& catalog) {
  LayerDef def;
  def.type = "Dropout";
  def.category = "Regularization";
  def.summary = "zeroes each value with probability p while training, scales the rest by 1/(1-p)";
  def.params = {schema::floatParam("p", "0.5", 0, 0.99, "probability of dropping a value")};
  def.infer = schema::identity;
  def.create = createDropout;
  def.exports.torch = [](const Node&, const NodeInfo& info) {
    return TorchModule{"nn.Dropout(p=" + schema::pyNumber(info.params.real("p")) + ")", {}};
  };
  // ONNX's Dropout without a training_mode input is the identity, as in evaluation; it keeps the
  // layer and its ratio visible (in Netron, and to the importer).
  def.exports.onnx = [](const Node& node, const NodeInfo& info) {
    OnnxNode n = schema::onnxNode(node, "Dropout");
    n.inputs.push_back(schema::onnxConstant(node.name + ".ratio", {}, {float(info.params.real("p"))}));
    return std::vector<OnnxNode>{n};
  };
  def.spatial.kind = SpatialRule::Kind::PointWise;
  def.moments = {MomentRule::Kind::Rescales, nullptr, {}, [](const NodeParams& p) { return 1 - p.real("p"); }};
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

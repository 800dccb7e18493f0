// Linear: y = x W^T + b, W of shape out x in (PyTorch's layout). Forward and backward are GEMMs:
//   y  = x W^T          (batch x out)
//   dx = dy W           (batch x in)
//   dW = dy^T x         (out x in)
//   db = sum over the batch of dy
// DropConnect (dropconnect = p > 0): in training each weight is dropped with probability p, from
// uniformRandom(seed, step, weight index), and the forward pass and dx use W * M / (1 - p), built
// in the workspace (shaders/dropconnect.comp) with the scale mask M / (1 - p) beside it; dW is
// (dy^T x) * M / (1 - p). In eval the workspace holds W itself and a mask of ones.
#include "nn/layers/common.h"
#include "nn/random_hash.h"
#include "ops/elementwise.h"
#include "ops/gemm.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kDropConnect{
    "dropconnect", spirv::dropconnect, {Access::Read, Access::Read, Access::Write, Access::Write}};
constexpr uint64_t kMaskOffsetAlign = 64;  // floats: 256 bytes, the largest storage-buffer offset alignment

class Linear final : public Layer {
 public:
  Linear(const NodeInfo& info, const LayerOptions& options)
      : Layer(info), in_(info.inputShapes[0].dims[0]), out_(info.shape.output.dims[0]), bias_(info.params.flag("bias")),
        dropconnect_(float(info.params.real("dropconnect"))) {
    // Split-K scratch as the device's plans want it at the network's batch: one stretch for the
    // forward product and dx (far apart in the step), one for dW (beside dx: they may overlap).
    if (options.device) {
      const ops::GemmShape forward = forwardShape(options.batch), dx = inputGradientShape(options.batch);
      productScratch_ =
          std::max(ops::gemmScratchFloats(*options.device, forward), ops::gemmScratchFloats(*options.device, dx));
      weightScratch_ = ops::gemmScratchFloats(*options.device, weightGradientShape(options.batch));
    }
  }

  uint64_t workspaceFloats(uint32_t) const override { return weightScratchAt() + weightScratch_; }

  // DropConnect's masked weights first (they are the product's B), then y = x W^T + b unless the
  // caller records it.
  void forward(const ForwardPass& p) const override {
    if (dropconnect_ > 0) recordDropConnect(p);
    if (p.productByCaller) return;
    const OutputProduct y = *outputProduct(p);
    ops::gemm(p.rec, y.shape, y.a, y.b, p.output, gpu::KernelVariant::Auto, y.scratch, {.bias = y.bias});
  }
  std::optional<OutputProduct> outputProduct(const ForwardPass& p) const override {
    OutputProduct y;
    y.shape = forwardShape(p.batch);
    y.a = p.inputs[0];
    y.b = dropconnect_ > 0 ? maskedWeight(p.workspace) : p.params[0];
    if (bias_) y.bias = p.params[1];
    y.scratch = scratch(p.workspace, productScratchAt(), productScratch_);
    return y;
  }

  // dx = dy W unless the caller records it; dW and db as one product with its row sums unless the
  // caller records them (a training step's, train/step_builder.h). With DropConnect, dW always
  // here: the mask scales it after the product, so it is not a plain product.
  void backward(const BackwardPass& p) const override {
    if (const auto dx = inputGradientProduct(p); dx && !p.inputGradientByCaller)
      ops::gemm(p.rec, dx->shape, dx->a, dx->b, p.gradInputs[0], gpu::KernelVariant::Auto, dx->scratch);
    if (dropconnect_ > 0 || !p.productsByCaller)
      recordGradientProduct(p.rec, weightGradient(p), p.paramGrads[0], bias_ ? p.paramGrads[1] : gpu::BufferRange{});
    if (dropconnect_ > 0)
      ops::binary(p.rec, ops::BinaryOp::Mul, p.paramGrads[0], mask(p.workspace), p.paramGrads[0], uint32_t(weights()));
  }
  std::optional<InputGradientProduct> inputGradientProduct(const BackwardPass& p) const override {
    if (!wantsGrad(p, 0)) return std::nullopt;
    InputGradientProduct dx;
    dx.shape = inputGradientShape(p.batch);
    dx.shape.beta = accumulates(p, 0) ? 1.0f : 0.0f;
    dx.a = p.gradOutput;
    dx.b = dropconnect_ > 0 ? maskedWeight(p.workspace) : p.params[0];
    dx.scratch = scratch(p.workspace, productScratchAt(), productScratch_);
    return dx;
  }

  std::vector<GradientProduct> gradientProducts(const BackwardPass& p) const override {
    if (dropconnect_ > 0) return {};
    return {weightGradient(p)};
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor& x = *p.inputs[0];
    const RefTensor w = effectiveWeight(*p.params[0], p.training, p.seed, p.step);
    RefTensor& y = *p.output;
    for (uint32_t b = 0; b < p.batch; ++b)
      for (uint32_t o = 0; o < out_; ++o) {
        double sum = bias_ ? (*p.params[1])[o] : 0.0;
        for (uint32_t i = 0; i < in_; ++i) sum += x[b * in_ + i] * w[o * in_ + i];
        y[b * out_ + o] = sum;
      }
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor &x = *p.inputs[0], &dy = *p.gradOutput;
    const RefTensor w = effectiveWeight(*p.params[0], p.training, p.seed, p.step);
    RefTensor& dx = *p.gradInputs[0];
    RefTensor& dw = *p.paramGrads[0];
    std::fill(dx.begin(), dx.end(), 0.0);
    std::fill(dw.begin(), dw.end(), 0.0);
    for (uint32_t b = 0; b < p.batch; ++b)
      for (uint32_t o = 0; o < out_; ++o) {
        const double g = dy[b * out_ + o];
        for (uint32_t i = 0; i < in_; ++i) {
          dx[b * in_ + i] += g * w[o * in_ + i];
          dw[o * in_ + i] += g * x[b * in_ + i];
        }
      }
    for (size_t i = 0; i < dw.size(); ++i) dw[i] *= maskValue(p.training, p.seed, p.step, uint32_t(i));
    if (bias_) {
      RefTensor& db = *p.paramGrads[1];
      std::fill(db.begin(), db.end(), 0.0);
      for (uint32_t b = 0; b < p.batch; ++b)
        for (uint32_t o = 0; o < out_; ++o) db[o] += dy[b * out_ + o];
    }
  }

 private:
  // W * M / (1 - p) and the mask M / (1 - p) into the workspace (W itself and ones in eval).
  void recordDropConnect(const ForwardPass& p) const {
    struct {
      uint32_t n, seed;
      float p, scale;
    } push{uint32_t(weights()), p.seed, dropconnect_, float(1.0 / (1.0 - double(dropconnect_)))};
    const auto& kernel = p.rec.context().kernel(kDropConnect, {256, 1, 1}, {p.training ? 1u : 0u});
    const gpu::WorkGroup groups{std::clamp<uint32_t>(uint32_t((weights() + 255) / 256), 1, 4096), 1, 1};
    p.rec.dispatch(kernel, {p.params[0], p.step, maskedWeight(p.workspace), mask(p.workspace)}, push, groups);
  }

  // dW = dy^T x (out x in, the sum over the batch), and db = the row sums of dy^T.
  GradientProduct weightGradient(const BackwardPass& p) const {
    GradientProduct g;
    g.shape = weightGradientShape(p.batch);
    g.a = p.gradOutput;
    g.b = p.inputs[0];
    g.scratch = scratch(p.workspace, weightScratchAt(), weightScratch_);
    g.param = 0;
    if (bias_) g.rowSumsParam = 1;
    return g;
  }
  // y = x W^T, dx = dy W, dW = dy^T x
  ops::GemmShape forwardShape(uint32_t batch) const { return {.transB = true, .M = batch, .N = out_, .K = in_}; }
  ops::GemmShape inputGradientShape(uint32_t batch) const { return {.M = batch, .N = in_, .K = out_}; }
  ops::GemmShape weightGradientShape(uint32_t batch) const { return {.transA = true, .M = out_, .N = in_, .K = batch}; }
  // The workspace: DropConnect's masked weights and mask, then the split-K scratch, each stretch
  // 256 bytes aligned (a storage binding's offset).
  static uint64_t aligned(uint64_t floats) {
    return (floats + kMaskOffsetAlign - 1) / kMaskOffsetAlign * kMaskOffsetAlign;
  }
  uint64_t productScratchAt() const { return dropconnect_ > 0 ? aligned(maskOffset() + weights()) : 0; }
  uint64_t weightScratchAt() const { return aligned(productScratchAt() + productScratch_); }
  // `floats` of the workspace from `at`, as far as it holds them; empty for none.
  static gpu::BufferRange scratch(const gpu::BufferRange& ws, uint64_t at, uint64_t floats) {
    if (floats == 0 || !ws.buffer) return {};
    const uint64_t held = (ws.bytes == VK_WHOLE_SIZE ? ws.buffer->bytes() - ws.offset : ws.bytes) / 4;
    if (held <= at) return {};
    return gpu::BufferRange(*ws.buffer, ws.offset + at * 4, std::min(floats, held - at) * 4);
  }
  uint64_t weights() const { return uint64_t(in_) * out_; }
  uint64_t maskOffset() const { return (weights() + kMaskOffsetAlign - 1) / kMaskOffsetAlign * kMaskOffsetAlign; }
  gpu::BufferRange maskedWeight(const gpu::BufferRange& ws) const {
    return gpu::BufferRange(*ws.buffer, ws.offset, weights() * 4);
  }
  gpu::BufferRange mask(const gpu::BufferRange& ws) const {
    return gpu::BufferRange(*ws.buffer, ws.offset + maskOffset() * 4, weights() * 4);
  }
  // DropConnect's M / (1 - p) for weight i (1 in eval or without DropConnect), as the GPU draws it.
  double maskValue(bool training, uint32_t seed, uint32_t step, uint32_t i) const {
    if (!training || dropconnect_ <= 0) return 1.0;
    return uniformRandom(seed, step, i) < dropconnect_ ? 0.0 : 1.0 / (1.0 - double(dropconnect_));
  }
  RefTensor effectiveWeight(const RefTensor& w, bool training, uint32_t seed, uint32_t step) const {
    RefTensor out(w);
    for (size_t i = 0; i < out.size(); ++i) out[i] *= maskValue(training, seed, step, uint32_t(i));
    return out;
  }

  uint32_t in_, out_;
  uint64_t productScratch_ = 0, weightScratch_ = 0;  // floats of split-K scratch
  bool bias_;
  float dropconnect_;  // float on both sides, so the GPU and the reference drop the same weights
  // The reference backward is not told the mode: the last reference forward leaves it here.
};

}  // namespace

std::unique_ptr<Layer> createLinear(const NodeInfo& info, const LayerOptions& options) {
  return std::make_unique<Linear>(info, options);
}

void registerLinear(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "Linear";
  def.category = "Dense";
  def.summary = "fully connected: y = x W^T + b";
  def.params = {
      intParam("out_features", "", 1, 1 << 20, "number of outputs"),
      floatParam("dropconnect", "0.0", 0, 0.99, "DropConnect: probability of dropping each weight while training")};
  for (auto& p : initParams()) def.params.push_back(p);
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    requireFlat("Linear", only(in));
    const uint32_t inF = only(in).dims[0], outF = uint32_t(p.integer("out_features"));
    return weightAndBias(p, Shape{outF}, Shape{outF, inF}, outF, inF, outF);
  };
  def.create = createLinear;
  def.exports.torch = [](const Node&, const NodeInfo& info) {
    return TorchModule{"nn.Linear(" + std::to_string(info.inputShapes.at(0).dims[0]) + ", " +
                           std::to_string(info.params.integer("out_features")) +
                           ", bias=" + pyBool(info.shape.params.size() > 1) + ")",
                       {}};
  };
  def.exports.onnx = [](const Node& node, const NodeInfo& info) {
    OnnxNode gemm = onnxWeighted(node, info, "Gemm");
    gemm.attributes.push_back(onnxInt("transB", 1));
    return std::vector<OnnxNode>{gemm};
  };
  def.spatial.note = "features, not positions";
  def.moments.kind = MomentRule::Kind::Affine;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

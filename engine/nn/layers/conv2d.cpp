// Conv2d (PyTorch semantics and weight layout out x in x k x k) as im2col + GEMM, a chunk of
// samples at a time so the scratch always fits one storage-buffer binding:
//   col = im2col(x)                  (C k k) x (n P)      P = output pixels per sample
//   tmp = W col                      OC x (n P)           GEMM; a 1x1 kernel is the same path
//   y   = tmp moved to n x OC x P, + bias
// Backward, per chunk:
//   tmp = dy as OC x (n P);  dW (+)= tmp col^T;  col = W^T tmp;  dx (+)= col2im(col)
//   db  = sum of dy over batch and pixels
// With a single chunk, backward reuses the col the forward pass left in the workspace. dW's GEMM sums
// over every pixel of the chunk (K = n P, long next to OC x C k k): it is split along K, with its
// partial sums in the workspace after col and tmp.
//
// On CPU devices a small stride-1 layer (nn/layers/conv_unrolled.h) computes its forward pass and
// its input gradient unrolled, one dispatch each with no column matrix; its weight gradient still
// takes im2col + GEMM (the column matrix is then built in backward).
//
// With stride 1 and dilation 1 the layer can instead go through the FFT (fft::FftConv2d), cheaper
// for large kernels: the ConvAlgorithm setting decides (see convolutionPath()). The FFT's plans
// take ~0.2-2 s to make, so they are made on the first recording and kept, one per batch size.
#include "fft/fft_conv2d.h"
#include "nn/layers/conv_common.h"
#include "nn/layers/conv_unrolled.h"
#include "ops/gemm.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

namespace gradlab::nn::layers {
namespace {

std::string bytesText(uint64_t bytes) {
  if (bytes < (1u << 20)) return std::to_string((bytes + 1023) >> 10) + " KiB";
  return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

class Conv2d final : public Layer {
 public:
  Conv2d(const NodeInfo& info, const LayerOptions& options)
      : Layer(info), g_(ConvGeometry::of(info.params, info.inputShapes[0], info.shape.output)),
        outC_(info.shape.output.channels()), bias_(info.params.flag("bias")), options_(options) {
    if (options.device) device_ = *options.device;
    options_.device = nullptr;  // only good while the layer is made: device_ keeps what it says
  }

  std::string convolutionPath() const override {
    const Choice c = choose(options_.batch);
    return c.fft ? "fft" : c.why.empty() ? "direct" : "direct (" + c.why + ")";
  }

  uint64_t workspaceFloats(uint32_t batch) const override {
    if (choose(batch).fft) return uint64_t(batch) * g_.imageSize();  // the input gradient, to add it
    const ConvPlan pl = plan(batch, 0);
    return scratchOffset(pl) + splitScratch(weightGradShape(pl.chunk, 0));
  }

  void forward(const ForwardPass& p) const override {
    if (choose(p.batch).fft) {
      fftFor(p.rec.context(), p.batch)
          .recordForward(p.rec, p.inputs[0], p.params[0], bias_ ? p.params[1] : gpu::BufferRange{}, p.output);
      return;
    }
    if (convUnrolled(p.rec.context(), g_, outC_, p.batch, false)) {
      convUnrolledForward(p.rec, g_, outC_, p.batch, p.inputs[0], p.params[0], bias_ ? p.params[1] : gpu::BufferRange{},
                          p.output);
      return;
    }
    const ConvPlan pl = plan(p.batch, convBindingLimit(p.rec.context()));
    for (uint32_t b0 = 0; b0 < p.batch; b0 += pl.chunk) {
      const uint32_t n = std::min(pl.chunk, p.batch - b0);
      const auto [col, tmp] = convScratch(p.workspace, pl, n);
      im2col(p.rec, g_, sampleWindow(p.rec.context(), p.inputs[0], g_.imageSize(), b0, n), n, col);
      ops::GemmShape s;
      s.M = outC_;
      s.N = n * P();
      s.K = g_.colRows();
      ops::gemm(p.rec, s, p.params[0], col, tmp);
      fromChannelMajor(p.rec, tmp, sampleWindow(p.rec.context(), p.output, outC_ * P(), b0, n), n, outC_, P(), false,
                       bias_ ? p.params[1] : gpu::BufferRange{});
    }
  }

  void backward(const BackwardPass& p) const override {
    if (choose(p.batch).fft) {
      backwardFft(p);
      return;
    }
    const ConvPlan pl = plan(p.batch, convBindingLimit(p.rec.context()));
    // The forward pass left the column matrix of a single chunk in the workspace, unless it went unrolled.
    const bool haveCol = pl.chunks(p.batch) == 1 && !convUnrolled(p.rec.context(), g_, outC_, p.batch, false);
    const bool unrolledInput = wantsGrad(p, 0) && convUnrolled(p.rec.context(), g_, outC_, p.batch, true);
    for (uint32_t b0 = 0; b0 < p.batch; b0 += pl.chunk) {
      const uint32_t n = std::min(pl.chunk, p.batch - b0);
      const auto [col, tmp] = convScratch(p.workspace, pl, n);
      toChannelMajor(p.rec, sampleWindow(p.rec.context(), p.gradOutput, outC_ * P(), b0, n), n, outC_, P(), tmp);
      if (!haveCol) im2col(p.rec, g_, sampleWindow(p.rec.context(), p.inputs[0], g_.imageSize(), b0, n), n, col);
      const ops::GemmShape w = weightGradShape(n, b0);
      const uint64_t offset = p.workspace.offset + scratchOffset(pl) * 4;
      ops::gemm(p.rec, w, tmp, col, p.paramGrads[0], gpu::KernelVariant::Auto,
                gpu::BufferRange(*p.workspace.buffer, offset, splitScratch(w) * 4));
      if (!wantsGrad(p, 0) || unrolledInput) continue;
      ops::GemmShape d;  // col = W^T dy
      d.M = g_.colRows();
      d.N = n * P();
      d.K = outC_;
      d.transA = true;
      ops::gemm(p.rec, d, p.params[0], tmp, col);
      col2im(p.rec, g_, col, sampleWindow(p.rec.context(), p.gradInputs[0], g_.imageSize(), b0, n), n,
             accumulates(p, 0));
    }
    if (unrolledInput)
      convUnrolledInputGradient(p.rec, g_, outC_, p.batch, p.gradOutput, p.params[0], p.gradInputs[0],
                                accumulates(p, 0));
    if (bias_) channelSum(p.rec, p.gradOutput, p.paramGrads[1], p.batch, outC_, P());
  }

  void forwardReference(const RefForward& p) const override {
    RefTensor& y = *p.output;
    for (size_t i = 0; i < y.size(); ++i) y[i] = bias_ ? (*p.params[1])[(i / P()) % outC_] : 0.0;
    reference::convolve(g_, p.batch, outC_, *p.inputs[0], *p.params[0], y);
  }

  void backwardReference(const RefBackward& p) const override {
    RefTensor &dx = *p.gradInputs[0], &dw = *p.paramGrads[0];
    std::fill(dx.begin(), dx.end(), 0.0);
    std::fill(dw.begin(), dw.end(), 0.0);
    reference::convolveAdjoint(g_, p.batch, outC_, *p.gradOutput, *p.params[0], dx);
    reference::convolveWeightAdjoint(g_, p.batch, outC_, *p.inputs[0], *p.gradOutput, dw);
    if (bias_) {
      RefTensor& db = *p.paramGrads[1];
      std::fill(db.begin(), db.end(), 0.0);
      for (size_t i = 0; i < size_t(p.batch) * outC_ * P(); ++i) db[(i / P()) % outC_] += (*p.gradOutput)[i];
    }
  }

 private:
  // Whether the passes for `batch` samples go through the FFT, and when they don't though the
  // setting asked for it, why.
  struct Choice {
    bool fft = false;
    std::string why;
  };
  Choice choose(uint32_t batch) const {
    const ConvAlgorithm a = options_.conv;
    if (a == ConvAlgorithm::Direct) return {};
    if (g_.stride != 1 || g_.dilation != 1)
      return {false, a == ConvAlgorithm::Fft ? "the FFT needs stride 1 and dilation 1" : ""};
    if (a == ConvAlgorithm::Auto && g_.k < kFftCrossoverKernel) return {};
    const uint64_t need = fftBindingBytes(batch);
    const uint64_t limit = options_.bindingLimit ? options_.bindingLimit : convChunkLimitBytes();
    if (need > limit)
      return {false,
              "the FFT's spectra need " + bytesText(need) + ", more than one binding holds (" + bytesText(limit) + ")"};
    return {true, ""};
  }
  fft::FftConvShape fftShape(uint32_t batch) const {
    return {batch, g_.channels, outC_, g_.height, g_.width, g_.k, g_.pad};
  }
  // The largest buffer the FFT path binds whole: its spectra, or the input or output tensor.
  uint64_t fftBindingBytes(uint32_t batch) const {
    const fft::FftConvShape s = fftShape(batch);
    const uint64_t planes = std::max(
        {uint64_t(batch) * s.inChannels, uint64_t(s.outChannels) * s.inChannels, uint64_t(batch) * s.outChannels});
    const uint64_t spectra =
        planes * fft::fftFriendlySize(s.height + 2 * s.padding) * fft::fftFriendlySize(s.width + 2 * s.padding) * 8;
    return std::max({spectra, uint64_t(batch) * g_.imageSize() * 4, uint64_t(batch) * outC_ * P() * 4});
  }
  fft::FftConv2d& fftFor(gpu::Context& context, uint32_t batch) const {
    const std::lock_guard lock(fftMutex_);
    auto& conv = fft_[{&context, batch}];
    if (!conv) conv = std::make_unique<fft::FftConv2d>(context, fftShape(batch));
    return *conv;
  }
  // The FFT writes the input gradient: a fan-out adds it from the workspace.
  void backwardFft(const BackwardPass& p) const {
    fft::FftConv2d& conv = fftFor(p.rec.context(), p.batch);
    conv.recordWeightGradient(p.rec, p.inputs[0], p.gradOutput, p.paramGrads[0]);
    if (wantsGrad(p, 0)) {
      const uint32_t n = p.batch * g_.imageSize();
      if (accumulates(p, 0)) {
        const gpu::BufferRange dx(*p.workspace.buffer, p.workspace.offset, uint64_t(n) * 4);
        conv.recordInputGradient(p.rec, p.gradOutput, p.params[0], dx);
        copyOrAdd(p.rec, dx, p.gradInputs[0], n, true);
      } else {
        conv.recordInputGradient(p.rec, p.gradOutput, p.params[0], p.gradInputs[0]);
      }
    }
    if (bias_) channelSum(p.rec, p.gradOutput, p.paramGrads[1], p.batch, outC_, P());
  }

  uint32_t P() const { return g_.gridSize(); }
  // dW (+)= dy col^T for the chunk of n samples starting at sample b0
  ops::GemmShape weightGradShape(uint32_t n, uint32_t b0) const {
    ops::GemmShape w;
    w.M = outC_;
    w.N = g_.colRows();
    w.K = n * P();
    w.transB = true;
    w.beta = b0 ? 1.0f : 0.0f;
    return w;
  }
  // Floats of scratch the weight gradient's GEMM splits K into on the device (the CPU devices'
  // figure for a layer made without one).
  uint64_t splitScratch(const ops::GemmShape& w) const {
    return device_ ? ops::gemmScratchFloats(*device_, w) : ops::gemmScratchFloats(w);
  }
  // Where the split GEMM's partial sums start, aligned for any device (256 bytes).
  static uint64_t scratchOffset(const ConvPlan& pl) { return (pl.totalFloats + 63) / 64 * 64; }
  ConvPlan plan(uint32_t batch, uint64_t limit) const {
    return planConv("Conv2d", batch, P(), g_.colRows(), outC_,
                    std::max<uint64_t>(g_.imageSize(), uint64_t(outC_) * P()), limit);
  }

  ConvGeometry g_;
  uint32_t outC_;
  bool bias_;
  LayerOptions options_;
  std::optional<gpu::DeviceInfo> device_;
  mutable std::mutex fftMutex_;
  mutable std::map<std::pair<const gpu::Context*, uint32_t>, std::unique_ptr<fft::FftConv2d>> fft_;
};

}  // namespace

std::unique_ptr<Layer> createConv2d(const NodeInfo& info, const LayerOptions& options) {
  return std::make_unique<Conv2d>(info, options);
}

void registerConv2d(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "Conv2d";
  def.category = "Convolution";
  def.summary = "2-D convolution (a 1x1 kernel mixes channels)";
  def.params = convParams(false);
  for (auto& p : initParams()) def.params.push_back(p);
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    const Shape& x = only(in);
    requireImage("Conv2d", x);
    const long long k = p.integer("kernel_size"), s = p.integer("stride"), pad = p.integer("padding"),
                    d = p.integer("dilation");
    const uint32_t oc = uint32_t(p.integer("out_channels"));
    const Shape out{oc, convOut("Conv2d", x.height(), k, s, pad, d, "height"),
                    convOut("Conv2d", x.width(), k, s, pad, d, "width")};
    const uint32_t kk = uint32_t(k * k);
    return weightAndBias(p, out, Shape{oc, x.channels(), uint32_t(k), uint32_t(k)}, oc, x.channels() * kk, oc * kk);
  };
  def.create = createConv2d;
  def.exports = convExport(false);
  def.spatial = convSpatial(false);
  def.moments.kind = MomentRule::Kind::Affine;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

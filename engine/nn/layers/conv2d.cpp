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
#include "nn/layers/conv_common.h"
#include "ops/gemm.h"

#include <algorithm>

namespace gradlab::nn::layers {
namespace {

class Conv2d final : public Layer {
 public:
  explicit Conv2d(const NodeInfo& info)
      : Layer(info),
        g_(ConvGeometry::of(info.params, info.inputShapes[0], info.shape.output)),
        outC_(info.shape.output.channels()),
        bias_(info.params.flag("bias")) {}

  uint64_t workspaceFloats(uint32_t batch) const override {
    const ConvPlan pl = plan(batch, 0);
    return scratchOffset(pl) + ops::gemmScratchFloats(weightGradShape(pl.chunk, 0));
  }

  void forward(const ForwardPass& p) const override {
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
    const ConvPlan pl = plan(p.batch, convBindingLimit(p.rec.context()));
    const bool single = pl.chunks(p.batch) == 1;
    for (uint32_t b0 = 0; b0 < p.batch; b0 += pl.chunk) {
      const uint32_t n = std::min(pl.chunk, p.batch - b0);
      const auto [col, tmp] = convScratch(p.workspace, pl, n);
      toChannelMajor(p.rec, sampleWindow(p.rec.context(), p.gradOutput, outC_ * P(), b0, n), n, outC_, P(), tmp);
      if (!single) im2col(p.rec, g_, sampleWindow(p.rec.context(), p.inputs[0], g_.imageSize(), b0, n), n, col);
      const ops::GemmShape w = weightGradShape(n, b0);
      const uint64_t offset = p.workspace.offset + scratchOffset(pl) * 4;
      ops::gemm(p.rec, w, tmp, col, p.paramGrads[0], gpu::KernelVariant::Auto,
                gpu::BufferRange(*p.workspace.buffer, offset, ops::gemmScratchFloats(w) * 4));
      if (!wantsGrad(p, 0)) continue;
      ops::GemmShape d;  // col = W^T dy
      d.M = g_.colRows();
      d.N = n * P();
      d.K = outC_;
      d.transA = true;
      ops::gemm(p.rec, d, p.params[0], tmp, col);
      col2im(p.rec, g_, col, sampleWindow(p.rec.context(), p.gradInputs[0], g_.imageSize(), b0, n), n,
             accumulates(p, 0));
    }
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
  // Where the split GEMM's partial sums start, aligned for any device (256 bytes).
  static uint64_t scratchOffset(const ConvPlan& pl) { return (pl.totalFloats + 63) / 64 * 64; }
  ConvPlan plan(uint32_t batch, uint64_t limit) const {
    return planConv("Conv2d", batch, P(), g_.colRows(), outC_, std::max<uint64_t>(g_.imageSize(), uint64_t(outC_) * P()),
                    limit);
  }

  ConvGeometry g_;
  uint32_t outC_;
  bool bias_;
};

}  // namespace

std::unique_ptr<Layer> createConv2d(const NodeInfo& info) { return std::make_unique<Conv2d>(info); }

}  // namespace gradlab::nn::layers

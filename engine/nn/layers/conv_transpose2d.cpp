// ConvTranspose2d (PyTorch semantics and weight layout in x out x k x k): the adjoint of a Conv2d
// whose input is this layer's output. With P = input pixels per sample, per chunk of n samples:
//   tmp = x as Cin x (n P);  col = W^T tmp  ((Cout k k) x (n P), GEMM);  y = col2im(col) (+ bias)
// Backward is that Conv2d's forward:
//   col = im2col(dy);  dW (+)= tmp col^T  (tmp = x as above);  tmp = W col;  dx (+)= tmp as n x Cin x P
//   db = sum of dy over batch and pixels
// output_padding only enlarges the output image: the grid of kernel positions stays the input's.
// With a single chunk, backward reuses the x-as-Cin x (n P) the forward pass left in the workspace.
#include "nn/layers/conv_common.h"
#include "ops/gemm.h"

#include <algorithm>

namespace gradlab::nn::layers {
namespace {

class ConvTranspose2d final : public Layer {
 public:
  explicit ConvTranspose2d(const NodeInfo& info)
      : Layer(info), g_(ConvGeometry::of(info.params, info.shape.output, info.inputShapes[0])),
        inC_(info.inputShapes[0].channels()), bias_(info.params.flag("bias")) {}

  uint64_t workspaceFloats(uint32_t batch) const override { return plan(batch, 0).totalFloats; }

  void forward(const ForwardPass& p) const override {
    const ConvPlan pl = plan(p.batch, convBindingLimit(p.rec.context()));
    for (uint32_t b0 = 0; b0 < p.batch; b0 += pl.chunk) {
      const uint32_t n = std::min(pl.chunk, p.batch - b0);
      const auto [col, tmp] = convScratch(p.workspace, pl, n);
      toChannelMajor(p.rec, sampleWindow(p.rec.context(), p.inputs[0], inC_ * P(), b0, n), n, inC_, P(), tmp);
      ops::GemmShape s;
      s.M = g_.colRows();
      s.N = n * P();
      s.K = inC_;
      s.transA = true;
      ops::gemm(p.rec, s, p.params[0], tmp, col);
      col2im(p.rec, g_, col, sampleWindow(p.rec.context(), p.output, g_.imageSize(), b0, n), n, false);
    }
    if (bias_) addBias(p.rec, p.params[1], p.output, p.batch, g_.channels, g_.height * g_.width);
  }

  void backward(const BackwardPass& p) const override {
    const ConvPlan pl = plan(p.batch, convBindingLimit(p.rec.context()));
    const bool single = pl.chunks(p.batch) == 1;
    for (uint32_t b0 = 0; b0 < p.batch; b0 += pl.chunk) {
      const uint32_t n = std::min(pl.chunk, p.batch - b0);
      const auto [col, tmp] = convScratch(p.workspace, pl, n);
      im2col(p.rec, g_, sampleWindow(p.rec.context(), p.gradOutput, g_.imageSize(), b0, n), n, col);
      if (!single)
        toChannelMajor(p.rec, sampleWindow(p.rec.context(), p.inputs[0], inC_ * P(), b0, n), n, inC_, P(), tmp);
      ops::GemmShape w;  // dW (+)= x col^T
      w.M = inC_;
      w.N = g_.colRows();
      w.K = n * P();
      w.transB = true;
      w.beta = b0 ? 1.0f : 0.0f;
      ops::gemm(p.rec, w, tmp, col, p.paramGrads[0]);
      if (!wantsGrad(p, 0)) continue;
      ops::GemmShape d;  // tmp = W col
      d.M = inC_;
      d.N = n * P();
      d.K = g_.colRows();
      ops::gemm(p.rec, d, p.params[0], col, tmp);
      fromChannelMajor(p.rec, tmp, sampleWindow(p.rec.context(), p.gradInputs[0], inC_ * P(), b0, n), n, inC_, P(),
                       accumulates(p, 0));
    }
    if (bias_) channelSum(p.rec, p.gradOutput, p.paramGrads[1], p.batch, g_.channels, g_.height * g_.width);
  }

  void forwardReference(const RefForward& p) const override {
    RefTensor& y = *p.output;
    const size_t plane = size_t(g_.height) * g_.width;
    for (size_t i = 0; i < y.size(); ++i) y[i] = bias_ ? (*p.params[1])[(i / plane) % g_.channels] : 0.0;
    reference::convolveAdjoint(g_, p.batch, inC_, *p.inputs[0], *p.params[0], y);
  }

  void backwardReference(const RefBackward& p) const override {
    RefTensor &dx = *p.gradInputs[0], &dw = *p.paramGrads[0];
    std::fill(dx.begin(), dx.end(), 0.0);
    std::fill(dw.begin(), dw.end(), 0.0);
    reference::convolve(g_, p.batch, inC_, *p.gradOutput, *p.params[0], dx);
    reference::convolveWeightAdjoint(g_, p.batch, inC_, *p.gradOutput, *p.inputs[0], dw);
    if (bias_) {
      RefTensor& db = *p.paramGrads[1];
      std::fill(db.begin(), db.end(), 0.0);
      const size_t plane = size_t(g_.height) * g_.width;
      for (size_t i = 0; i < size_t(p.batch) * g_.imageSize(); ++i) db[(i / plane) % g_.channels] += (*p.gradOutput)[i];
    }
  }

 private:
  uint32_t P() const { return g_.gridSize(); }
  ConvPlan plan(uint32_t batch, uint64_t limit) const {
    return planConv("ConvTranspose2d", batch, P(), g_.colRows(), inC_,
                    std::max<uint64_t>(g_.imageSize(), uint64_t(inC_) * P()), limit);
  }

  ConvGeometry g_;
  uint32_t inC_;
  bool bias_;
};

}  // namespace

std::unique_ptr<Layer> createConvTranspose2d(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<ConvTranspose2d>(info);
}

void registerConvTranspose2d(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "ConvTranspose2d";
  def.category = "Convolution";
  def.summary = "transposed 2-D convolution (learned up-sampling)";
  def.params = convParams(true);
  for (auto& p : initParams()) def.params.push_back(p);
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    const Shape& x = only(in);
    requireImage("ConvTranspose2d", x);
    const long long k = p.integer("kernel_size"), s = p.integer("stride"), pad = p.integer("padding"),
                    d = p.integer("dilation"), op = p.integer("output_padding");
    if (op >= s && op >= d) throw ShapeError("ConvTranspose2d: output_padding must be smaller than stride or dilation");
    auto size = [&](uint32_t n) -> uint32_t {
      const long long out = (static_cast<long long>(n) - 1) * s - 2 * pad + d * (k - 1) + op + 1;
      if (out < 1) throw ShapeError("ConvTranspose2d: padding " + std::to_string(pad) + " leaves no output");
      return uint32_t(out);
    };
    const uint32_t oc = uint32_t(p.integer("out_channels")), kk = uint32_t(k * k);
    return weightAndBias(p, Shape{oc, size(x.height()), size(x.width())},
                         Shape{x.channels(), oc, uint32_t(k), uint32_t(k)}, oc, oc * kk, x.channels() * kk);
  };
  def.create = createConvTranspose2d;
  def.exports = convExport(true);
  def.spatial = convSpatial(true);
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

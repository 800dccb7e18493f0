// Linear: y = x W^T + b, W of shape out x in (PyTorch's layout). Forward and backward are GEMMs:
//   y  = x W^T          (batch x out)
//   dx = dy W           (batch x in)
//   dW = dy^T x         (out x in)
//   db = sum over the batch of dy
#include "nn/layers/common.h"
#include "ops/gemm.h"

namespace gradlab::nn::layers {
namespace {

class Linear final : public Layer {
 public:
  explicit Linear(const NodeInfo& info)
      : Layer(info), in_(info.inputShapes[0].dims[0]), out_(info.shape.output.dims[0]),
        bias_(info.params.flag("bias")) {}

  void forward(const ForwardPass& p) const override {
    ops::GemmShape s;
    s.M = p.batch;
    s.N = out_;
    s.K = in_;
    s.transB = true;
    ops::gemm(p.rec, s, p.inputs[0], p.params[0], p.output);
    if (bias_) addBias(p.rec, p.params[1], p.output, p.batch, out_, 1);
  }

  void backward(const BackwardPass& p) const override {
    if (wantsGrad(p, 0)) {
      ops::GemmShape s;
      s.M = p.batch;
      s.N = in_;
      s.K = out_;
      s.beta = accumulates(p, 0) ? 1.0f : 0.0f;
      ops::gemm(p.rec, s, p.gradOutput, p.params[0], p.gradInputs[0]);
    }
    ops::GemmShape w;
    w.M = out_;
    w.N = in_;
    w.K = p.batch;
    w.transA = true;
    ops::gemm(p.rec, w, p.gradOutput, p.inputs[0], p.paramGrads[0]);
    if (bias_) channelSum(p.rec, p.gradOutput, p.paramGrads[1], p.batch, out_, 1);
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor &x = *p.inputs[0], &w = *p.params[0];
    RefTensor& y = *p.output;
    for (uint32_t b = 0; b < p.batch; ++b)
      for (uint32_t o = 0; o < out_; ++o) {
        double sum = bias_ ? (*p.params[1])[o] : 0.0;
        for (uint32_t i = 0; i < in_; ++i) sum += x[b * in_ + i] * w[o * in_ + i];
        y[b * out_ + o] = sum;
      }
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor &x = *p.inputs[0], &w = *p.params[0], &dy = *p.gradOutput;
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
    if (bias_) {
      RefTensor& db = *p.paramGrads[1];
      std::fill(db.begin(), db.end(), 0.0);
      for (uint32_t b = 0; b < p.batch; ++b)
        for (uint32_t o = 0; o < out_; ++o) db[o] += dy[b * out_ + o];
    }
  }

 private:
  uint32_t in_, out_;
  bool bias_;
};

}  // namespace

std::unique_ptr<Layer> createLinear(const NodeInfo& info) { return std::make_unique<Linear>(info); }

}  // namespace gradlab::nn::layers

// CrossEntropyLoss: softmax cross-entropy of class scores against integer labels, per sample;
// the network reports the batch mean, and the backward pass is the gradient of that mean.
#include "nn/layers/common.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <cmath>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kSoftmaxCe{
    "softmax_cross_entropy", spirv::softmax_cross_entropy, {Access::Read, Access::Read, Access::ReadWrite}};

class CrossEntropyLoss final : public Layer {
 public:
  explicit CrossEntropyLoss(const NodeInfo& info) : Layer(info), classes_(info.inputShapes[0].dims[0]) {}

  void forward(const ForwardPass& p) const override {
    struct {
      uint32_t batch, classes;
    } push{p.batch, classes_};
    p.rec.dispatch(p.rec.context().kernel(kSoftmaxCe, {64, 1, 1}, {0u, 0u}), {p.inputs[0], p.labels, p.output}, push,
                   {(p.batch + 63) / 64, 1, 1});
  }

  void backward(const BackwardPass& p) const override {
    if (!wantsGrad(p, 0)) return;
    struct {
      uint32_t batch, classes;
    } push{p.batch, classes_};
    const auto& kernel = p.rec.context().kernel(kSoftmaxCe, {64, 1, 1}, {1u, accumulates(p, 0) ? 1u : 0u});
    p.rec.dispatch(kernel, {p.inputs[0], p.labels, p.gradInputs[0]}, push, {(p.batch + 63) / 64, 1, 1});
  }

  void forwardReference(const RefForward& p) const override {
    const RefTensor& z = *p.inputs[0];
    for (uint32_t b = 0; b < p.batch; ++b) {
      const double* row = z.data() + size_t(b) * classes_;
      const double top = *std::max_element(row, row + classes_);
      double sum = 0;
      for (uint32_t k = 0; k < classes_; ++k) sum += std::exp(row[k] - top);
      (*p.output)[b] = std::log(sum) + top - row[label(p.labels, b)];
    }
  }

  void backwardReference(const RefBackward& p) const override {
    const RefTensor& z = *p.inputs[0];
    RefTensor& dz = *p.gradInputs[0];
    for (uint32_t b = 0; b < p.batch; ++b) {
      const double* row = z.data() + size_t(b) * classes_;
      const double top = *std::max_element(row, row + classes_);
      double sum = 0;
      for (uint32_t k = 0; k < classes_; ++k) sum += std::exp(row[k] - top);
      for (uint32_t k = 0; k < classes_; ++k)
        dz[size_t(b) * classes_ + k] = (std::exp(row[k] - top) / sum - (k == label(p.labels, b) ? 1.0 : 0.0)) / p.batch;
    }
  }

 private:
  uint32_t label(const std::vector<uint32_t>* labels, uint32_t b) const { return std::min((*labels)[b], classes_ - 1); }
  uint32_t classes_;
};

}  // namespace

std::unique_ptr<Layer> createCrossEntropyLoss(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<CrossEntropyLoss>(info);
}

void registerCrossEntropyLoss(std::vector<LayerDef>& catalog) {
  LayerDef def = schema::loss("CrossEntropyLoss", "softmax cross-entropy of class scores against labels");
  def.create = createCrossEntropyLoss;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

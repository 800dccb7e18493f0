#pragma once
// Shared by MSELoss, BCEWithLogitsLoss and MultiMarginLoss: losses of class scores against uint32
// labels, one value per sample; the backward pass is the gradient of the batch mean. One shader
// (shaders/class_losses.comp) computes all three; each layer's file gives its CPU reference.
#include "nn/layers/common.h"
#include "spirv/shaders.h"

#include <algorithm>

namespace gradlab::nn::layers {

class ClassLoss : public Layer {
 public:
  enum Kind : uint32_t { Mse = 0, Bce = 1, MultiMargin = 2 };
  ClassLoss(const NodeInfo& info, Kind kind, float margin = 1, uint32_t power = 1)
      : Layer(info), classes_(uint32_t(info.inputShapes[0].elements())), margin_(margin), power_(power), kind_(kind) {}

  void forward(const ForwardPass& p) const override {
    run(p.rec, p.batch, p.inputs[0], p.labels, p.output, false, false);
  }
  void backward(const BackwardPass& p) const override {
    if (wantsGrad(p, 0)) run(p.rec, p.batch, p.inputs[0], p.labels, p.gradInputs[0], true, accumulates(p, 0));
  }

  void forwardReference(const RefForward& p) const override {
    std::vector<double> unused(classes_);
    for (uint32_t b = 0; b < p.batch; ++b)
      (*p.output)[b] = sample(p.inputs[0]->data() + size_t(b) * classes_, label(p.labels, b), unused.data());
  }
  void backwardReference(const RefBackward& p) const override {
    for (uint32_t b = 0; b < p.batch; ++b) {
      double* g = p.gradInputs[0]->data() + size_t(b) * classes_;
      sample(p.inputs[0]->data() + size_t(b) * classes_, label(p.labels, b), g);
      for (uint32_t k = 0; k < classes_; ++k) g[k] /= p.batch;
    }
  }

 protected:
  // One sample's loss for scores z (classes_ of them) and the label; its gradient into `grad`.
  virtual double sample(const double* z, uint32_t label, double* grad) const = 0;
  // The label clamped to a class; BCEWithLogitsLoss with one output reads the raw label (0 or 1).
  uint32_t label(const std::vector<uint32_t>* labels, uint32_t b) const {
    return classes_ == 1 ? std::min((*labels)[b], 1u) : std::min((*labels)[b], classes_ - 1);
  }
  // Target of output k: the one-hot vector of the label, or with one output the label itself.
  double target(uint32_t k, uint32_t label) const { return classes_ == 1 ? double(label) : k == label ? 1.0 : 0.0; }
  uint32_t classes_;
  float margin_;  // MultiMarginLoss: as the GPU sees it
  uint32_t power_;

 private:
  void run(gpu::Recording& rec, uint32_t batch, gpu::BufferRange z, gpu::BufferRange labels, gpu::BufferRange out,
           bool backward, bool accumulate) const {
    using gpu::Access;
    static const gpu::KernelSpec spec{
        "class_losses", spirv::class_losses, {Access::Read, Access::Read, Access::ReadWrite}};
    struct {
      uint32_t batch, classes;
      float margin;
      uint32_t power;
    } push{batch, classes_, margin_, power_};
    const auto& kernel =
        rec.context().kernel(spec, {64, 1, 1}, {uint32_t(kind_), backward ? 1u : 0u, accumulate ? 1u : 0u});
    rec.dispatch(kernel, {z, labels, out}, push, {(batch + 63) / 64, 1, 1});
  }
  Kind kind_;
};

}  // namespace gradlab::nn::layers

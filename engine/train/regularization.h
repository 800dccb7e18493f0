#pragma once
// Penalties in the loss and gradient clipping, recorded into the training step between the
// backward pass and the not-finite checks (then the update):
//   penalties  L1 l1 sum|w|, L2 (l2 / 2) sum w^2 (so its gradient is l2 w), elastic net both. Their
//              gradient l1 sign(w) + l2 w is added to the data gradient, and their value to the
//              step's reported loss (data loss + penalty). Weights only (Parameter::decays) unless
//              allTensors. Unlike an optimizer's weight_decay (decoupled in AdamW), the penalty's
//              gradient goes through the optimizer like the data gradient does.
//   clipping   by global norm as PyTorch's clip_grad_norm_ (the L2 norm of all gradients together,
//              every tensor, scaled by max_norm / (norm + 1e-6) when that is < 1), then by value
//              (each element clamped to [-v, v]); after the penalties.
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "optim/optimizer.h"

#include <memory>
#include <span>
#include <vector>

namespace gradlab::train {

struct Regularization {
  double l1 = 0;            // L1 penalty l1 sum|w|
  double l2 = 0;            // L2 penalty (l2 / 2) sum w^2
  bool allTensors = false;  // penalise biases and normalisation parameters too
  double clipNorm = 0;      // > 0: clip the global gradient norm to this
  double clipValue = 0;     // > 0: clamp every gradient element to [-clipValue, clipValue]

  bool penalizes() const { return l1 > 0 || l2 > 0; }
  bool clips() const { return clipNorm > 0 || clipValue > 0; }
  bool active() const { return penalizes() || clips(); }
  // scikit-learn's elastic net: alpha (ratio sum|w| + (1 - ratio) / 2 sum w^2).
  static Regularization elasticNet(double alpha, double l1Ratio) { return {alpha * l1Ratio, alpha * (1 - l1Ratio)}; }
};

// Throws std::invalid_argument naming the value and its range for anything negative or not finite.
void validate(const Regularization& r);

// The device part: scratch buffers for the partial sums, sized for the given parameters.
class RegularizationStage {
 public:
  RegularizationStage(gpu::Context& context, const Regularization& r, std::vector<optim::ParamRef> params);

  // grad += l1 sign(w) + l2 w for every penalised tensor, and ring[step % ringSize].y (the step's
  // loss sum) += penalty * samples. Nothing when no penalty is set.
  void recordPenalties(gpu::Recording& rec, gpu::BufferRange ring, uint32_t ringSize, uint32_t samples,
                       gpu::BufferRange step);
  // Clipping by norm, then by value, of every gradient. Nothing when no clipping is set.
  void recordClipping(gpu::Recording& rec);
  // After a step that clipped by norm: the global norm before clipping, and the coefficient applied.
  double lastNorm() const;
  double lastCoefficient() const;

 private:
  bool penalized(const optim::ParamRef& p) const { return r_.allTensors || p.decays; }

  gpu::Context& context_;
  Regularization r_;
  std::vector<optim::ParamRef> params_;
  std::unique_ptr<gpu::Buffer> penaltyPartials_, normPartials_, clip_;
};

namespace reference {
// The penalty of one tensor: l1 sum|w| + (l2 / 2) sum w^2.
double penalty(const Regularization& r, std::span<const double> w);
// g += l1 sign(w) + l2 w (sign(0) = 0).
void addPenaltyGradient(const Regularization& r, std::span<const double> w, std::span<double> g);
// The global L2 norm of all gradients.
double globalNorm(const std::vector<std::vector<double>>& grads);
// Clipping by norm then by value, in place, as the device does it.
void clip(const Regularization& r, std::vector<std::vector<double>>& grads);
}  // namespace reference

}  // namespace gradlab::train

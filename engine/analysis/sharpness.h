#pragma once
// Sharpness: the top eigenvalue lambda_max of the Hessian of the training loss on a fixed batch
// (Cohen et al., "Gradient Descent on Neural Networks Typically Occurs at the Edge of Stability",
// 2021: with full-batch GD it rises until it reaches 2 / lr). Found by power iteration on
// Hessian-vector products, each the central difference of two gradients the device computes,
//   H v ~ (g(w + e v) - g(w - e v)) / 2e,
// with the estimate the Rayleigh quotient v^T H v of the unit vector v. Power iteration finds the
// eigenvalue of largest magnitude, which is lambda_max near a minimum, where H is nearly positive
// semi-definite; where it is negative instead (at initialisation a tanh network's often is), a
// second power iteration on H - that eigenvalue finds lambda_max.
//
// The step e: central differences err by ~e^2 x the third derivative, and by the float32 rounding
// of the gradients (~6e-8 of the terms they sum) divided by e. With the loss varying on the scale
// of the weights, both balance near e = cbrt(6e-8) ~ 2^-8 of that scale, so e = 2^-8 x max(|w|, 1)
// along the unit vector v. Each coordinate's move, e |v_i| ~ 2^-8 |w| / sqrt(n), stays far above
// the float32 rounding of w_i (6e-8 |w_i|) for any network that fits the device; and the points
// are rounded to float before the gradients are taken, with the difference of the rounded points
// used as the direction, so that rounding costs no accuracy either.
#include "nn/network.h"
#include "surface/test_function.h"

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

namespace gradlab::gpu {
class Context;
}

namespace gradlab::analysis {

struct SharpnessOptions {
  uint32_t iterations = 20;
  double relativeStep = 0x1p-8;  // e relative to max(|w|, 1); see above
  uint64_t seed = 1;             // the start vector: the same seed gives the same estimates
};

struct SharpnessEstimate {
  double lambdaMax = 0;
  // The convergence readout: |last estimate - the one before| / |last estimate| (0 after one iteration).
  double relativeChange = 0;
  std::vector<double> history;  // the estimate after each iteration (of the second pass, if any)
  double step = 0;              // e, as used
  double shift = 0;             // the negative dominant eigenvalue the second pass subtracted (0: one pass)
};

// The gradient at `w`. It may round `w` in place to the values it evaluated at (float32 on the
// device): the power iteration then takes the rounded points' difference as its direction.
using GradientAt = std::function<std::vector<double>(std::vector<double>& w)>;

// Power iteration at `w` on the central differences of `gradient`. Throws std::invalid_argument,
// with one line saying what to do, for an empty or non-finite `w`, zero iterations, a step that is
// not positive, or a gradient that is not finite.
SharpnessEstimate powerIteration(const std::vector<double>& w, const GradientAt& gradient,
                                 const SharpnessOptions& options = {});

// The sharpness of the mean loss of the batch already in net.input() and net.labels(), in
// training mode (Dropout's masks of the current step, BatchNorm's batch statistics): what a
// training step on that batch descends. Regularization penalties are not part of it. Overwrites
// the gradients and activations; leaves the parameters and running statistics as they were.
SharpnessEstimate sharpness(nn::Network& net, const SharpnessOptions& options = {});

// The same right after training step `step` (0-based), on that step's batch, still in the network's
// input, with that step's Dropout masks: the step counter, which seeds the masks, is set back to
// `step` for the measurement and on to the next step after it.
SharpnessEstimate sharpnessOfStep(nn::Network& net, uint64_t step, const SharpnessOptions& options = {});

// The sharpness of a 2-D test surface at `point`, its gradient computed by the device kernel the
// surface trajectories use.
SharpnessEstimate surfaceSharpness(gpu::Context& context, surface::FunctionId function,
                                   const surface::FunctionParams& params, std::array<double, 2> point,
                                   const SharpnessOptions& options = {});

}  // namespace gradlab::analysis

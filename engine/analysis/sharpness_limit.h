#pragma once
// The sharpness at which an optimizer's step stops being stable: the line the Sharpness view draws
// over lambda_max. Along an eigen-direction of curvature lambda of a quadratic, with a = lr lambda:
//   plain GD, p -= lr g: the distance's factor per step is 1 - a, stable while a < 2;
//   heavy-ball momentum beta (torch.optim.SGD: v = beta v + (1 - dampening) g, p -= lr v): the roots
//     of z^2 - (1 + beta - a') z + beta with a' = a (1 - dampening), both inside the unit circle
//     while 0 < a' < 2 + 2 beta (Jury's conditions);
//   Nesterov (p -= lr (g + beta v), dampening 0): z^2 - (1 + beta - a (1 + beta)) z + beta (1 - a),
//     stable while a < (2 + 2 beta) / (1 + 2 beta): Nesterov's look-ahead makes the limit lower.
// SGD's weight decay wd adds wd to every decayed direction's curvature, so the loss's own sharpness
// may reach the limit less wd. Adaptive methods (Adam, RMSprop, ...) divide each coordinate's step by
// its running gradient scale: their limit holds for the preconditioned Hessian (Cohen et al. 2022,
// "Adaptive Gradient Methods at the Edge of Stability": (2 + 2 beta1) / ((1 - beta1) lr) for Adam),
// which the loss's sharpness does not show; for them the line is plain GD's 2 / lr, a reference,
// and its label says it is not their limit.
#include <map>
#include <string>

namespace gradlab::analysis {

struct StabilityRule {
  double factor = 2;             // stable while lr * stepScale * lambda < factor
  double stepScale = 1;          // 1 - dampening for momentum
  double weightDecay = 0;        // SGD's weight_decay
  bool holds = true;             // false: an adaptive optimizer, the line is plain GD's for reference
  std::string label = "2 / lr";  // or "(2 + 2β) / lr, β 0.9", "2 / lr: not Adam's limit"

  // The sharpness at which the step becomes unstable at learning rate `lr` (NaN for lr <= 0).
  double limit(double lr) const;
};

// The rule of the optimizer `name` (optim catalog name) with torch-named `values`. Throws
// std::invalid_argument, naming the value, for values optim::resolveSettings refuses.
StabilityRule stabilityRule(const std::string& name, const std::map<std::string, std::string>& values = {});

}  // namespace gradlab::analysis

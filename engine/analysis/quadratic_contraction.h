#pragma once
// What theory predicts for gradient descent on the quadratic test surface 1/2 p^T A p (eigenvalues
// 1 and kappa): along eigen-direction i a step of plain GD multiplies the distance to the minimum
// by 1 - lr l_i, so it shrinks when |1 - lr l_i| < 1 and the slowest direction sets the pace. With
// heavy-ball momentum (torch.optim.SGD: v = beta v + g, p -= lr v) each direction follows
// z^2 - (1 + beta - lr l_i) z + beta = 0: its factor per step is the larger root's modulus, sqrt(beta)
// where the roots are complex, which at the optimal lr holds for every direction (Polyak 1964).
#include "surface/test_function.h"

#include <array>
#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gradlab::analysis {

struct QuadraticContraction {
  std::array<double, 2> eigenvalues{};  // 1 and kappa (plus weight decay)
  std::array<double, 2> factors{};      // per direction: the distance's factor per step, eventually
  double rate = 0;                      // the larger: the whole distance's factor per step
  // Plain GD: each step multiplies the component along direction i by 1 - lr l_i exactly, from the
  // first step on; with momentum the factors hold only eventually, up to a factor polynomial in t.
  bool exact = true;
  double lr = 0;  // the learning rate they are for
};

// For SGD at `lr` with `momentum` (0: plain GD), `dampening` and `weightDecay` on the quadratic of
// `params`.
QuadraticContraction quadraticContraction(const surface::FunctionParams& params, double lr, double momentum = 0,
                                          double dampening = 0, double weightDecay = 0);

// The distance to the minimum (the origin) theory predicts after each step 0..steps from `start`:
// for plain GD exactly, sqrt(sum_i (f_i^t c_i)^2) with c_i the start's component along eigen-direction
// i (f_i signed, 1 - lr l_i); with momentum the envelope rate^t |start| (sqrt(beta)^t |start| at
// Polyak's setting), which the distance follows on a log scale up to the transient's factor.
std::vector<double> predictedDistances(const surface::FunctionParams& params, const QuadraticContraction& contraction,
                                       std::array<double, 2> start, uint32_t steps);

// The same for an optimizer as the race names it (name and torch-named values); nullopt for one
// theory has no closed form for here (the adaptive ones, Nesterov momentum) or values that do not
// parse.
std::optional<QuadraticContraction> quadraticContraction(const surface::FunctionParams& params,
                                                         const std::string& optimizer,
                                                         const std::map<std::string, std::string>& values);

}  // namespace gradlab::analysis

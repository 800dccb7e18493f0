#include "analysis/quadratic_contraction.h"

#include <algorithm>
#include <cmath>
#include <complex>

namespace gradlab::analysis {
namespace {

// The larger modulus of the roots of z^2 - b z + c.
double largerRoot(double b, double c) {
  const std::complex<double> d = std::sqrt(std::complex<double>(b * b - 4 * c));
  return std::max(std::abs((b + d) / 2.0), std::abs((b - d) / 2.0));
}

}  // namespace

QuadraticContraction quadraticContraction(const surface::FunctionParams& params, double lr, double momentum,
                                          double dampening, double weightDecay) {
  QuadraticContraction out;
  out.eigenvalues = {1 + weightDecay, params.kappa + weightDecay};
  // With momentum, the first step adds the gradient undamped and later ones (1 - dampening) of it:
  // eventually the step is lr (1 - dampening) times the gradient's running sum.
  const double step = momentum > 0 ? lr * (1 - dampening) : lr;
  for (size_t i = 0; i < 2; ++i)
    out.factors[i] = momentum > 0 ? largerRoot(1 + momentum - step * out.eigenvalues[i], momentum)
                                  : std::abs(1 - step * out.eigenvalues[i]);
  out.rate = std::max(out.factors[0], out.factors[1]);
  return out;
}

std::optional<QuadraticContraction> quadraticContraction(const surface::FunctionParams& params,
                                                         const std::string& optimizer,
                                                         const std::map<std::string, std::string>& values) {
  if (optimizer != "sgd") return std::nullopt;
  double lr = 0.001, momentum = 0, dampening = 0, weightDecay = 0;  // torch.optim.SGD's defaults (lr: GradLab's)
  for (const auto& [key, text] : values) {
    double* target = key == "lr"             ? &lr
                     : key == "momentum"     ? &momentum
                     : key == "dampening"    ? &dampening
                     : key == "weight_decay" ? &weightDecay
                                             : nullptr;
    if (key == "nesterov" && text != "false" && text != "0") return std::nullopt;
    if (!target) continue;
    try {
      size_t used = 0;
      *target = std::stod(text, &used);
      if (used != text.size()) return std::nullopt;
    } catch (const std::exception&) {
      return std::nullopt;
    }
  }
  return quadraticContraction(params, lr, momentum, dampening, weightDecay);
}

}  // namespace gradlab::analysis

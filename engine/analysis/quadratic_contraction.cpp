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
  out.exact = momentum <= 0;
  out.lr = lr;
  return out;
}

std::vector<double> predictedDistances(const surface::FunctionParams& params, const QuadraticContraction& contraction,
                                       std::array<double, 2> start, uint32_t steps) {
  // The eigen-directions are the columns of the rotation in surface::quadraticMatrix.
  const double c = std::cos(params.angle), s = std::sin(params.angle);
  std::array<double, 2> along{c * start[0] + s * start[1], -s * start[0] + c * start[1]}, factor{};
  for (size_t i = 0; i < 2; ++i) factor[i] = 1 - contraction.lr * contraction.eigenvalues[i];
  const double d0 = std::hypot(start[0], start[1]);
  std::vector<double> out;
  out.reserve(size_t(steps) + 1);
  double envelope = d0;
  for (uint32_t t = 0; t <= steps; ++t) {
    out.push_back(contraction.exact ? std::hypot(along[0], along[1]) : envelope);
    for (size_t i = 0; i < 2; ++i) along[i] *= factor[i];
    envelope *= contraction.rate;
  }
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

#include "optim/reference.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace gradlab::optim::reference {

double radamRectification(double beta2, uint64_t t) {
  const double rhoInf = 2 / (1 - beta2) - 1;
  const double oneMinus = -std::expm1(double(t) * std::log(beta2));
  const double rho = rhoInf - 2 * double(t) * std::pow(beta2, double(t)) / oneMinus;
  if (!(rho > 5)) return 0;
  return std::sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
}

double nadamMu(double beta1, double momentumDecay, uint64_t t) {
  return beta1 * (1 - 0.5 * std::pow(0.96, double(t) * momentumDecay));
}

void step(const Settings& s, std::vector<double>& param, const std::vector<double>& grad, TensorState& state,
          uint64_t t, double lr, bool decays) {
  const size_t n = param.size();
  const std::string& name = s.name;
  const double wd = s.decays(decays) ? s["weight_decay"] : 0.0;
  const double eps = s["eps"], b1 = s["beta1"], b2 = s["beta2"];
  auto vec = [&](const std::string& key, double initial = 0) -> std::vector<double>& {
    auto& v = state.vectors[key];
    if (v.size() != n) v.assign(n, initial);
    return v;
  };
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  // Weight decay: decoupled (AdamW; RAdam and NAdam with decoupled_weight_decay) shrinks the
  // parameter, otherwise it is an L2 term added to the gradient.
  const bool decoupled = name == "adamw" || s.flag("decoupled_weight_decay");
  std::vector<double> g(grad);
  for (size_t i = 0; i < n; ++i) {
    if (decoupled) param[i] -= lr * wd * param[i];
    else g[i] += wd * param[i];
  }

  if (name == "sgd") {
    const double mu = s["momentum"], damp = s["dampening"];
    auto& b = vec("momentum_buffer");
    for (size_t i = 0; i < n; ++i) {
      double d = g[i];
      if (mu != 0) {
        b[i] = t == 1 ? d : mu * b[i] + (1 - damp) * d;
        d = s.flag("nesterov") ? d + mu * b[i] : b[i];
      }
      param[i] -= lr * d;
    }
  } else if (name == "adagrad") {
    const double clr = lr / (1 + double(t - 1) * s["lr_decay"]);
    auto& sum = vec("sum", s["initial_accumulator_value"]);
    for (size_t i = 0; i < n; ++i) {
      sum[i] += g[i] * g[i];
      param[i] -= clr * g[i] / (std::sqrt(sum[i]) + eps);
    }
  } else if (name == "rmsprop") {
    const double alpha = s["alpha"], mu = s["momentum"];
    auto& v = vec("square_avg");
    auto& a = vec("grad_avg");
    auto& b = vec("momentum_buffer");
    for (size_t i = 0; i < n; ++i) {
      v[i] = alpha * v[i] + (1 - alpha) * g[i] * g[i];
      double variance = v[i];
      if (s.flag("centered")) {
        a[i] = alpha * a[i] + (1 - alpha) * g[i];
        variance -= a[i] * a[i];
      }
      const double d = g[i] / (std::sqrt(variance) + eps);
      if (mu > 0) {
        b[i] = mu * b[i] + d;
        param[i] -= lr * b[i];
      } else {
        param[i] -= lr * d;
      }
    }
  } else if (name == "adam" || name == "adamw") {
    auto& m = vec("exp_avg");
    auto& v = vec("exp_avg_sq");
    auto& vmax = vec("max_exp_avg_sq");
    for (size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      double second = v[i];
      if (s.flag("amsgrad")) second = vmax[i] = std::max(vmax[i], v[i]);
      param[i] -= lr * (m[i] / c1) / (std::sqrt(second / c2) + eps);
    }
  } else if (name == "radam") {
    const double r = radamRectification(b2, t);
    auto& m = vec("exp_avg");
    auto& v = vec("exp_avg_sq");
    for (size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const double mhat = m[i] / c1;
      param[i] -= r > 0 ? lr * mhat * r * std::sqrt(c2) / (std::sqrt(v[i]) + eps) : lr * mhat;
    }
  } else if (name == "nadam") {
    const double psi = s["momentum_decay"];
    const double mu = nadamMu(b1, psi, t), muNext = nadamMu(b1, psi, t + 1);
    if (!state.scalars.count("mu_product")) state.scalars["mu_product"] = 1;
    double& prod = state.scalars["mu_product"];
    prod *= mu;
    auto& m = vec("exp_avg");
    auto& v = vec("exp_avg_sq");
    for (size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      const double mhat = muNext * m[i] / (1 - prod * muNext) + (1 - mu) * g[i] / (1 - prod);
      param[i] -= lr * mhat / (std::sqrt(v[i] / c2) + eps);
    }
  } else if (name == "adabelief") {
    auto& m = vec("exp_avg");
    auto& sv = vec("exp_avg_var");
    for (size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      sv[i] = b2 * sv[i] + (1 - b2) * (g[i] - m[i]) * (g[i] - m[i]) + eps;
      param[i] -= lr * (m[i] / c1) / (std::sqrt(sv[i] / c2) + eps);
    }
  } else if (name == "diffgrad") {
    auto& m = vec("exp_avg");
    auto& v = vec("exp_avg_sq");
    auto& prev = vec("previous_grad");
    auto& xi = vec("friction");
    for (size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      xi[i] = 1 / (1 + std::exp(-std::abs(prev[i] - g[i])));
      prev[i] = g[i];
      param[i] -= lr * xi[i] * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
    }
  } else if (name == "adamnorm") {
    const double gamma = s["gamma"];
    double sq = 0;
    for (double x : g) sq += x * x;
    const double norm = std::sqrt(sq);
    double& e = state.scalars["exp_grad_norm"];
    e = gamma * e + (1 - gamma) * norm;
    state.scalars["grad_norm"] = norm;
    const double scale = e > norm && norm > 0 ? e / norm : 1.0;
    auto& m = vec("exp_avg");
    auto& v = vec("exp_avg_sq");
    for (size_t i = 0; i < n; ++i) {
      m[i] = b1 * m[i] + (1 - b1) * scale * g[i];
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      param[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
    }
  } else if (name == "adaminject") {
    const double k = s["k"];
    auto& m = vec("exp_avg");
    auto& v = vec("exp_avg_sq");
    auto& change = vec("param_change");
    for (size_t i = 0; i < n; ++i) {
      const double injected = t == 1 ? g[i] : (g[i] + change[i] * g[i] * g[i]) / k;
      m[i] = b1 * m[i] + (1 - b1) * injected;
      v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
      change[i] = lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
      param[i] -= change[i];
    }
  } else {
    throw std::invalid_argument("no reference for optimizer " + name);
  }
}

}  // namespace gradlab::optim::reference

#include "analysis/sharpness.h"

#include "analysis/loss_landscape.h"
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "spirv/shaders.h"
#include "train/step_builder.h"

#include <cmath>
#include <random>
#include <stdexcept>
#include <string>

namespace gradlab::analysis {
namespace {

double norm(const std::vector<double>& v) {
  double s = 0;
  for (double x : v) s += x * x;
  return std::sqrt(s);
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

bool allFinite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

std::vector<double> unitGaussian(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  for (auto& x : v) x = normal(rng);
  const double length = norm(v);
  for (auto& x : v) x /= length;
  return v;
}

void checkRequest(const std::vector<double>& w, const SharpnessOptions& options) {
  if (w.empty()) throw std::invalid_argument("sharpness: there are no parameters to measure the curvature of");
  if (!allFinite(w))
    throw std::invalid_argument("sharpness: the weights are not finite (NaN or infinite): reset or reload them first");
  if (options.iterations == 0) throw std::invalid_argument("sharpness: give at least 1 iteration");
  if (!(options.relativeStep > 0) || !std::isfinite(options.relativeStep))
    throw std::invalid_argument("sharpness: the finite-difference step must be a positive number");
}

// H d and d for the points w + e v and w - e v as `gradient` rounds them: d is their half
// difference over e, so H d is exact up to the gradients' own rounding.
struct Product {
  std::vector<double> hd, d;
};

Product hessianTimes(const std::vector<double>& w, const std::vector<double>& v, double e, const GradientAt& gradient) {
  std::vector<double> up(w.size()), down(w.size());
  for (size_t i = 0; i < w.size(); ++i) {
    up[i] = w[i] + e * v[i];
    down[i] = w[i] - e * v[i];
  }
  const auto gUp = gradient(up), gDown = gradient(down);
  if (!allFinite(gUp) || !allFinite(gDown))
    throw std::invalid_argument("sharpness: the gradient near these weights is not finite: the loss diverges there");
  Product p{std::vector<double>(w.size()), std::vector<double>(w.size())};
  for (size_t i = 0; i < w.size(); ++i) {
    p.hd[i] = (gUp[i] - gDown[i]) / (2 * e);
    p.d[i] = (up[i] - down[i]) / (2 * e);
  }
  return p;
}

// The network's parameters as one vector of doubles.
std::vector<double> readWeights(const nn::Network& net) {
  const ParamVector f = readParameters(net);
  return {f.begin(), f.end()};
}

// The gradient of the batch's mean loss at `w`, rounded in place to the floats the device holds.
std::vector<double> gradientOf(nn::Network& net, std::vector<double>& w) {
  ParamVector f(w.begin(), w.end());
  writeParameters(net, f);
  for (size_t i = 0; i < w.size(); ++i) w[i] = f[i];
  gpu::Recording rec(net.context());
  train::recordForward(rec, net, true);
  train::recordBackward(rec, net);
  net.context().run(rec);
  std::vector<double> g;
  g.reserve(w.size());
  for (const auto& p : net.parameters()) {
    // A parameter the loss does not depend on has no gradient buffer filled: its gradient is 0.
    if (!net.reachesLoss(p.node)) {
      g.resize(g.size() + p.count(), 0.0);
      continue;
    }
    for (float x : p.readGradients()) g.push_back(x);
  }
  return g;
}

// Power iteration on H - shift from a random unit vector: the Rayleigh quotient of H after each
// product.
std::vector<double> iterate(const std::vector<double>& w, const GradientAt& gradient, double e, double shift,
                            uint32_t iterations, uint64_t seed) {
  std::vector<double> v = unitGaussian(w.size(), seed), history;
  for (uint32_t k = 0; k < iterations; ++k) {
    Product p = hessianTimes(w, v, e, gradient);
    const double dd = dot(p.d, p.d);
    history.push_back(dd > 0 ? dot(p.d, p.hd) / dd : 0.0);  // the Rayleigh quotient of d
    for (size_t i = 0; i < v.size(); ++i) p.hd[i] -= shift * p.d[i];
    const double length = norm(p.hd);
    if (!(length > 0)) break;  // (H - shift) v = 0: v is an eigenvector, and the estimate exact
    for (size_t i = 0; i < v.size(); ++i) v[i] = p.hd[i] / length;
  }
  return history;
}

using gpu::Access;
const gpu::KernelSpec kSurfaceGradient{
    "surface_gradient", spirv::surface_gradient, {Access::Read, Access::Write, Access::Read, Access::ReadWrite}};

}  // namespace

SharpnessEstimate powerIteration(const std::vector<double>& w, const GradientAt& gradient,
                                 const SharpnessOptions& options) {
  checkRequest(w, options);
  SharpnessEstimate out;
  out.step = options.relativeStep * std::max(norm(w), 1.0);
  out.history = iterate(w, gradient, out.step, 0.0, options.iterations, options.seed);
  // The dominant eigenvalue is negative (far from a minimum, or at a maximum): every eigenvalue of
  // H - shift is then nearly >= 0, and the dominant one is lambda_max - shift.
  if (out.history.back() < 0) {
    out.shift = out.history.back();
    out.history = iterate(w, gradient, out.step, out.shift, options.iterations, options.seed + 1);
  }
  out.lambdaMax = out.history.back();
  if (out.history.size() > 1) {
    const double previous = out.history[out.history.size() - 2];
    out.relativeChange = std::abs(out.lambdaMax - previous) / std::max(std::abs(out.lambdaMax), 1e-300);
  }
  return out;
}

SharpnessEstimate sharpness(nn::Network& net, const SharpnessOptions& options) {
  const std::vector<double> w = readWeights(net);
  const ParamVector saved(w.begin(), w.end());
  std::vector<std::vector<float>> statistics;
  for (const auto& s : net.runningStatistics()) statistics.push_back(s.buffer->read<float>(s.count));
  const auto restore = [&] {
    writeParameters(net, saved);
    const auto running = net.runningStatistics();
    for (size_t i = 0; i < running.size(); ++i)
      running[i].buffer->upload(statistics[i].data(), statistics[i].size() * 4);
  };
  try {
    const SharpnessEstimate out = powerIteration(
        w, [&](std::vector<double>& at) { return gradientOf(net, at); }, options);
    restore();
    return out;
  } catch (...) {
    restore();
    throw;
  }
}

SharpnessEstimate sharpnessOfStep(nn::Network& net, uint64_t step, const SharpnessOptions& options) {
  const uint32_t at = uint32_t(step), next = uint32_t(step + 1);
  net.step().upload(&at, 4);
  try {
    const SharpnessEstimate estimate = sharpness(net, options);
    net.step().upload(&next, 4);
    return estimate;
  } catch (...) {
    net.step().upload(&next, 4);
    throw;
  }
}

SharpnessEstimate surfaceSharpness(gpu::Context& context, surface::FunctionId function,
                                   const surface::FunctionParams& params, std::array<double, 2> point,
                                   const SharpnessOptions& options) {
  gpu::Buffer xy(context, 8, true), grad(context, 8, true), step(context, 4), trajectory(context, 16);
  const uint32_t zero = 0;
  step.upload(&zero, 4);
  const auto a = surface::quadraticMatrix(params);
  const struct {
    float a00, a01, a11;
    uint32_t capacity;
  } push{float(a[0]), float(a[1]), float(a[3]), 1};
  const gpu::Kernel& kernel = context.kernel(kSurfaceGradient, {1, 1, 1}, {uint32_t(function)});
  const GradientAt gradient = [&](std::vector<double>& at) {
    const float f[2] = {float(at[0]), float(at[1])};
    at = {f[0], f[1]};
    xy.upload(f, 8);
    gpu::Recording rec(context, 0);
    rec.dispatch(kernel, {xy, grad, step, trajectory}, push, {1, 1, 1});
    context.run(rec);
    const auto g = grad.read<float>(2);
    return std::vector<double>{g[0], g[1]};
  };
  return powerIteration({point[0], point[1]}, gradient, options);
}

}  // namespace gradlab::analysis

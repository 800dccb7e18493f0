// PyTorch's RMSprop, plain or centered, with optional momentum: a running mean of squared gradients
// that forgets, so the effective step lr / (sqrt(v) + eps) follows the gradient's recent size.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kRmsprop{"optim_rmsprop",
                               spirv::optim_rmsprop,
                               {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                Access::ReadWrite, Access::ReadWrite}};

class Rmsprop final : public KernelOptimizer {
 public:
  Rmsprop(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "RMSprop", s,
                        {{"square_avg"}, {"grad_avg", s.flag("centered")}, {"momentum_buffer", s["momentum"] > 0}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    struct {
      uint32_t n, centered;
      float alpha, oneMinusAlpha, momentum, weightDecay, eps;
    } push{p.count,
           settings_.flag("centered"),
           float(settings_["alpha"]),
           float(1 - settings_["alpha"]),
           float(settings_["momentum"]),
           weightDecay(p),
           float(settings_["eps"])};
    rec.dispatch(context_.kernel(kRmsprop, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "square_avg"), state(index, "grad_avg"),
                  state(index, "momentum_buffer")},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  // lr / (sqrt(v~) + eps), v~ = square_avg (minus grad_avg^2 when centered).
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    if (name != "effective_lr" || stepsTaken() == 0) return {};
    const double lr = currentLearningRate();
    auto v = download(tensor, "square_avg");
    std::vector<float> a;
    if (settings_.flag("centered")) a = download(tensor, "grad_avg");
    for (size_t i = 0; i < v.size(); ++i) {
      const double variance = a.empty() ? double(v[i]) : double(v[i]) - double(a[i]) * a[i];
      v[i] = float(lr / (std::sqrt(std::max(variance, 0.0)) + settings_["eps"]));
    }
    return v;
  }
};

void rmspropReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                      reference::TensorState& state, uint64_t, double lr) {
  const size_t n = param.size();
  const double alpha = s["alpha"], mu = s["momentum"], eps = s["eps"];
  auto& v = reference::stateVector(state, "square_avg", n);
  auto& a = reference::stateVector(state, "grad_avg", n);
  auto& b = reference::stateVector(state, "momentum_buffer", n);
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
}

}  // namespace

void registerRmsprop(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"rmsprop",
        "RMSprop",
        "steps scaled by a running mean of squared gradients",
        {real("lr", "0.01", "learning rate, in [0, 1e6]"), real("alpha", "0.99", "smoothing constant, in [0, 1]"),
         real("eps", "1e-08", "added to the denominator, > 0"),
         real("weight_decay", "0.0", "L2 penalty added to the gradient, >= 0"),
         real("momentum", "0.0", "momentum factor, >= 0"),
         flag("centered", "normalise by the estimated variance instead of the second moment"),
         flag("decay_all", kDecayAll)}},
       makeKernelOptimizer<Rmsprop>,
       rmspropReference});
}

}  // namespace gradlab::optim

// AdaInject applied to Adam, "AdamInject" (Dubey et al. 2022, docs/OPTIMIZERS.md): the first moment
// takes in the last parameter change times the squared gradient (second-order information); the
// change is kept as state ("param_change" = theta_{t-1} - theta_t after step t).
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdamInject{"optim_adam_inject",
                                  spirv::optim_adam_inject,
                                  {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                   Access::ReadWrite, Access::ReadWrite}};

class AdamInject final : public KernelOptimizer {
 public:
  AdamInject(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "AdamInject", s, {{"exp_avg"}, {"exp_avg_sq"}, {"param_change"}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const struct {
      AdamPush adam;
      float k;
    } push{adamPush(p), float(settings_["k"])};
    rec.dispatch(context_.kernel(kAdamInject, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"),
                  state(index, "param_change")},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    return name == "effective_lr" ? adamEffectiveStep(tensor, "exp_avg_sq") : std::vector<float>{};
  }
};

void adamInjectReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                         reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"], k = s["k"];
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& v = reference::stateVector(state, "exp_avg_sq", n);
  auto& change = reference::stateVector(state, "param_change", n);
  for (size_t i = 0; i < n; ++i) {
    const double injected = t == 1 ? g[i] : (g[i] + change[i] * g[i] * g[i]) / k;
    m[i] = b1 * m[i] + (1 - b1) * injected;
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    change[i] = lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
    param[i] -= change[i];
  }
}

}  // namespace

void registerAdamInject(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back({{"adaminject", "AdamInject", "AdaInject applied to Adam: the last parameter change injected",
                      with(adamLike("0.001", "0.0"), {real("k", "2.0", "injection divisor, > 0")})},
                     makeKernelOptimizer<AdamInject>,
                     adamInjectReference});
}

}  // namespace gradlab::optim

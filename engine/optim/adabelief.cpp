// AdaBelief (Zhuang et al. 2020, docs/OPTIMIZERS.md): Adam whose second moment is the variance of
// the gradient around its running mean, so steps are large where the gradient is predictable.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdaBelief{
    "optim_adabelief",
    spirv::optim_adabelief,
    {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite, Access::ReadWrite}};

class AdaBelief final : public KernelOptimizer {
 public:
  AdaBelief(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "AdaBelief", s, {{"exp_avg"}, {"exp_avg_var"}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const AdamPush push = adamPush(p);
    rec.dispatch(context_.kernel(kAdaBelief, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_var")}, push,
                 groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  // lr / (sqrt(s^) + eps): large where the gradient agrees with its running mean.
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    return name == "effective_lr" ? adamEffectiveStep(tensor, "exp_avg_var") : std::vector<float>{};
  }
};

void adaBeliefReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                        reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"];
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& sv = reference::stateVector(state, "exp_avg_var", n);
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    sv[i] = b2 * sv[i] + (1 - b2) * (g[i] - m[i]) * (g[i] - m[i]) + eps;
    param[i] -= lr * (m[i] / c1) / (std::sqrt(sv[i] / c2) + eps);
  }
}

}  // namespace

void registerAdaBelief(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"adabelief", "AdaBelief", "Adam scaled by the belief in the observed gradient", adamLike("0.001", "0.0")},
       makeKernelOptimizer<AdaBelief>,
       adaBeliefReference});
}

}  // namespace gradlab::optim

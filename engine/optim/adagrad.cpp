// PyTorch's Adagrad: a per-element sum of squared gradients that only grows, so every element's
// effective step lr / (sqrt(sum) + eps) only shrinks (readable as "effective_lr").
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdagrad{"optim_adagrad",
                               spirv::optim_adagrad,
                               {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite}};

class Adagrad final : public KernelOptimizer {
 public:
  Adagrad(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "Adagrad", s, {{"sum", true, float(s["initial_accumulator_value"])}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    struct {
      uint32_t n;
      float lrDecay, weightDecay, eps;
    } push{p.count, float(settings_["lr_decay"]), weightDecay(p), float(settings_["eps"])};
    rec.dispatch(context_.kernel(kAdagrad, {256, 1, 1}), {ctx.control, ctx.step, p.value, p.grad, state(index, "sum")},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  // The step size of the last update: clr / (sqrt(sum) + eps), clr = lr / (1 + (t - 1) lr_decay).
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    const uint32_t t = stepsTaken();
    if (name != "effective_lr" || t == 0) return {};
    const double clr = currentLearningRate() / (1 + (t - 1) * settings_["lr_decay"]);
    auto sum = download(tensor, "sum");
    for (float& x : sum) x = float(clr / (std::sqrt(double(x)) + settings_["eps"]));
    return sum;
  }
};

void adagradReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                      reference::TensorState& state, uint64_t t, double lr) {
  const double clr = lr / (1 + double(t - 1) * s["lr_decay"]), eps = s["eps"];
  auto& sum = reference::stateVector(state, "sum", param.size(), s["initial_accumulator_value"]);
  for (size_t i = 0; i < param.size(); ++i) {
    sum[i] += g[i] * g[i];
    param[i] -= clr * g[i] / (std::sqrt(sum[i]) + eps);
  }
}

}  // namespace

void registerAdagrad(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"adagrad",
        "Adagrad",
        "per-element steps that shrink as squared gradients accumulate",
        {real("lr", "0.01", "learning rate, in [0, 1e6]"), real("lr_decay", "0.0", "learning-rate decay, >= 0"),
         real("weight_decay", "0.0", "L2 penalty added to the gradient, >= 0"),
         real("initial_accumulator_value", "0.0", "initial sum of squares, >= 0"),
         real("eps", "1e-10", "added to the denominator, > 0"), flag("decay_all", kDecayAll)}},
       makeKernelOptimizer<Adagrad>,
       adagradReference});
}

}  // namespace gradlab::optim

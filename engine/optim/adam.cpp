// PyTorch's Adam and AdamW (decoupled weight decay), both with the amsgrad option.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdam{"optim_adam",
                            spirv::optim_adam,
                            {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                             Access::ReadWrite, Access::ReadWrite}};

class Adam final : public KernelOptimizer {
 public:
  Adam(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, s.name == "adamw" ? "AdamW" : "Adam", s,
                        {{"exp_avg"}, {"exp_avg_sq"}, {"max_exp_avg_sq", s.flag("amsgrad")}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const double b1 = settings_["beta1"], b2 = settings_["beta2"];
    struct {
      uint32_t n, amsgrad, decoupled;
      float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, weightDecay, eps;
    } push{p.count,
           settings_.flag("amsgrad"),
           settings_.name == "adamw",
           float(b1),
           float(1 - b1),
           float(b2),
           float(1 - b2),
           lnBeta(b1),
           lnBeta(b2),
           weightDecay(p),
           float(settings_["eps"])};
    rec.dispatch(context_.kernel(kAdam, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"),
                  state(index, "max_exp_avg_sq")},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  // lr / (sqrt(v^) + eps), with v the running maximum under amsgrad: the step per unit of m^.
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    if (name != "effective_lr") return {};
    return adamEffectiveStep(tensor, settings_.flag("amsgrad") ? "max_exp_avg_sq" : "exp_avg_sq");
  }
};

// Adam and AdamW alike: the decay (L2 or decoupled) is applied before, by reference::step.
void adamReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                   reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"];
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& v = reference::stateVector(state, "exp_avg_sq", n);
  auto& vmax = reference::stateVector(state, "max_exp_avg_sq", n);
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    double second = v[i];
    if (s.flag("amsgrad")) second = vmax[i] = std::max(vmax[i], v[i]);
    param[i] -= lr * (m[i] / c1) / (std::sqrt(second / c2) + eps);
  }
}

}  // namespace

void registerAdam(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  const nn::ParamDef amsgrad = flag("amsgrad", "use the running maximum of the second moment (AMSGrad)");
  entries.push_back({{"adam", "Adam", "adaptive moment estimation", with(adamLike("0.001", "0.0"), {amsgrad})},
                     makeKernelOptimizer<Adam>,
                     adamReference});
  entries.push_back({{"adamw", "AdamW", "Adam with decoupled weight decay", with(adamLike("0.001", "0.01"), {amsgrad})},
                     makeKernelOptimizer<Adam>,
                     adamReference});
  entries.back().def.params[4].help = "decoupled weight decay: p -= lr weight_decay p, >= 0";
}

}  // namespace gradlab::optim

// PyTorch's Adam and AdamW (decoupled weight decay), both with the amsgrad option.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdam{"optim_adam",
                            spirv::optim_adam,
                            {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                             Access::ReadWrite, Access::ReadWrite},
                            44};

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
    } push{p.count,       settings_.flag("amsgrad"), settings_.name == "adamw", float(b1),   float(1 - b1), float(b2),
           float(1 - b2), lnBeta(b1),                lnBeta(b2),                weightDecay(p), float(settings_["eps"])};
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

}  // namespace

std::unique_ptr<Optimizer> makeAdam(gpu::Context& context, const Settings& s) { return std::make_unique<Adam>(context, s); }

}  // namespace gradlab::optim

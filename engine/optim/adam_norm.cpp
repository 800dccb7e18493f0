// AdaNorm applied to Adam, "AdamNorm" (Dubey et al. 2023, docs/OPTIMIZERS.md): the first moment sees
// the gradient scaled up to the running average of its norm whenever the norm falls below it. The
// norm is reduced on the device (optim_grad_norm) right before each tensor's update.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kNorm{"optim_grad_norm",
                            spirv::optim_grad_norm,
                            {Access::Read, Access::Read, Access::Read, Access::ReadWrite},
                            16};
const gpu::KernelSpec kAdamNorm{"optim_adam_norm",
                                spirv::optim_adam_norm,
                                {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                 Access::ReadWrite, Access::Read},
                                36};

class AdamNorm final : public KernelOptimizer {
 public:
  // grad_norm: {||g|| of the last step, its running average e}.
  AdamNorm(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "AdamNorm", s, {{"exp_avg"}, {"exp_avg_sq"}, {"grad_norm", true, 0, 2}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const double gamma = settings_["gamma"];
    const struct { uint32_t n; float gamma, oneMinusGamma, weightDecay; } normPush{p.count, float(gamma), float(1 - gamma),
                                                                                 weightDecay(p)};
    rec.dispatch(context_.kernel(kNorm, {256, 1, 1}), {ctx.control, p.value, p.grad, state(index, "grad_norm")}, normPush,
                 {1, 1, 1});
    const AdamPush push = adamPush(p);
    rec.dispatch(context_.kernel(kAdamNorm, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"),
                  state(index, "grad_norm")},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    return name == "effective_lr" ? adamEffectiveStep(tensor, "exp_avg_sq") : std::vector<float>{};
  }
};

}  // namespace

std::unique_ptr<Optimizer> makeAdamNorm(gpu::Context& context, const Settings& s) {
  return std::make_unique<AdamNorm>(context, s);
}

}  // namespace gradlab::optim

// AdaBelief (Zhuang et al. 2020, docs/OPTIMIZERS.md): Adam whose second moment is the variance of
// the gradient around its running mean, so steps are large where the gradient is predictable.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdaBelief{"optim_adabelief",
                                 spirv::optim_adabelief,
                                 {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                  Access::ReadWrite},
                                 36};

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

}  // namespace

std::unique_ptr<Optimizer> makeAdaBelief(gpu::Context& context, const Settings& s) {
  return std::make_unique<AdaBelief>(context, s);
}

}  // namespace gradlab::optim

// AdaInject applied to Adam, "AdamInject" (Dubey et al. 2022, docs/OPTIMIZERS.md): the first moment
// takes in the last parameter change times the squared gradient (second-order information); the
// change is kept as state ("param_change" = theta_{t-1} - theta_t after step t).
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdamInject{"optim_adam_inject",
                                  spirv::optim_adam_inject,
                                  {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                   Access::ReadWrite, Access::ReadWrite},
                                  40};

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

}  // namespace

std::unique_ptr<Optimizer> makeAdamInject(gpu::Context& context, const Settings& s) {
  return std::make_unique<AdamInject>(context, s);
}

}  // namespace gradlab::optim

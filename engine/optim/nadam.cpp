// PyTorch's NAdam: Adam with Nesterov momentum whose coefficient mu_t warms up (momentum_decay);
// the running product of the mu_t is kept on the device.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kMu{"optim_nadam_mu", spirv::optim_nadam_mu, {Access::Read, Access::Read, Access::ReadWrite}, 8};
const gpu::KernelSpec kNadam{"optim_nadam",
                             spirv::optim_nadam,
                             {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                              Access::ReadWrite, Access::Read},
                             40};

class Nadam final : public KernelOptimizer {
 public:
  Nadam(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "NAdam", s, {{"exp_avg"}, {"exp_avg_sq"}}), muProduct_(context, 4) {
    addSharedState("mu_product", muProduct_);
    resetShared();
  }

 protected:
  void resetShared() override {
    const float one = 1;
    muProduct_.upload(&one, 4);
  }
  void recordBefore(gpu::Recording& rec, const UpdateContext& ctx) override {
    const struct { float beta1, momentumDecay; } push{float(settings_["beta1"]), float(settings_["momentum_decay"])};
    rec.dispatch(context_.kernel(kMu, {1, 1, 1}), {ctx.control, ctx.step, muProduct_}, push, {1, 1, 1});
  }
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const double b1 = settings_["beta1"], b2 = settings_["beta2"];
    struct {
      uint32_t n, decoupled;
      float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta2, momentumDecay, weightDecay, eps;
    } push{p.count,       settings_.flag("decoupled_weight_decay"), float(b1),      float(1 - b1),
           float(b2),     float(1 - b2),                            lnBeta(b2),     float(settings_["momentum_decay"]),
           weightDecay(p), float(settings_["eps"])};
    rec.dispatch(context_.kernel(kNadam, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"), muProduct_},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"mu_product", "effective_lr"}; }
  // mu_product: {mu_1 ... mu_t} (shared by all tensors). effective_lr: lr / (sqrt(v^) + eps).
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    if (name == "mu_product") return muProduct_.read<float>(1);
    if (name == "effective_lr") return adamEffectiveStep(tensor, "exp_avg_sq");
    return {};
  }

 private:
  gpu::Buffer muProduct_;
};

}  // namespace

std::unique_ptr<Optimizer> makeNadam(gpu::Context& context, const Settings& s) { return std::make_unique<Nadam>(context, s); }

}  // namespace gradlab::optim

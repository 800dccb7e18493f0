// diffGrad (Dubey et al. 2020, docs/OPTIMIZERS.md): Adam's step scaled by a friction xi in (0.5, 1)
// that grows with the change of the gradient since the last step.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kDiffGrad{"optim_diffgrad",
                                spirv::optim_diffgrad,
                                {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                 Access::ReadWrite, Access::ReadWrite, Access::ReadWrite},
                                36};

class DiffGrad final : public KernelOptimizer {
 public:
  DiffGrad(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "diffGrad", s, {{"exp_avg"}, {"exp_avg_sq"}, {"previous_grad"}, {"friction"}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const AdamPush push = adamPush(p);
    rec.dispatch(context_.kernel(kDiffGrad, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"),
                  state(index, "previous_grad"), state(index, "friction")},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"effective_lr"}; }
  // lr xi / (sqrt(v^) + eps): the step per unit of m^ with the friction of the last step.
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    if (name != "effective_lr") return {};
    auto step = adamEffectiveStep(tensor, "exp_avg_sq");
    if (step.empty()) return step;
    const auto xi = download(tensor, "friction");
    for (size_t i = 0; i < step.size(); ++i) step[i] *= xi[i];
    return step;
  }
};

}  // namespace

std::unique_ptr<Optimizer> makeDiffGrad(gpu::Context& context, const Settings& s) {
  return std::make_unique<DiffGrad>(context, s);
}

}  // namespace gradlab::optim

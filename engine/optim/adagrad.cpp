// PyTorch's Adagrad: a per-element sum of squared gradients that only grows, so every element's
// effective step lr / (sqrt(sum) + eps) only shrinks (readable as "effective_lr").
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kAdagrad{"optim_adagrad",
                               spirv::optim_adagrad,
                               {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite},
                               16};

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

}  // namespace

std::unique_ptr<Optimizer> makeAdagrad(gpu::Context& context, const Settings& s) {
  return std::make_unique<Adagrad>(context, s);
}

}  // namespace gradlab::optim

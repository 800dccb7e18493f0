// diffGrad (Dubey et al. 2020, docs/OPTIMIZERS.md): Adam's step scaled by a friction xi in (0.5, 1)
// that grows with the change of the gradient since the last step.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kDiffGrad{"optim_diffgrad",
                                spirv::optim_diffgrad,
                                {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite,
                                 Access::ReadWrite, Access::ReadWrite, Access::ReadWrite}};

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

void diffGradReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                       reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"];
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& v = reference::stateVector(state, "exp_avg_sq", n);
  auto& prev = reference::stateVector(state, "previous_grad", n);
  auto& xi = reference::stateVector(state, "friction", n);
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    xi[i] = 1 / (1 + std::exp(-std::abs(prev[i] - g[i])));
    prev[i] = g[i];
    param[i] -= lr * xi[i] * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
  }
}

}  // namespace

void registerDiffGrad(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"diffgrad", "diffGrad", "Adam with friction from the change of the gradient", adamLike("0.001", "0.0")},
       makeKernelOptimizer<DiffGrad>,
       diffGradReference});
}

}  // namespace gradlab::optim

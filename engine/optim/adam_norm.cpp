// AdaNorm applied to Adam, "AdamNorm" (Dubey et al. 2023, docs/OPTIMIZERS.md): the first moment sees
// the gradient scaled up to the running average of its norm whenever the norm falls below it. The
// norm is reduced on the device (optim_grad_norm) right before each tensor's update: a long tensor
// by many work groups into partial sums, then one work group adding them up.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kNorm{"optim_grad_norm",
                            spirv::optim_grad_norm,
                            {Access::Read, Access::Read, Access::Read, Access::ReadWrite, Access::ReadWrite}};
// optim_grad_norm's passes (PASS) and how a tensor is cut into work groups: one group while it has
// at most kNormPerGroup values (its 256 invocations summing 16 each), else one per kNormPerGroup
// values, at most kNormGroups, whose partial sums a final pass adds up.
enum NormPass : uint32_t { kWhole = 0, kPartial = 1, kFinal = 2 };
constexpr uint32_t kNormPerGroup = 256 * 16;
constexpr uint32_t kNormGroups = 256;
const gpu::KernelSpec kAdamNorm{
    "optim_adam_norm",
    spirv::optim_adam_norm,
    {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite, Access::ReadWrite, Access::Read}};

class AdamNorm final : public KernelOptimizer {
 public:
  // grad_norm: {||g|| of the last step, its running average e}.
  AdamNorm(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "AdamNorm", s, {{"exp_avg"}, {"exp_avg_sq"}, {"grad_norm", true, 0, 2}}),
        partials_(context, kNormGroups * 4) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const double gamma = settings_["gamma"];
    const uint32_t normGroups = std::min((p.count + kNormPerGroup - 1) / kNormPerGroup, kNormGroups);
    const struct {
      uint32_t n;
      float gamma, oneMinusGamma, weightDecay;
      uint32_t groups;
    } normPush{p.count, float(gamma), float(1 - gamma), weightDecay(p), normGroups};
    const gpu::BufferRange norms = state(index, "grad_norm");
    if (normGroups <= 1) {
      rec.dispatch(context_.kernel(kNorm, {256, 1, 1}, {kWhole}), {ctx.control, p.value, p.grad, norms, partials_},
                   normPush, {1, 1, 1});
    } else {
      rec.dispatch(context_.kernel(kNorm, {256, 1, 1}, {kPartial}), {ctx.control, p.value, p.grad, norms, partials_},
                   normPush, {normGroups, 1, 1});
      rec.dispatch(context_.kernel(kNorm, {256, 1, 1}, {kFinal}), {ctx.control, p.value, p.grad, norms, partials_},
                   normPush, {1, 1, 1});
    }
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

 private:
  gpu::Buffer partials_;  // the partial sums of squares of the tensor being reduced
};

void adamNormReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                       reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"], gamma = s["gamma"];
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  double sq = 0;
  for (double x : g) sq += x * x;
  const double norm = std::sqrt(sq);
  double& e = state.scalars["exp_grad_norm"];
  e = gamma * e + (1 - gamma) * norm;
  state.scalars["grad_norm"] = norm;
  const double scale = e > norm && norm > 0 ? e / norm : 1.0;
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& v = reference::stateVector(state, "exp_avg_sq", n);
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * scale * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    param[i] -= lr * (m[i] / c1) / (std::sqrt(v[i] / c2) + eps);
  }
}

}  // namespace

void registerAdamNorm(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"adamnorm", "AdamNorm", "AdaNorm applied to Adam: gradient norm kept up to its running mean",
        with(adamLike("0.001", "0.0"), {real("gamma", "0.95", "decay of the running gradient norm, in [0, 1]")})},
       makeKernelOptimizer<AdamNorm>,
       adamNormReference});
}

}  // namespace gradlab::optim

// PyTorch's NAdam: Adam with Nesterov momentum whose coefficient mu_t warms up (momentum_decay);
// the running product of the mu_t is kept on the device.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kMu{"optim_nadam_mu", spirv::optim_nadam_mu, {Access::Read, Access::Read, Access::ReadWrite}};
const gpu::KernelSpec kNadam{
    "optim_nadam",
    spirv::optim_nadam,
    {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite, Access::ReadWrite, Access::Read}};

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
    } push{p.count,        settings_.flag("decoupled_weight_decay"),
           float(b1),      float(1 - b1),
           float(b2),      float(1 - b2),
           lnBeta(b2),     float(settings_["momentum_decay"]),
           weightDecay(p), float(settings_["eps"])};
    rec.dispatch(
        context_.kernel(kNadam, {256, 1, 1}),
        {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"), muProduct_}, push,
        groups(p.count));
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

void nadamReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                    reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"], psi = s["momentum_decay"];
  const double c2 = 1 - std::pow(b2, double(t));
  const double mu = reference::nadamMu(b1, psi, t), muNext = reference::nadamMu(b1, psi, t + 1);
  if (!state.scalars.count("mu_product")) state.scalars["mu_product"] = 1;
  double& prod = state.scalars["mu_product"];
  prod *= mu;
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& v = reference::stateVector(state, "exp_avg_sq", n);
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    const double mhat = muNext * m[i] / (1 - prod * muNext) + (1 - mu) * g[i] / (1 - prod);
    param[i] -= lr * mhat / (std::sqrt(v[i] / c2) + eps);
  }
}

}  // namespace

double reference::nadamMu(double beta1, double momentumDecay, uint64_t t) {
  return beta1 * (1 - 0.5 * std::pow(0.96, double(t) * momentumDecay));
}

void registerNadam(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"nadam", "NAdam", "Adam with Nesterov momentum",
        with(adamLike("0.002", "0.0"), {real("momentum_decay", "0.004", "momentum warm-up psi, >= 0"),
                                        flag("decoupled_weight_decay", "decay as AdamW instead of an L2 penalty")})},
       makeKernelOptimizer<Nadam>,
       nadamReference});
}

}  // namespace gradlab::optim

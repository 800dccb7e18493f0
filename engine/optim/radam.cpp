// PyTorch's RAdam: Adam whose adaptive step is switched on, and scaled by the rectification r_t,
// once the variance of the adaptive learning rate is tractable (rho_t > 5).
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kRadam{
    "optim_radam",
    spirv::optim_radam,
    {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite, Access::ReadWrite, Access::Read}};
constexpr uint32_t kTableSize = 16384;  // steps whose r_t the host computes in double

class Radam final : public KernelOptimizer {
 public:
  Radam(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "RAdam", s, {{"exp_avg"}, {"exp_avg_sq"}}), table_(context, kTableSize * 4) {
    std::vector<float> r(kTableSize);
    for (uint32_t t = 1; t <= kTableSize; ++t) r[t - 1] = float(reference::radamRectification(s["beta2"], t));
    table_.upload(r.data(), r.size() * 4);
  }

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    const double b1 = settings_["beta1"], b2 = settings_["beta2"];
    struct {
      uint32_t n, decoupled, tableSize;
      float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, rhoInf, weightDecay, eps;
    } push{p.count,        settings_.flag("decoupled_weight_decay"),
           kTableSize,     float(b1),
           float(1 - b1),  float(b2),
           float(1 - b2),  lnBeta(b1),
           lnBeta(b2),     float(2 / (1 - b2) - 1),
           weightDecay(p), float(settings_["eps"])};
    rec.dispatch(context_.kernel(kRadam, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "exp_avg"), state(index, "exp_avg_sq"), table_},
                 push, groups(p.count));
  }
  std::vector<std::string> viewNames() const override { return {"rectification", "effective_lr"}; }
  // rectification: {r_t} of the last step (0: not rectified, plain momentum SGD). effective_lr: the
  // step per unit of m^, lr r_t sqrt(1 - beta2^t) / (sqrt(v) + eps), or lr while not rectified.
  std::vector<float> view(size_t tensor, const std::string& name) const override {
    const uint32_t t = stepsTaken();
    if (t == 0) return {};
    const double r = reference::radamRectification(settings_["beta2"], t);
    if (name == "rectification") return {float(r)};
    if (name != "effective_lr") return {};
    const double lr = currentLearningRate();
    auto v = download(tensor, "exp_avg_sq");
    const double c2 = std::sqrt(-std::expm1(t * std::log(settings_["beta2"])));
    for (float& x : v) x = float(r > 0 ? lr * r * c2 / (std::sqrt(double(x)) + settings_["eps"]) : lr);
    return v;
  }

 private:
  gpu::Buffer table_;
};

void radamReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                    reference::TensorState& state, uint64_t t, double lr) {
  const size_t n = param.size();
  const double b1 = s["beta1"], b2 = s["beta2"], eps = s["eps"];
  const double c1 = 1 - std::pow(b1, double(t)), c2 = 1 - std::pow(b2, double(t));
  const double r = reference::radamRectification(b2, t);
  auto& m = reference::stateVector(state, "exp_avg", n);
  auto& v = reference::stateVector(state, "exp_avg_sq", n);
  for (size_t i = 0; i < n; ++i) {
    m[i] = b1 * m[i] + (1 - b1) * g[i];
    v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
    const double mhat = m[i] / c1;
    param[i] -= r > 0 ? lr * mhat * r * std::sqrt(c2) / (std::sqrt(v[i]) + eps) : lr * mhat;
  }
}

}  // namespace

double reference::radamRectification(double beta2, uint64_t t) {
  const double rhoInf = 2 / (1 - beta2) - 1;
  const double oneMinus = -std::expm1(double(t) * std::log(beta2));
  const double rho = rhoInf - 2 * double(t) * std::pow(beta2, double(t)) / oneMinus;
  if (!(rho > 5)) return 0;
  return std::sqrt((rho - 4) * (rho - 2) * rhoInf / ((rhoInf - 4) * (rhoInf - 2) * rho));
}

void registerRadam(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"radam", "RAdam", "Adam with the variance of the adaptive rate rectified",
        with(adamLike("0.001", "0.0"), {flag("decoupled_weight_decay", "decay as AdamW instead of an L2 penalty")})},
       makeKernelOptimizer<Radam>,
       radamReference});
}

}  // namespace gradlab::optim

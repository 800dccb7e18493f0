// SGD: the plain rule the training session defaults to (Sgd), and PyTorch's SGD with momentum,
// dampening, Nesterov momentum and weight decay (createOptimizer("sgd")).
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "optim/reference.h"
#include "spirv/shaders.h"

#include <cmath>

#include <algorithm>

namespace gradlab::optim {
namespace {
using gpu::Access;
const gpu::KernelSpec kSgd{
    "sgd_update", spirv::sgd_update, {Access::Read, Access::ReadWrite, Access::ReadVec4Texels, Access::ReadVec4Texels}};
const gpu::KernelSpec kSgdFull{
    "optim_sgd", spirv::optim_sgd, {Access::Read, Access::Read, Access::ReadWrite, Access::Read, Access::ReadWrite}};

class TorchSgd final : public KernelOptimizer {
 public:
  TorchSgd(gpu::Context& context, const Settings& s)
      : KernelOptimizer(context, "SGD", s, {{"momentum_buffer", s["momentum"] != 0}}) {}

 protected:
  void recordTensor(gpu::Recording& rec, size_t index, const ParamRef& p, const UpdateContext& ctx) override {
    struct {
      uint32_t n, nesterov;
      float momentum, oneMinusDampening, weightDecay;
    } push{p.count, settings_.flag("nesterov"), float(settings_["momentum"]), float(1 - settings_["dampening"]),
           weightDecay(p)};
    rec.dispatch(context_.kernel(kSgdFull, {256, 1, 1}),
                 {ctx.control, ctx.step, p.value, p.grad, state(index, "momentum_buffer")}, push, groups(p.count));
  }
};

void sgdReference(const Settings& s, std::vector<double>& param, const std::vector<double>& g,
                  reference::TensorState& state, uint64_t t, double lr) {
  const double mu = s["momentum"], damp = s["dampening"];
  auto& b = reference::stateVector(state, "momentum_buffer", param.size());
  for (size_t i = 0; i < param.size(); ++i) {
    double d = g[i];
    if (mu != 0) {
      b[i] = t == 1 ? d : mu * b[i] + (1 - damp) * d;
      d = s.flag("nesterov") ? d + mu * b[i] : b[i];
    }
    param[i] -= lr * d;
  }
}

}  // namespace

void Sgd::recordUpdate(gpu::Recording& rec, const std::vector<ParamRef>& params, const UpdateContext& ctx) {
  const auto& kernel = rec.context().kernel(kSgd, {256, 1, 1});
  auto update = [&](const ParamRef& p) {
    rec.dispatch(kernel, {ctx.control, p.value, p.grad, p.value}, p.count,
                 {std::clamp<uint32_t>((p.count + 1023) / 1024, 1, 64), 1, 1});
  };
  if (ctx.all.count > 0) return update(ctx.all);  // every tensor at once
  for (const auto& p : params) update(p);
}

void registerSgd(std::vector<OptimizerEntry>& entries) {
  using namespace schema;
  entries.push_back(
      {{"sgd",
        "SGD",
        "stochastic gradient descent with optional (Nesterov) momentum",
        {real("lr", "0.001", "learning rate, in [0, 1e6]"),
         real("momentum", "0.0", "momentum factor: the share of the last step kept in the next, >= 0; 0.9 is usual"),
         real("dampening", "0.0", "dampening of the momentum, in [0, 1]"),
         flag("nesterov", "Nesterov momentum (needs momentum > 0 and dampening 0)"),
         real("weight_decay", "0.0", "L2 penalty added to the gradient, >= 0"), flag("decay_all", kDecayAll)}},
       makeKernelOptimizer<TorchSgd>,
       sgdReference});
}

}  // namespace gradlab::optim

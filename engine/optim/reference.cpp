#include "optim/reference.h"

#include "optim/kernel_optimizer.h"

#include <stdexcept>

namespace gradlab::optim::reference {

std::vector<double>& stateVector(TensorState& state, const std::string& key, size_t n, double initial) {
  auto& v = state.vectors[key];
  if (v.size() != n) v.assign(n, initial);
  return v;
}

void step(const Settings& s, std::vector<double>& param, const std::vector<double>& grad, TensorState& state,
          uint64_t t, double lr, bool decays) {
  const OptimizerEntry* entry = findEntry(s.name);
  if (!entry || !entry->reference) throw std::invalid_argument("no reference for optimizer " + s.name);
  const double wd = s.decays(decays) ? s["weight_decay"] : 0.0;
  // Weight decay: decoupled (AdamW; RAdam and NAdam with decoupled_weight_decay) shrinks the
  // parameter, otherwise it is an L2 term added to the gradient.
  const bool decoupled = s.name == "adamw" || s.flag("decoupled_weight_decay");
  std::vector<double> g(grad);
  for (size_t i = 0; i < param.size(); ++i) {
    if (decoupled)
      param[i] -= lr * wd * param[i];
    else
      g[i] += wd * param[i];
  }
  entry->reference(s, param, g, state, t, lr);
}

}  // namespace gradlab::optim::reference

#include "analysis/sharpness_limit.h"

#include "optim/optimizer.h"
#include "optim/settings.h"
#include "util/number_text.h"

#include <cmath>

namespace gradlab::analysis {

double StabilityRule::limit(double lr) const { return lr > 0 ? factor / (lr * stepScale) - weightDecay : std::nan(""); }

StabilityRule stabilityRule(const std::string& name, const std::map<std::string, std::string>& values) {
  const optim::Settings s = optim::resolveSettings(name, values);
  StabilityRule rule;
  if (s.name != "sgd") {
    const optim::OptimizerDef* def = optim::findOptimizer(s.name);
    rule.holds = false;
    rule.label = "2 / lr: not " + (def ? def->title : s.name) + "'s limit";
    return rule;
  }
  const double beta = s["momentum"];
  rule.weightDecay = s["weight_decay"];
  const std::string decay = rule.weightDecay > 0 ? " − wd" : "";
  if (beta <= 0) {
    rule.label = "2 / lr" + decay;
  } else if (s.flag("nesterov")) {
    rule.factor = (2 + 2 * beta) / (1 + 2 * beta);
    rule.label = "(2 + 2β) / ((1 + 2β) lr)" + decay + ", Nesterov β " + util::numberText(beta);
  } else {
    rule.factor = 2 + 2 * beta;
    rule.stepScale = 1 - s["dampening"];
    rule.label =
        (rule.stepScale < 1 ? "(2 + 2β) / ((1 − d) lr)" : "(2 + 2β) / lr") + decay + ", β " + util::numberText(beta);
  }
  return rule;
}

}  // namespace gradlab::analysis

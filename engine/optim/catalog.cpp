// The optimizers GradLab offers: PyTorch's names, defaults and checks, the parsing of hyper-parameter
// text (the command line's "adam:lr=0.001,beta2=0.99") and the factory.
#include "optim/kernel_optimizer.h"
#include "optim/settings.h"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace gradlab::optim {
namespace {

using nn::ParamDef;
using nn::ParamKind;
constexpr double kInf = std::numeric_limits<double>::infinity();

// A valid range; the catalog's ParamDef carries the closed hull (unbounded: min > max).
struct Range {
  double lo = 0, hi = kInf;
  bool loOpen = false, hiOpen = false;
};

struct Entry {
  OptimizerDef def;
  std::unique_ptr<Optimizer> (*make)(gpu::Context&, const Settings&);
};

const std::map<std::string, Range>& ranges() {
  static const std::map<std::string, Range> r{
      {"lr", {0, 1e6}},  // util::ranges::kLearningRate, which the run setup checks in --lr's words
      {"momentum", {}},
      {"dampening", {0, 1}},
      {"weight_decay", {}},
      {"lr_decay", {}},
      {"initial_accumulator_value", {}},
      {"eps", {0, kInf, true}},
      {"alpha", {0, 1}},
      {"beta1", {0, 1, false, true}},
      {"beta2", {0, 1, false, true}},
      {"momentum_decay", {}},
      {"gamma", {0, 1}},
      {"k", {0, kInf, true}},
  };
  return r;
}

ParamDef real(const std::string& name, const std::string& value, const std::string& help) {
  ParamDef d{name, ParamKind::Float, value, 1, 0, {}, help};
  const auto it = ranges().find(name);
  if (it != ranges().end() && std::isfinite(it->second.hi)) {
    d.min = it->second.lo;
    d.max = it->second.hi;
  }
  return d;
}
ParamDef flag(const std::string& name, const std::string& help) {
  return ParamDef{name, ParamKind::Bool, "false", 1, 0, {}, help};
}

const char* kDecayAll =
    "apply weight_decay to every tensor, biases and normalisation parameters included (PyTorch's single "
    "parameter group); default: weights only";

std::vector<ParamDef> adamLike(const std::string& lr, const std::string& weightDecay) {
  return {real("lr", lr, "learning rate, >= 0"),
          real("beta1", "0.9", "decay of the first moment (betas[0]), in [0, 1)"),
          real("beta2", "0.999", "decay of the second moment (betas[1]), in [0, 1)"),
          real("eps", "1e-08", "added to the denominator, > 0"),
          real("weight_decay", weightDecay, "L2 penalty added to the gradient, >= 0"),
          flag("decay_all", kDecayAll)};
}

std::vector<ParamDef> with(std::vector<ParamDef> defs, std::initializer_list<ParamDef> more) {
  defs.insert(defs.end() - 1, more);  // decay_all stays last
  return defs;
}

const std::vector<Entry>& entries() {
  static const std::vector<Entry> list = [] {
    std::vector<Entry> e;
    e.push_back({{"sgd", "SGD", "stochastic gradient descent with optional (Nesterov) momentum",
                  {real("lr", "0.001", "learning rate, >= 0"), real("momentum", "0.0", "momentum factor, >= 0"),
                   real("dampening", "0.0", "dampening of the momentum, in [0, 1]"),
                   flag("nesterov", "Nesterov momentum (needs momentum > 0 and dampening 0)"),
                   real("weight_decay", "0.0", "L2 penalty added to the gradient, >= 0"), flag("decay_all", kDecayAll)}},
                 makeSgd});
    e.push_back({{"adagrad", "Adagrad", "per-element steps that shrink as squared gradients accumulate",
                  {real("lr", "0.01", "learning rate, >= 0"), real("lr_decay", "0.0", "learning-rate decay, >= 0"),
                   real("weight_decay", "0.0", "L2 penalty added to the gradient, >= 0"),
                   real("initial_accumulator_value", "0.0", "initial sum of squares, >= 0"),
                   real("eps", "1e-10", "added to the denominator, > 0"), flag("decay_all", kDecayAll)}},
                 makeAdagrad});
    e.push_back({{"rmsprop", "RMSprop", "steps scaled by a running mean of squared gradients",
                  {real("lr", "0.01", "learning rate, >= 0"), real("alpha", "0.99", "smoothing constant, in [0, 1]"),
                   real("eps", "1e-08", "added to the denominator, > 0"),
                   real("weight_decay", "0.0", "L2 penalty added to the gradient, >= 0"),
                   real("momentum", "0.0", "momentum factor, >= 0"),
                   flag("centered", "normalise by the estimated variance instead of the second moment"),
                   flag("decay_all", kDecayAll)}},
                 makeRmsprop});
    e.push_back({{"adam", "Adam", "adaptive moment estimation", with(adamLike("0.001", "0.0"),
                  {flag("amsgrad", "use the running maximum of the second moment (AMSGrad)")})},
                 makeAdam});
    e.push_back({{"adamw", "AdamW", "Adam with decoupled weight decay", with(adamLike("0.001", "0.01"),
                  {flag("amsgrad", "use the running maximum of the second moment (AMSGrad)")})},
                 makeAdam});
    e.back().def.params[4].help = "decoupled weight decay: p -= lr weight_decay p, >= 0";
    e.push_back({{"radam", "RAdam", "Adam with the variance of the adaptive rate rectified", with(adamLike("0.001", "0.0"),
                  {flag("decoupled_weight_decay", "decay as AdamW instead of an L2 penalty")})},
                 makeRadam});
    e.push_back({{"nadam", "NAdam", "Adam with Nesterov momentum", with(adamLike("0.002", "0.0"),
                  {real("momentum_decay", "0.004", "momentum warm-up psi, >= 0"),
                   flag("decoupled_weight_decay", "decay as AdamW instead of an L2 penalty")})},
                 makeNadam});
    e.push_back({{"adabelief", "AdaBelief", "Adam scaled by the belief in the observed gradient",
                  adamLike("0.001", "0.0")},
                 makeAdaBelief});
    e.push_back({{"diffgrad", "diffGrad", "Adam with friction from the change of the gradient", adamLike("0.001", "0.0")},
                 makeDiffGrad});
    e.push_back({{"adamnorm", "AdamNorm", "AdaNorm applied to Adam: gradient norm kept up to its running mean",
                  with(adamLike("0.001", "0.0"), {real("gamma", "0.95", "decay of the running gradient norm, in [0, 1]")})},
                 makeAdamNorm});
    e.push_back({{"adaminject", "AdamInject", "AdaInject applied to Adam: the last parameter change injected",
                  with(adamLike("0.001", "0.0"), {real("k", "2.0", "injection divisor, > 0")})},
                 makeAdamInject});
    return e;
  }();
  return list;
}

std::string rangeText(const std::string& name, const Range& r) {
  const auto num = [](double v) { return nn::formatNumber(v); };
  if (!std::isfinite(r.hi)) return name + (r.loOpen ? " > " : " >= ") + num(r.lo);
  return num(r.lo) + (r.loOpen ? " < " : " <= ") + name + (r.hiOpen ? " < " : " <= ") + num(r.hi);
}

std::string names(const std::vector<std::string>& list) {
  std::string text;
  for (const auto& n : list) text += (text.empty() ? "" : ", ") + n;
  return text;
}

}  // namespace

const std::vector<OptimizerDef>& optimizerCatalog() {
  static const std::vector<OptimizerDef> defs = [] {
    std::vector<OptimizerDef> d;
    for (const auto& e : entries()) d.push_back(e.def);
    return d;
  }();
  return defs;
}

const OptimizerDef* findOptimizer(const std::string& name) {
  for (const auto& def : optimizerCatalog())
    if (def.name == name) return &def;
  return nullptr;
}

Settings resolveSettings(const std::string& name, const std::map<std::string, std::string>& values) {
  const OptimizerDef* def = findOptimizer(name);
  if (!def) {
    std::vector<std::string> known;
    for (const auto& d : optimizerCatalog()) known.push_back(d.name);
    throw std::invalid_argument("Unknown optimizer '" + name + "'; accepted: " + names(known));
  }
  Settings s;
  s.name = name;
  std::vector<std::string> accepted;
  for (const auto& p : def->params) accepted.push_back(p.name);
  for (const auto& [key, text] : values) {
    bool known = false;
    for (const auto& p : def->params) known = known || p.name == key;
    if (!known)
      throw std::invalid_argument(def->title + " has no hyper-parameter '" + key + "'; accepted: " + names(accepted));
  }
  for (const auto& p : def->params) {
    const auto it = values.find(p.name);
    nn::ParamDef unbounded = p;
    unbounded.min = 1;
    unbounded.max = 0;
    std::string error;
    const auto value = nn::ParamValue::parse(unbounded, it == values.end() ? p.defaultValue : it->second, &error);
    if (!value) throw std::invalid_argument("Invalid " + def->title + " hyper-parameter: " + error);
    const double v = p.kind == ParamKind::Bool ? (value->asBool() ? 1.0 : 0.0) : value->asFloat();
    const auto range = ranges().find(p.name);
    if (range != ranges().end()) {
      const Range& r = range->second;
      const bool ok = (r.loOpen ? v > r.lo : v >= r.lo) && (r.hiOpen ? v < r.hi : v <= r.hi);
      if (!ok)
        throw std::invalid_argument("Invalid " + p.name + " value: " + value->text() + " (" + def->title +
                                    " needs " + rangeText(p.name, r) + ")");
    }
    s.values[p.name] = v;
  }
  if (s.flag("nesterov") && (s["momentum"] <= 0 || s["dampening"] != 0))
    throw std::invalid_argument("Nesterov momentum requires a momentum > 0 and zero dampening (got momentum = " +
                                nn::formatNumber(s["momentum"]) + ", dampening = " + nn::formatNumber(s["dampening"]) + ")");
  return s;
}

std::unique_ptr<Optimizer> createOptimizer(gpu::Context& context, const std::string& name,
                                           const std::map<std::string, std::string>& values) {
  const Settings s = resolveSettings(name, values);
  for (const auto& e : entries())
    if (e.def.name == name) return e.make(context, s);
  throw std::logic_error("optimizer " + name + " has no factory");
}

}  // namespace gradlab::optim

namespace gradlab::optim {

void Optimizer::loadState(const OptimizerState& state) {
  if (state.optimizer != name())
    throw std::invalid_argument("The saved optimizer state is " + state.optimizer + "'s, but this run uses " + name() +
                                ": choose " + state.optimizer + " again, or reset to start over.");
  if (!state.blocks.empty())
    throw std::invalid_argument("The saved optimizer state has " + std::to_string(state.blocks.size()) +
                                " blocks, but " + name() + " here keeps none: reset to start over.");
}

}  // namespace gradlab::optim

// The optimizers GradLab offers: the list of their registrations (each optimizer's file declares
// its entry beside its kernel and reference), PyTorch's valid ranges and checks, and the factory.
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

}  // namespace

// Each optimizer file's registration (its end): its catalog entry, factory and reference.
void registerSgd(std::vector<OptimizerEntry>& entries);
void registerAdagrad(std::vector<OptimizerEntry>& entries);
void registerRmsprop(std::vector<OptimizerEntry>& entries);
void registerAdam(std::vector<OptimizerEntry>& entries);  // adam and adamw
void registerRadam(std::vector<OptimizerEntry>& entries);
void registerNadam(std::vector<OptimizerEntry>& entries);
void registerAdaBelief(std::vector<OptimizerEntry>& entries);
void registerDiffGrad(std::vector<OptimizerEntry>& entries);
void registerAdamNorm(std::vector<OptimizerEntry>& entries);
void registerAdamInject(std::vector<OptimizerEntry>& entries);

namespace {

// The registration functions in the catalog's order: a new optimizer adds its line here. An
// explicit list for the reasons nn/layer_catalog.cpp gives (a static library drops unreferenced
// self-registering objects; static initialisation order is unspecified).
const std::vector<OptimizerEntry>& entries() {
  static const std::vector<OptimizerEntry> list = [] {
    std::vector<OptimizerEntry> all;
    for (auto add : {registerSgd, registerAdagrad, registerRmsprop, registerAdam, registerRadam, registerNadam,
                     registerAdaBelief, registerDiffGrad, registerAdamNorm, registerAdamInject})
      add(all);
    return all;
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

namespace schema {

const char* const kDecayAll =
    "apply weight_decay to every tensor, biases and normalisation parameters included (PyTorch's single "
    "parameter group); default: weights only";

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

std::vector<ParamDef> adamLike(const std::string& lr, const std::string& weightDecay) {
  return {real("lr", lr, "learning rate, in [0, 1e6]"),
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

}  // namespace schema

const OptimizerEntry* findEntry(const std::string& name) {
  for (const auto& e : entries())
    if (e.def.name == name) return &e;
  return nullptr;
}

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
        throw std::invalid_argument("Invalid " + p.name + " value: " + value->text() + " (" + def->title + " needs " +
                                    rangeText(p.name, r) + ")");
    }
    s.values[p.name] = v;
  }
  if (s.flag("nesterov") && (s["momentum"] <= 0 || s["dampening"] != 0))
    throw std::invalid_argument("Nesterov momentum requires a momentum > 0 and zero dampening (got momentum = " +
                                nn::formatNumber(s["momentum"]) + ", dampening = " + nn::formatNumber(s["dampening"]) +
                                ")");
  return s;
}

std::unique_ptr<Optimizer> createOptimizer(gpu::Context& context, const std::string& name,
                                           const std::map<std::string, std::string>& values) {
  const Settings s = resolveSettings(name, values);
  const OptimizerEntry* entry = findEntry(name);
  if (!entry || !entry->make) throw std::logic_error("optimizer " + name + " has no factory");
  return entry->make(context, s);
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

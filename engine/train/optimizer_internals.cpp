// Optimizer internals: each quantity (a state, the square root of a second moment, the step made
// from them) is computed per element on the device by internals_quantity.comp and reduced there by
// the probes' summary kernels, so a probe downloads 40 floats per quantity and tensor, not the
// state. optimizerInternalsOnHost summarises the downloaded state in double instead: the tests'
// reference, and the route of an optimizer whose step size the device side does not know.
#include "gpu/context.h"
#include "optim/kernel_optimizer.h"
#include "spirv/shaders.h"
#include "train/internals.h"
#include "train/tensor_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

namespace gradlab::train {
namespace {

StateSummary summarize(std::string name, const std::vector<float>& values) {
  StateSummary s{std::move(name), {}, 0};
  TensorStats& t = s.stats;
  t.count = values.size();
  if (values.empty()) return s;
  double sum = 0, squares = 0;
  t.min = std::numeric_limits<double>::infinity();
  t.max = -t.min;
  for (float x : values) {
    sum += x;
    squares += double(x) * x;
    t.min = std::min(t.min, double(x));
    t.max = std::max(t.max, double(x));
  }
  t.mean = sum / double(values.size());
  double spread = 0;
  for (float x : values) spread += (x - t.mean) * (x - t.mean);
  t.std = std::sqrt(spread / double(values.size()));
  s.norm = std::sqrt(squares);
  t.histogram.assign(kHistogramBins, 0.0f);
  const double width = (t.max - t.min) / kHistogramBins;
  for (float x : values) {
    const double bin = width > 0 ? (x - t.min) / width : 0;
    t.histogram[std::min<size_t>(size_t(bin), kHistogramBins - 1)] += 1;
  }
  return s;
}

bool isSecondMoment(const std::string& name) {
  return name == "exp_avg_sq" || name == "max_exp_avg_sq" || name == "exp_avg_var";
}

// Optimizers whose effective_lr is the step per unit of m^ = exp_avg / (1 - beta1^t).
bool stepsAlongCorrectedMean(const std::string& catalogName) {
  static const std::set<std::string> names{"adam", "adamw", "radam", "diffgrad", "adabelief"};
  return names.count(catalogName) > 0;
}

// The second moment an Adam-style step divides by, for those whose step without the bias
// corrections is lr m / (sqrt(v) + eps) (RAdam's rectified step has no such form); empty otherwise.
std::string uncorrectedSecond(const optim::Settings& s) {
  if (s.name == "adabelief") return "exp_avg_var";
  if (s.name == "adam" || s.name == "adamw" || s.name == "diffgrad")
    return s.flag("amsgrad") ? "max_exp_avg_sq" : "exp_avg_sq";
  return {};
}

// The optimizer's name, step and bias corrections: what both routes report besides the tensors.
OptimizerInternals scalarsOf(const optim::Optimizer& optimizer, const optim::Settings& settings, uint64_t step) {
  OptimizerInternals out;
  out.optimizer = optimizer.name();
  out.step = step;
  const bool betas = settings.values.count("beta1") && settings.values.count("beta2");
  if (betas && step > 0) {
    out.biasCorrection1 = -std::expm1(double(step) * std::log(settings["beta1"]));
    out.biasCorrection2 = -std::expm1(double(step) * std::log(settings["beta2"]));
  }
  return out;
}

using gpu::Access;
const gpu::KernelSpec kQuantity{"internals_quantity",
                                spirv::internals_quantity,
                                {Access::Read, Access::Read, Access::Read, Access::Read, Access::Write}};
// internals_quantity.comp's MODE: a kind, and for a quotient the factors it reads.
enum QuantityMode : uint32_t { kCopy = 0, kRoot = 1, kQuotient = 2, kWithM = 4, kWithXi = 8, kWithC = 16 };

// One quantity of one tensor as internals_quantity.comp makes it from the optimizer's buffers.
struct Quantity {
  uint32_t mode = kCopy;
  const gpu::Buffer *m = nullptr, *v = nullptr, *xi = nullptr, *c = nullptr;
  double scale = 1, vScale = 1, eps = 0;
};

// The step per unit of the corrected first moment that the optimizer's "effective_lr" view
// computes on the host, as the shader's quotient; nothing for an optimizer not listed here (the
// internals test holds the two to each other for every optimizer of the catalog).
std::optional<Quantity> effectiveLr(const optim::KernelOptimizer& o, size_t tensor) {
  const optim::Settings& s = o.settings();
  const uint32_t t = o.stepsTaken();
  if (t == 0) return std::nullopt;
  static const std::set<std::string> adamLike{"adam",      "adamw", "adaminject", "adamnorm",
                                              "adabelief", "nadam", "diffgrad"};
  const auto state = [&](const char* name) { return o.elementState(tensor, name); };
  const double correction2 = -std::expm1(t * std::log(s["beta2"]));
  Quantity q{kQuotient};
  q.scale = o.currentLearningRate();
  q.eps = s["eps"];
  if (adamLike.count(s.name)) {
    q.v = state(s.name == "adabelief" ? "exp_avg_var" : s.flag("amsgrad") ? "max_exp_avg_sq" : "exp_avg_sq");
    q.vScale = 1 / std::sqrt(correction2);
    if (s.name == "diffgrad") q.xi = state("friction"), q.mode |= kWithXi;
  } else if (s.name == "radam") {
    q.v = state("exp_avg_sq");
    const double r = optim::reference::radamRectification(s["beta2"], t);
    if (r > 0) {
      q.scale *= r * std::sqrt(correction2);
    } else {  // plain momentum: lr per unit of m^
      q.vScale = 0, q.eps = 1;
    }
  } else if (s.name == "adagrad") {
    q.v = state("sum");
    q.scale /= 1 + (t - 1) * s["lr_decay"];
  } else if (s.name == "rmsprop") {
    q.v = state("square_avg");
    if (s.flag("centered")) q.c = state("grad_avg"), q.mode |= kWithC;
  } else {
    return std::nullopt;
  }
  if (!q.v || ((q.mode & kWithXi) && !q.xi) || ((q.mode & kWithC) && !q.c)) return std::nullopt;
  return q;
}

// A tensor's quantities in the host route's order: each made on the device, or (a view the device
// side does not know) summarised on the host.
struct Planned {
  std::string name;
  std::optional<Quantity> quantity;
  StateSummary onHost;
};

std::vector<Planned> planTensor(const optim::KernelOptimizer& o, const UpdatedTensor& t, double correction1,
                                OptimizerInternals& out) {
  std::vector<Planned> plan;
  std::optional<Quantity> perUnit;
  for (const auto& name : o.stateNames()) {
    if (const gpu::Buffer* buffer = o.elementState(t.index, name)) {
      plan.push_back({name, Quantity{kCopy, buffer}, {}});
      if (isSecondMoment(name)) plan.push_back({"sqrt_" + name, Quantity{kRoot, nullptr, buffer}, {}});
      continue;
    }
    if (name == "effective_lr" && (perUnit = effectiveLr(o, t.index))) {
      plan.push_back({name, perUnit, {}});
      continue;
    }
    auto values = o.readState(t.index, name);
    if (name == "rectification" && values.size() == 1) out.rectification = values[0];
    if (values.size() != t.stateCount || t.first + uint64_t(t.count) > values.size()) continue;
    plan.push_back({name, std::nullopt,
                    summarize(name, std::vector<float>(values.begin() + t.first, values.begin() + t.first + t.count))});
  }
  const optim::Settings& s = o.settings();
  const gpu::Buffer* m = o.elementState(t.index, "exp_avg");
  if (!stepsAlongCorrectedMean(s.name) || !m || !perUnit) return plan;
  const std::string second = uncorrectedSecond(s);
  if (const gpu::Buffer* v = second.empty() ? nullptr : o.elementState(t.index, second)) {
    // lr m / (sqrt(v) + eps) (diffGrad: times its friction): the step without the bias corrections.
    Quantity raw{kQuotient | kWithM | (perUnit->mode & kWithXi), m, v, perUnit->xi};
    raw.scale = o.currentLearningRate(), raw.eps = s["eps"];
    plan.push_back({"uncorrected_step", raw, {}});
  }
  Quantity step = *perUnit;
  step.mode |= kWithM, step.m = m, step.scale /= correction1;
  plan.push_back({"step", step, {}});
  return plan;
}

void recordQuantity(gpu::Recording& rec, const Quantity& q, const UpdatedTensor& t, const gpu::Buffer& result) {
  const gpu::Buffer* any = q.m ? q.m : q.v;  // bound where the mode reads nothing
  struct {
    uint32_t n, first, mode;
    float scale, vScale, eps;
  } push{t.count, t.first, q.mode, float(q.scale), float(q.vScale), float(q.eps)};
  const uint32_t groups = std::clamp<uint32_t>((t.count + 255) / 256, 1, 4096);
  rec.dispatch(rec.context().kernel(kQuantity, {256, 1, 1}),
               {q.m ? *q.m : *any, q.v ? *q.v : *any, q.xi ? *q.xi : *any, q.c ? *q.c : *any, result}, push,
               {groups, 1, 1});
}

}  // namespace

const StateSummary* OptimizerTensorInternals::find(const std::string& name) const {
  for (const auto& s : states)
    if (s.name == name) return &s;
  return nullptr;
}

OptimizerInternals readOptimizerInternals(gpu::Context& context, const optim::Optimizer& optimizer,
                                          const std::vector<UpdatedTensor>& tensors, uint64_t step) {
  const auto* kernel = dynamic_cast<const optim::KernelOptimizer*>(&optimizer);
  if (!kernel) return optimizerInternalsOnHost(optimizer, tensors, step);
  OptimizerInternals out = scalarsOf(optimizer, kernel->settings(), step);
  if (step == 0) return out;
  std::vector<std::vector<Planned>> plans;
  uint32_t slots = 0, largest = 1;
  for (const UpdatedTensor& t : tensors) {
    plans.push_back(planTensor(*kernel, t, out.biasCorrection1.value_or(1), out));
    for (const Planned& p : plans.back()) slots += p.quantity.has_value();
    largest = std::max(largest, t.count);
  }
  std::vector<float> records, bins;
  if (slots > 0) {
    const gpu::Buffer result(context, uint64_t(largest) * 4);
    const gpu::Buffer recordBuffer(context, uint64_t(slots) * kSummaryFloats * 4, true);
    const gpu::Buffer binBuffer(context, uint64_t(slots) * kHistogramBins * 4, true);
    gpu::Recording rec(context, 0);
    uint32_t slot = 0;
    for (size_t k = 0; k < tensors.size(); ++k)
      for (const Planned& p : plans[k]) {
        if (!p.quantity) continue;
        recordQuantity(rec, *p.quantity, tensors[k], result);
        recordTensorSummary(rec, gpu::floats(result, 0, tensors[k].count), tensors[k].count, slot++, recordBuffer,
                            &binBuffer);
      }
    context.run(rec);
    records = recordBuffer.read<float>(uint64_t(slots) * kSummaryFloats);
    bins = binBuffer.read<float>(uint64_t(slots) * kHistogramBins);
  }
  uint32_t slot = 0;
  for (size_t k = 0; k < tensors.size(); ++k) {
    OptimizerTensorInternals tensor{tensors[k].name, {}};
    for (Planned& p : plans[k]) {
      if (!p.quantity) {
        tensor.states.push_back(std::move(p.onHost));
        continue;
      }
      tensor.states.push_back({p.name, tensorSummaryAt(records, bins, slot), tensorNormAt(records, slot)});
      ++slot;
    }
    out.tensors.push_back(std::move(tensor));
  }
  return out;
}

OptimizerInternals optimizerInternalsOnHost(const optim::Optimizer& optimizer,
                                            const std::vector<UpdatedTensor>& tensors, uint64_t step) {
  const auto* kernel = dynamic_cast<const optim::KernelOptimizer*>(&optimizer);
  const optim::Settings settings = kernel ? kernel->settings() : optim::Settings{};
  OptimizerInternals out = scalarsOf(optimizer, settings, step);
  const double correction1 = out.biasCorrection1.value_or(0);
  if (step == 0) return out;
  const auto names = optimizer.stateNames();
  for (const UpdatedTensor& t : tensors) {
    OptimizerTensorInternals tensor{t.name, {}};
    // The tensor's part of a per-element state; empty for a state of another size.
    const auto read = [&](const std::string& name) {
      auto values = optimizer.readState(t.index, name);
      if (name == "rectification" && values.size() == 1) out.rectification = values[0];
      if (values.size() != t.stateCount || t.first + uint64_t(t.count) > values.size()) return std::vector<float>{};
      return std::vector<float>(values.begin() + t.first, values.begin() + t.first + t.count);
    };
    for (const auto& name : names) {
      auto values = read(name);
      if (values.empty()) continue;
      tensor.states.push_back(summarize(name, values));
      if (!isSecondMoment(name)) continue;
      for (float& x : values) x = std::sqrt(std::max(x, 0.0f));
      tensor.states.push_back(summarize("sqrt_" + name, values));
    }
    if (stepsAlongCorrectedMean(settings.name)) {
      auto perUnit = read("effective_lr");
      const auto m = read("exp_avg");
      const auto v = uncorrectedSecond(settings).empty() ? std::vector<float>{} : read(uncorrectedSecond(settings));
      if (!m.empty() && perUnit.size() == m.size() && v.size() == m.size()) {
        // lr m / (sqrt(v) + eps): the step without the bias corrections, from lr / (sqrt(v^) + eps).
        const double eps = settings["eps"], c2 = *out.biasCorrection2;
        std::vector<float> raw(m.size());
        for (size_t k = 0; k < m.size(); ++k) {
          const double root = std::sqrt(std::max(double(v[k]), 0.0));
          raw[k] = float(perUnit[k] * double(m[k]) * (root / std::sqrt(c2) + eps) / (root + eps));
        }
        tensor.states.push_back(summarize("uncorrected_step", raw));
      }
      if (!m.empty() && perUnit.size() == m.size()) {
        for (size_t k = 0; k < m.size(); ++k) perUnit[k] = float(perUnit[k] * (m[k] / correction1));
        tensor.states.push_back(summarize("step", perUnit));
      }
    }
    out.tensors.push_back(std::move(tensor));
  }
  return out;
}

}  // namespace gradlab::train

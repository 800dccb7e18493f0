// Optimizer internals: the device state read back through Optimizer::readState and summarised per
// tensor on the host (the state is what the next update reads, so nothing is recomputed here but
// the square roots and the step made from it).
#include "optim/kernel_optimizer.h"
#include "train/internals.h"

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

}  // namespace

const StateSummary* OptimizerTensorInternals::find(const std::string& name) const {
  for (const auto& s : states)
    if (s.name == name) return &s;
  return nullptr;
}

OptimizerInternals readOptimizerInternals(const optim::Optimizer& optimizer, const std::vector<UpdatedTensor>& tensors,
                                          uint64_t step) {
  OptimizerInternals out;
  out.optimizer = optimizer.name();
  out.step = step;
  const auto* kernel = dynamic_cast<const optim::KernelOptimizer*>(&optimizer);
  const optim::Settings settings = kernel ? kernel->settings() : optim::Settings{};
  const bool betas = settings.values.count("beta1") && settings.values.count("beta2");
  const double correction1 = betas ? -std::expm1(double(step) * std::log(settings["beta1"])) : 0;
  if (betas && step > 0) {
    out.biasCorrection1 = correction1;
    out.biasCorrection2 = -std::expm1(double(step) * std::log(settings["beta2"]));
  }
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

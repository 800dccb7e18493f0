#include "optim/schedule.h"

#include "gpu/context.h"
#include "spirv/shaders.h"

#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace gradlab::optim {
namespace {

using gpu::Access;
const gpu::KernelSpec kSchedule{"lr_schedule", spirv::lr_schedule, {Access::ReadWrite, Access::Read, Access::Read}, 36};

struct SchedulePush {
  uint32_t kind, warmup, stepSize, tMax, t0, tMult;
  float lnGamma, decay, etaMin;
};

std::string text(double v) {
  std::ostringstream s;
  s << v;
  return s.str();
}

[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }

double number(const std::string& key, const std::string& value) {
  try {
    size_t used = 0;
    const double v = std::stod(value, &used);
    if (used == value.size() && std::isfinite(v)) return v;
  } catch (const std::exception&) {
  }
  fail("Invalid schedule value " + key + "=" + value + ": not a finite number");
}

uint32_t count(const std::string& key, const std::string& value, uint32_t min) {
  double v = -1;
  try {
    v = number(key, value);
  } catch (const std::invalid_argument&) {
  }
  if (v != std::floor(v) || v < min || v > 4294967295.0)
    fail("Invalid schedule value " + key + "=" + value + ": must be an integer from " + std::to_string(min) +
         " to 4294967295");
  return uint32_t(v);
}

// Cosine annealing from lr0 to eta_min at the fraction `f` of the half period.
double cosine(const Schedule& s, double f) {
  return s.etaMin + (s.lr0 - s.etaMin) * (1 + std::cos(std::numbers::pi * f)) / 2;
}

}  // namespace

const std::vector<std::string>& scheduleNames() {
  static const std::vector<std::string> names{"constant", "step", "exponential", "inverse", "cosine", "sgdr"};
  return names;
}

void validate(const Schedule& s) {
  if (!(s.lr0 >= 0) || !std::isfinite(s.lr0)) fail("Invalid schedule base rate " + text(s.lr0) + ": must be >= 0");
  if (s.stepSize < 1) fail("Invalid schedule value step_size=0: must be an integer >= 1");
  if (s.kind == ScheduleKind::Step || s.kind == ScheduleKind::Exponential)
    if (!(s.gamma > 0 && s.gamma <= 1)) fail("Invalid schedule value gamma=" + text(s.gamma) + ": must be in (0, 1]");
  if (!(s.decay >= 0) || !std::isfinite(s.decay)) fail("Invalid schedule value decay=" + text(s.decay) + ": must be >= 0");
  if (s.tMax < 1) fail("Invalid schedule value T_max=0: must be an integer >= 1");
  if (s.t0 < 1) fail("Invalid schedule value T_0=0: must be an integer >= 1");
  if (s.tMult < 1) fail("Invalid schedule value T_mult=0: must be an integer >= 1");
  if (!(s.etaMin >= 0) || !std::isfinite(s.etaMin)) fail("Invalid schedule value eta_min=" + text(s.etaMin) + ": must be >= 0");
}

Schedule parseSchedule(const std::string& spec) {
  Schedule s;
  std::string name = spec, list;
  const size_t colon = spec.find(':');
  if (colon != std::string::npos) {
    name = spec.substr(0, colon);
    list = spec.substr(colon + 1);
  } else if (spec.find('=') != std::string::npos) {  // "warmup=100": constant with warm-up
    name = "constant";
    list = spec;
  }
  if (name == "constant") s.kind = ScheduleKind::Constant;
  else if (name == "step") s.kind = ScheduleKind::Step;
  else if (name == "exponential") s.kind = ScheduleKind::Exponential;
  else if (name == "inverse") s.kind = ScheduleKind::Inverse;
  else if (name == "cosine") s.kind = ScheduleKind::Cosine;
  else if (name == "sgdr") s.kind = ScheduleKind::WarmRestarts;
  else fail("Unknown schedule '" + name + "'; accepted: constant, step, exponential, inverse, cosine, sgdr (or warmup=N)");
  if (s.kind == ScheduleKind::Exponential) s.gamma = 0.99;
  // The keys each schedule takes; warmup goes with any.
  std::vector<std::string> keys{"warmup"};
  switch (s.kind) {
    case ScheduleKind::Step: keys.insert(keys.end(), {"step_size", "gamma"}); break;
    case ScheduleKind::Exponential: keys.push_back("gamma"); break;
    case ScheduleKind::Inverse: keys.push_back("decay"); break;
    case ScheduleKind::Cosine: keys.insert(keys.end(), {"T_max", "eta_min"}); break;
    case ScheduleKind::WarmRestarts: keys.insert(keys.end(), {"T_0", "T_mult", "eta_min"}); break;
    case ScheduleKind::Constant: break;
  }
  bool stepSizeGiven = false, tMaxGiven = false, t0Given = false;
  size_t start = 0;
  while (start < list.size()) {
    const size_t comma = std::min(list.find(',', start), list.size());
    const std::string item = list.substr(start, comma - start);
    start = comma + 1;
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0)
      fail("--schedule takes NAME[:key=value,...], e.g. cosine:T_max=1000,eta_min=0.0001; got '" + item + "'");
    const std::string key = item.substr(0, eq), value = item.substr(eq + 1);
    bool known = false;
    for (const auto& k : keys) known = known || k == key;
    if (!known) {
      std::string accepted;
      for (const auto& k : keys) accepted += (accepted.empty() ? "" : ", ") + k;
      fail("Unknown key '" + key + "' for schedule " + name + "; accepted: " + accepted);
    }
    if (key == "warmup") s.warmup = count(key, value, 0);
    else if (key == "step_size") s.stepSize = count(key, value, 1), stepSizeGiven = true;
    else if (key == "gamma") s.gamma = number(key, value);
    else if (key == "decay") s.decay = number(key, value);
    else if (key == "T_max") s.tMax = count(key, value, 1), tMaxGiven = true;
    else if (key == "T_0") s.t0 = count(key, value, 1), t0Given = true;
    else if (key == "T_mult") s.tMult = count(key, value, 1);
    else if (key == "eta_min") s.etaMin = number(key, value);
  }
  // PyTorch has no default for these: they must be given.
  if (s.kind == ScheduleKind::Step && !stepSizeGiven) fail("Schedule step needs step_size=N (steps between decays, >= 1)");
  if (s.kind == ScheduleKind::Cosine && !tMaxGiven) fail("Schedule cosine needs T_max=N (steps of the half period, >= 1)");
  if (s.kind == ScheduleKind::WarmRestarts && !t0Given) fail("Schedule sgdr needs T_0=N (steps of the first period, >= 1)");
  validate(s);
  return s;
}

std::string describe(const Schedule& s) {
  std::ostringstream o;
  switch (s.kind) {
    case ScheduleKind::Constant: o << "constant"; break;
    case ScheduleKind::Step: o << "step (step_size=" << s.stepSize << ", gamma=" << s.gamma << ")"; break;
    case ScheduleKind::Exponential: o << "exponential (gamma=" << s.gamma << ")"; break;
    case ScheduleKind::Inverse: o << "inverse (decay=" << s.decay << ")"; break;
    case ScheduleKind::Cosine: o << "cosine (T_max=" << s.tMax << ", eta_min=" << s.etaMin << ")"; break;
    case ScheduleKind::WarmRestarts:
      o << "sgdr (T_0=" << s.t0 << ", T_mult=" << s.tMult << ", eta_min=" << s.etaMin << ")";
      break;
  }
  if (s.warmup) o << ", warmup " << s.warmup;
  return o.str();
}

double learningRateAt(const Schedule& s, uint64_t step) {
  if (step < s.warmup) return s.lr0 * double(step + 1) / s.warmup;
  const uint64_t t = step - s.warmup;
  switch (s.kind) {
    case ScheduleKind::Constant: return s.lr0;
    case ScheduleKind::Step: return s.lr0 * std::pow(s.gamma, double(t / s.stepSize));
    case ScheduleKind::Exponential: return s.lr0 * std::pow(s.gamma, double(t));
    case ScheduleKind::Inverse: return s.lr0 / (1 + s.decay * double(t));
    case ScheduleKind::Cosine: return cosine(s, double(t) / s.tMax);
    case ScheduleKind::WarmRestarts: {
      uint64_t current = t, period = s.t0;
      if (s.tMult == 1) current = t % period;
      else
        while (current >= period) {
          current -= period;
          period *= s.tMult;
        }
      return cosine(s, double(current) / double(period));
    }
  }
  return s.lr0;
}

void recordSchedule(gpu::Recording& rec, const Schedule& s, gpu::BufferRange baseRate, gpu::BufferRange control,
                    gpu::BufferRange step) {
  // ln(gamma) from double: gamma^t = exp(t ln gamma) keeps its digits in float.
  const SchedulePush push{uint32_t(s.kind), s.warmup, s.stepSize, s.tMax, s.t0, s.tMult,
                          float(std::log(s.gamma > 0 ? s.gamma : 1.0)), float(s.decay), float(s.etaMin)};
  rec.dispatch(rec.context().kernel(kSchedule, {1, 1, 1}), {control, step, baseRate}, push, {1, 1, 1});
}

}  // namespace gradlab::optim

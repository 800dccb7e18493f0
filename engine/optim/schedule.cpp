#include "optim/schedule.h"

#include "gpu/context.h"
#include "spirv/shaders.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <sstream>
#include <stdexcept>

namespace gradlab::optim {
namespace {

using gpu::Access;
[[noreturn]] void fail(const std::string& message) { throw std::invalid_argument(message); }
const gpu::KernelSpec kSchedule{"lr_schedule", spirv::lr_schedule, {Access::ReadWrite, Access::Read, Access::Read}};

struct SchedulePush {
  uint32_t kind, warmup, stepSize, tMax, t0, tMult;
  float lnGamma, decay, etaMin;
};

// Each schedule's name and the keys it takes besides warmup, which goes with any.
struct KindInfo {
  ScheduleKind kind;
  std::string name;
  std::vector<std::string> keys;
};

const std::vector<KindInfo>& kinds() {
  static const std::vector<KindInfo> all{{ScheduleKind::Constant, "constant", {}},
                                         {ScheduleKind::Step, "step", {"step_size", "gamma"}},
                                         {ScheduleKind::Exponential, "exponential", {"gamma"}},
                                         {ScheduleKind::Inverse, "inverse", {"decay"}},
                                         {ScheduleKind::Cosine, "cosine", {"T_max", "eta_min"}},
                                         {ScheduleKind::WarmRestarts, "sgdr", {"T_0", "T_mult", "eta_min"}}};
  return all;
}

uint32_t count(const std::string& key, const std::string& value, const util::Range& range) {
  return uint32_t(util::parseInteger(key, value, range));
}

// Cosine annealing from lr0 to eta_min at the fraction `f` of the half period.
double cosine(const Schedule& s, double f) {
  return s.etaMin + (s.lr0 - s.etaMin) * (1 + std::cos(std::numbers::pi * f)) / 2;
}

}  // namespace

const std::vector<std::string>& scheduleNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const auto& k : kinds()) out.push_back(k.name);
    return out;
  }();
  return names;
}

void validate(const Schedule& s) {
  namespace ranges = util::ranges;
  util::checkNumber("lr", s.lr0, ranges::kLearningRate);
  util::checkNumber("step_size", s.stepSize, ranges::kSchedulePeriod);
  if (s.kind == ScheduleKind::Step || s.kind == ScheduleKind::Exponential)
    util::checkNumber("gamma", s.gamma, ranges::kScheduleGamma);
  util::checkNumber("decay", s.decay, ranges::kScheduleDecay);
  util::checkNumber("T_max", s.tMax, ranges::kSchedulePeriod);
  util::checkNumber("T_0", s.t0, ranges::kSchedulePeriod);
  util::checkNumber("T_mult", s.tMult, ranges::kSchedulePeriod);
  util::checkNumber("eta_min", s.etaMin, ranges::kScheduleFloor);
}

ScheduleSpec parseScheduleSpec(const std::string& text) {
  // "warmup=100" alone: the constant schedule with a warm-up.
  const bool listOnly = text.find(':') == std::string::npos && text.find('=') != std::string::npos;
  const util::Spec spec = util::parseSpec(listOnly ? "constant:" + text : text, "");
  ScheduleSpec out{spec.name, {}};
  for (const auto& item : spec.items) out.values[item.key] = item.value;
  return out;
}

Schedule makeSchedule(const ScheduleSpec& spec) {
  namespace ranges = util::ranges;
  const auto kind =
      std::find_if(kinds().begin(), kinds().end(), [&](const KindInfo& k) { return k.name == spec.name; });
  // Text that cannot be a name (a whole spec its caller could not split) is refused in the
  // parser's words, which say what is malformed.
  if (kind == kinds().end() && spec.values.empty() && spec.name.find_first_of(":=,") != std::string::npos)
    parseScheduleSpec(spec.name);
  if (kind == kinds().end())
    throw std::invalid_argument("Unknown schedule '" + util::printable(spec.name, 40) +
                                "'; accepted: " + util::joinedNames(scheduleNames()) + " (or warmup=N)");
  std::vector<std::string> keys{"warmup"};
  keys.insert(keys.end(), kind->keys.begin(), kind->keys.end());
  std::vector<util::KeyValue> items;
  for (const auto& [key, value] : spec.values) items.push_back({key, value, true});
  util::checkKeys(items, spec.name, keys);
  Schedule s;
  s.kind = kind->kind;
  if (s.kind == ScheduleKind::Exponential) s.gamma = 0.99;
  for (const auto& [key, value] : spec.values) {
    if (key == "warmup")
      s.warmup = count(key, value, ranges::kWarmupSteps);
    else if (key == "step_size")
      s.stepSize = count(key, value, ranges::kSchedulePeriod);
    else if (key == "gamma")
      s.gamma = util::parseNumber(key, value, ranges::kScheduleGamma);
    else if (key == "decay")
      s.decay = util::parseNumber(key, value, ranges::kScheduleDecay);
    else if (key == "T_max")
      s.tMax = count(key, value, ranges::kSchedulePeriod);
    else if (key == "T_0")
      s.t0 = count(key, value, ranges::kSchedulePeriod);
    else if (key == "T_mult")
      s.tMult = count(key, value, ranges::kSchedulePeriod);
    else if (key == "eta_min")
      s.etaMin = util::parseNumber(key, value, ranges::kScheduleFloor);
  }
  // PyTorch has no default for these: they must be given.
  const auto given = [&](const char* key) { return spec.values.count(key) > 0; };
  if (s.kind == ScheduleKind::Step && !given("step_size"))
    fail("Schedule step needs step_size=N (steps between decays, >= 1)");
  if (s.kind == ScheduleKind::Cosine && !given("T_max"))
    fail("Schedule cosine needs T_max=N (steps of the half period, >= 1)");
  if (s.kind == ScheduleKind::WarmRestarts && !given("T_0"))
    fail("Schedule sgdr needs T_0=N (steps of the first period, >= 1)");
  return s;
}

Schedule parseSchedule(const std::string& text) { return makeSchedule(parseScheduleSpec(text)); }

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
      if (s.tMult == 1)
        current = t % period;
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
  const SchedulePush push{
      uint32_t(s.kind), s.warmup,       s.stepSize, s.tMax, s.t0, s.tMult, float(std::log(s.gamma > 0 ? s.gamma : 1.0)),
      float(s.decay),   float(s.etaMin)};
  rec.dispatch(rec.context().kernel(kSchedule, {1, 1, 1}), {control, step, baseRate}, push, {1, 1, 1});
}

}  // namespace gradlab::optim

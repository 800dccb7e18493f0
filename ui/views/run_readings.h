#pragma once
// Each run's readings of a quantity over steps, and the timeline's cut of them: what a view that
// keeps its own history (sharpness, update ratios) draws live or at a past moment.

#include <algorithm>
#include <cstdint>
#include <map>
#include <optional>
#include <vector>

namespace gradlab::ui {

template <class Reading>  // has a uint64_t step
class RunReadings {
 public:
  // Run `member`'s readings with those at or after `step` dropped: a report at or before a step
  // already held starts that run again (a reset run). Append the new reading to it.
  std::vector<Reading>& restartAt(uint32_t member, uint64_t step) {
    std::vector<Reading>& readings = readings_[member];
    while (!readings.empty() && readings.back().step >= step) readings.pop_back();
    return readings;
  }
  void clear() {
    readings_.clear();
    moment_.reset();
  }
  // The timeline: each run's readings up to its step at that moment, then all of them again.
  void showMoment(const std::map<uint32_t, uint64_t>& steps) { moment_ = steps; }
  void showLive() { moment_.reset(); }

  std::vector<Reading> shown(uint32_t member) const {
    const auto found = readings_.find(member);
    if (found == readings_.end()) return {};
    std::vector<Reading> out = found->second;
    if (moment_) {
      const auto step = moment_->find(member);
      const uint64_t last = step == moment_->end() ? 0 : step->second;
      std::erase_if(out, [last](const Reading& r) { return r.step > last; });
    }
    return out;
  }

 private:
  std::map<uint32_t, std::vector<Reading>> readings_;   // by member, in step order
  std::optional<std::map<uint32_t, uint64_t>> moment_;  // the timeline's steps; unset: live
};

}  // namespace gradlab::ui

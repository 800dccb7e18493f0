#pragma once
// The moments of a run the timeline can go back to. A moment is what every view showed of every
// run of a set after one publish of the run: each run's latest snapshot, and the probe report and
// decision boundary shown then (the latest at or before it). All are the run's own immutable
// objects, shared, never copied; an object several moments share is counted once.
//
// Moments are kept log-spaced by step within a memory budget: every moment is kept until the
// budget is reached; then, one at a time, the moment whose removal leaves the smallest gap in
// log(step) goes (never the first or the latest). Early moments, far apart on a log scale, stay;
// later ones thin out evenly on it.
#include "persist/saved_moments.h"
#include "train/run.h"

#include <cstddef>
#include <map>
#include <memory>
#include <set>
#include <vector>

namespace gradlab::ui {

struct MemberMoment {
  std::shared_ptr<const train::Snapshot> snapshot;          // the run's latest
  std::shared_ptr<const train::ProbeReport> probes;         // histograms, by depth, filters
  std::shared_ptr<const train::DecisionBoundary> boundary;  // null: none yet
  // The values the filter view shows when they are newer than the probe's: a run that stopped
  // advancing hands them out (Snapshot::parameters) between probes.
  std::shared_ptr<const std::vector<train::WeightSnapshot>> parameters;
};

struct Moment {
  uint64_t position = 0;  // the furthest step of any run of the set: the log spacing's measure
  std::map<uint32_t, MemberMoment> members;
  uint64_t step() const;  // the first run's, as the status bar shows it
};

class SnapshotStore {
 public:
  static constexpr size_t kDefaultBudget = size_t(512) << 20;
  explicit SnapshotStore(size_t budget = kDefaultBudget) : budget_(budget) {}

  // Snapshots in the order the run publishes them. One of another run or generation (a rebuilt
  // or reset run) starts the store afresh.
  void add(std::shared_ptr<const train::Snapshot> snapshot);
  void clear();
  void setBudget(size_t bytes);  // thins the moments at once when they no longer fit
  size_t budget() const { return budget_; }
  size_t bytes() const { return bytes_; }  // of every distinct object the moments hold

  size_t size() const { return moments_.size(); }
  const Moment& moment(size_t index) const { return moments_.at(index); }
  // The index of the last moment at or before `position` (0 when none is).
  size_t indexAt(uint64_t position) const;
  // The moments as a file keeps them: those that fit in `budget`, thinned as the store thins.
  persist::SavedTimeline saved(size_t budget) const;
  // Moments from a file. The next run to publish takes them over as its past: those up to the
  // step it starts at stay, as if it had made them.
  void restore(const persist::SavedTimeline& saved);
  // The distinct probe reports of `member` from the first moment to moment `index`, oldest first.
  std::vector<std::shared_ptr<const train::ProbeReport>> probesUpTo(size_t index, uint32_t member) const;

 private:
  void hold(const std::shared_ptr<const void>& object, size_t bytes);
  void release(const std::shared_ptr<const void>& object);
  void holdMoment(const Moment& moment);
  void releaseMoment(const Moment& moment);
  void erase(size_t index);
  void thin();
  void adoptOrClear(uint64_t startStep);

  size_t budget_;
  size_t bytes_ = 0;
  std::vector<Moment> moments_;
  std::set<uint32_t> arrived_;  // runs whose snapshot of the latest publish came
  uint64_t runId_ = 0, generation_ = 0;
  bool restored_ = false;  // the moments came from a file: the next run adopts them
  struct Held {
    size_t count = 0, bytes = 0;
  };
  std::map<const void*, Held> held_;
};

// Bytes of each object a moment holds, counted apart (a snapshot's probes, boundary and parameters
// are not part of its own).
size_t bytesOf(const train::Snapshot& snapshot);
size_t bytesOf(const train::ProbeReport& report);  // with its internals
size_t bytesOf(const train::InternalsReport& internals);
size_t bytesOf(const train::DecisionBoundary& boundary);
size_t bytesOf(const std::vector<train::WeightSnapshot>& weights);

}  // namespace gradlab::ui

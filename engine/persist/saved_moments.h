#pragma once
// The moments of a timeline as an experiment file keeps them (format 6): for each moment, every
// run's step and what the probe views drew then, as the engine measured it (from format 8 with the
// sharpness and internals the probe measured, which the views drawing them over the steps replay).
// The curves are saved whole with the runs, so a moment needs only the step they are cut at. An
// object several moments share (a probe report stays shown until the next probe) is one object
// here too, and is written once.
#include "train/decision_boundary.h"
#include "train/probes.h"

#include <cstdint>
#include <memory>
#include <vector>

namespace gradlab::persist {

// One run at a moment; a null object: the run had none yet.
struct SavedMember {
  uint32_t member = 0;  // 0 for run A, i for Experiment::comparisons[i - 1]
  uint64_t step = 0;
  std::shared_ptr<const train::ProbeReport> probes;
  std::shared_ptr<const train::DecisionBoundary> boundary;
  // Weights newer than the probe's, which a run that stopped advancing handed out.
  std::shared_ptr<const std::vector<train::WeightSnapshot>> parameters;
};

struct SavedMoment {
  uint64_t position = 0;  // the furthest step of any run
  std::vector<SavedMember> members;
};

struct SavedTimeline {
  std::vector<SavedMoment> moments;  // by position, oldest first
};

// What a save writes of a timeline at most: the log-spaced moments whose objects take this much
// memory (the first and the latest always), so a long run never makes a surprising file.
inline constexpr uint64_t kSavedMomentBytes = uint64_t(64) << 20;

}  // namespace gradlab::persist

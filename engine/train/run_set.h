#pragma once
// Runs side by side: 1 to 4 training sessions on one device that differ from the first in a few
// settings (initialisation, optimizer, learning rate and schedule, regularisation, seed, a network
// variant) and advance in lockstep, one step each per tick, on the same batches in the same order.
// Runs with a smaller batch advance by samples seen: a tick is one step of the largest batch, and a
// run whose batch is a quarter of it takes four steps per tick, over the same samples.
//
// Why the comparison is fair without any sharing between the sessions:
// - initial values are hashed from the seed and the tensor's node and name (nn/initializer.h), so
//   runs of the same network and seed start from the same weights, and a layer only some runs
//   have (BatchNorm1d, Dropout) gets its own values without disturbing the others';
// - the batch order, the augmentation and the dropout masks follow from the seed and the step
//   counter alone, so "step 300" is the same data in every run with the same seed.
// Each run is a plain TrainingSession, so it computes exactly what it computes alone, and one that
// diverges stops alone (its session stops; the set steps the others on).
#include "train/training_session.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::train {

// One run of a set, as its settings say it (the CLI's --run, later the lab's run panel).
struct RunDefinition {
  std::string label;    // "A", "B", or a name the user chose
  nn::Graph graph;      // the network as the run trains it (withInitialisation applied)
  std::string network;  // the network's file name, for the legend
  std::string init;     // the initialisation applied to every Linear/convolution ("": the file's)
  TrainingOptions options;
  std::string optimizer;  // catalog name; "": plain SGD at options.learningRate
  std::map<std::string, std::string> optimizerValues;
  std::string augmentation;  // as written ("flip,crop=4"), for the legend
};

constexpr size_t kMaxRunsInSet = 4;

// `graph` with every Linear, Conv2d and ConvTranspose2d initialised by `spec` (nn::parseInitSpec:
// "xavier_normal", "normal:std=0.01"); throws std::invalid_argument for a bad spec.
nn::Graph withInitialisation(nn::Graph graph, const std::string& spec);

// The run's settings as (name, value) text, in a fixed order: what its legend compares.
std::vector<std::pair<std::string, std::string>> settingsText(const RunDefinition& run);
// What `run` changes from `first`, in words: "init=xavier_normal; lr 0.01"; "same settings".
std::string differenceText(const RunDefinition& first, const RunDefinition& run);

// The lockstep every set of runs advances, the CLI's RunSet and the lab's train::Run alike: 1 to
// kMaxRunsInSet sessions, ticking together. A tick is one step of the largest batch and
// stepsPerTick(run) steps of each run, all submitted before any is waited for, so the device works
// through the runs together and N runs cost about N times one.
class Lockstep {
 public:
  // The largest of `batches` (one per run) once the set passes: 1 to kMaxRunsInSet runs, every
  // batch dividing the largest (a tick must be whole steps of every run). Throws
  // std::invalid_argument naming the run by `labels` otherwise. Call it before building sessions,
  // so a bad set fails before any allocation.
  static uint32_t checkBatches(const std::vector<uint32_t>& batches, const std::vector<std::string>& labels);

  // Sessions built, and possibly resumed: the set's tick is the furthest any of them got. Throws
  // as checkBatches does, and for a run whose tick would not fit one submission.
  Lockstep(std::vector<std::unique_ptr<TrainingSession>> sessions, const std::vector<std::string>& labels);

  size_t size() const { return sessions_.size(); }
  TrainingSession& session(size_t run) { return *sessions_[run]; }
  const TrainingSession& session(size_t run) const { return *sessions_[run]; }
  // Whether the run stopped on a value that is not finite.
  bool stopped(size_t run) const { return sessions_[run]->nonFinite().has_value(); }
  bool allStopped() const;
  uint64_t tick() const { return tick_; }
  // A tick's steps of `run`: the largest batch over the run's batch (1 when all batches are equal).
  uint32_t stepsPerTick(size_t run) const { return largestBatch_ / sessions_[run]->options().batch; }
  uint32_t samplesPerTick() const { return largestBatch_; }
  // The steps per epoch of the run with the largest batch.
  uint32_t ticksPerEpoch() const { return ticksPerEpoch_; }
  // The most ticks one submission of every run covers (at least 1).
  uint32_t maxTicksPerSubmit() const;

  // Advances every run that has not stopped by `ticks` ticks; returns each run's records (empty
  // for a stopped run).
  std::vector<std::vector<StepRecord>> train(uint32_t ticks);
  // One tick whose last step of every run that has not stopped is probed
  // (TrainingSession::probeStep): each run's report (null for a stopped run), with its records
  // appended to `records`.
  std::vector<std::shared_ptr<const ProbeReport>> probeTick(std::vector<std::vector<StepRecord>>& records);
  // Every run back to step 0, initialised from its seed in `seeds`.
  void reset(const std::vector<uint32_t>& seeds);

 private:
  std::vector<std::unique_ptr<TrainingSession>> sessions_;
  uint64_t tick_ = 0;
  uint32_t largestBatch_ = 1, ticksPerEpoch_ = 1;
};

class RunSet {
 public:
  // Builds every session (every optimizer first, so a bad value fails before any allocation).
  // Throws std::invalid_argument for no runs, more than kMaxRunsInSet, two runs with one label, a
  // batch size that does not divide the largest (a tick must be whole steps of every run), or a
  // run its session refuses (named).
  RunSet(gpu::Context& context, std::vector<RunDefinition> runs, const data::Dataset& train,
         const data::Dataset* validation);

  size_t size() const { return runs_.size(); }
  TrainingSession& session(size_t run) { return lockstep_->session(run); }
  const RunDefinition& definition(size_t run) const { return runs_[run]; }
  // "B: BatchNorm1d added after h1, h2"; the first run's reads "A: base".
  const std::string& legend(size_t run) const { return legends_[run]; }
  // Whether the run stopped on a value that is not finite.
  bool stopped(size_t run) const { return lockstep_->stopped(run); }
  bool allStopped() const { return lockstep_->allStopped(); }
  uint64_t step() const { return lockstep_->tick(); }  // ticks taken by the set
  uint32_t stepsPerTick(size_t run) const { return lockstep_->stepsPerTick(run); }
  uint32_t samplesPerTick() const { return lockstep_->samplesPerTick(); }
  // Ticks per epoch: the steps per epoch of the run with the largest batch.
  uint32_t stepsPerEpoch() const { return lockstep_->ticksPerEpoch(); }

  // Advances every run that has not stopped by `ticks` ticks, all submitted before any is waited
  // for; returns each run's records (empty for a stopped run).
  std::vector<std::vector<StepRecord>> train(uint32_t ticks) { return lockstep_->train(ticks); }

 private:
  std::vector<RunDefinition> runs_;
  std::vector<std::string> legends_;
  std::unique_ptr<Lockstep> lockstep_;
};

}  // namespace gradlab::train

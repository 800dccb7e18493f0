#pragma once
// The lab window's handle on a training run. Building it (opening the device, reading the dataset,
// compiling kernels) happens on a worker thread; training runs on the run's own thread; snapshots
// arrive here as queued signals on the UI thread. Nothing in this class waits on the GPU. It passes
// on only the snapshots of the current run's current generation (Snapshot::runId, generation):
// records still on their way from a replaced run, or from before a reset, never reach the views.
// A run of a comparison trains every run of the set in lockstep and passes on every member's
// snapshots (Snapshot::member).
#include "persist/experiment.h"
#include "train/run.h"

#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace gradlab::gpu {
class Context;
}

namespace gradlab::ui {

class TrainingController : public QObject {
  Q_OBJECT
 public:
  explicit TrainingController(QObject* parent = nullptr);
  ~TrainingController() override;

  // Builds a run of the experiment's network and settings, replacing any current run; with weights
  // and run state (experiment.progress) it continues the saved run at its step. With comparisons
  // the run is a set: member 0 the experiment, member i its comparison i-1
  // (persist::variantExperiment), trained in lockstep.
  void load(const persist::Experiment& experiment);
  void play();
  void pause();
  void step();
  void reset();  // the run's next generation: its snapshots only, from now on
  // Whether the runs' probes measure the sharpness (analysis/sharpness_probe.h), this run's and later ones'.
  void setSharpnessMeasured(bool on) { sharpnessWanted_->store(on); }
  // Whether they measure the optimizer and BatchNorm internals (train/internals.h), likewise.
  void setInternalsMeasured(bool on) { internalsWanted_->store(on); }
  // The first run's learning rate, and that of every run that does not change it.
  void setLearningRate(double rate);
  bool loaded() const { return run_ != nullptr; }
  train::RunState state() const;
  uint64_t stepsPerEpoch() const { return stepsPerEpoch_; }  // ticks of the set
  size_t members() const { return run_ ? run_->members() : 0; }
  const std::vector<uint32_t>& batches() const { return batches_; }  // each member's batch size
  // Each member's network and settings (a comparison's are its variant's), for the analysis views.
  struct MemberSetup {
    nn::Graph graph;
    persist::TrainingSettings training;
  };
  const std::vector<MemberSetup>& memberSetups() const { return memberSetups_; }
  // The run and generation whose snapshots are passed on (0 and 0 before a run exists).
  uint64_t runId() const { return run_ ? run_->id() : 0; }
  uint64_t generation() const { return generation_; }
  // The parameter tensor the filter view shows ("c1.weight"), or empty.
  const std::string& filterTensor() const { return filterTensor_; }

 signals:
  void loading(const QString& what);
  void datasetLoaded(std::shared_ptr<const gradlab::data::Dataset> train);
  void ready(const QString& description);
  void failed(const QString& message);
  // Before failed(): graph node `node` does not fit the chosen device, for `reason`.
  void layerDoesNotFit(int node, const QString& reason);
  void snapshot(std::shared_ptr<const gradlab::train::Snapshot> snapshot);

 private:
  std::unique_ptr<gpu::Context> context_;
  std::unique_ptr<train::Run> run_;
  uint64_t loads_ = 0;       // loads started; a late result of an older load is dropped
  uint64_t generation_ = 0;  // of run_, as its last reset() named it
  uint64_t stepsPerEpoch_ = 0;
  std::string filterTensor_;
  std::vector<uint32_t> batches_;
  std::vector<bool> followsBaseRate_;
  std::vector<MemberSetup> memberSetups_;
  std::shared_ptr<std::atomic<bool>> sharpnessWanted_ = std::make_shared<std::atomic<bool>>(false);
  std::shared_ptr<std::atomic<bool>> internalsWanted_ = std::make_shared<std::atomic<bool>>(false);
};

// A run's state as a file keeps it, and back.
persist::RunProgress savedProgress(const train::RunProgress& progress);
train::RunProgress runProgress(const persist::RunProgress& saved);

}  // namespace gradlab::ui

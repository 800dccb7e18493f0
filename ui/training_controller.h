#pragma once
// The lab window's handle on a training run. Building it (opening the device, reading the dataset,
// compiling kernels) happens on a worker thread; training runs on the run's own thread; snapshots
// arrive here as queued signals on the UI thread. Nothing in this class waits on the GPU.
#include "persist/experiment.h"
#include "train/run.h"

#include <QObject>
#include <QString>

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

  // Builds a run of the experiment's network and settings, replacing any current run.
  void load(const persist::Experiment& experiment);
  void play();
  void pause();
  void step();
  void reset();
  void setLearningRate(double rate);
  bool loaded() const { return run_ != nullptr; }
  train::RunState state() const;
  uint64_t stepsPerEpoch() const { return stepsPerEpoch_; }
  // The parameter tensor the filter view shows ("c1.weight"), or empty.
  const std::string& filterTensor() const { return filterTensor_; }

 signals:
  void loading(const QString& what);
  void datasetLoaded(std::shared_ptr<const gradlab::data::Dataset> train);
  void ready(const QString& description);
  void failed(const QString& message);
  void snapshot(std::shared_ptr<const gradlab::train::Snapshot> snapshot);

 private:
  std::unique_ptr<gpu::Context> context_;
  std::unique_ptr<train::Run> run_;
  uint64_t generation_ = 0;  // loads started; a late result of an older load is dropped
  uint64_t stepsPerEpoch_ = 0;
  std::string filterTensor_;
};

}  // namespace gradlab::ui

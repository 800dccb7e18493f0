#pragma once
// The lab window's handle on a training run. Building it (opening the device, reading the dataset,
// compiling kernels) happens on a worker thread; training runs on the run's own thread; snapshots
// arrive here as queued signals on the UI thread. Nothing in this class waits on the GPU.
#include "train/run.h"

#include <QObject>
#include <QString>

#include <memory>

namespace gradlab::gpu {
class Context;
}

namespace gradlab::ui {

struct DemoSetup {
  QString title;            // shown in the window
  QString networkText;      // the network in GradLab's text format
  QString dataset = "fashion-mnist";  // fashion-mnist, or a toy set: spiral, circles, xor, blobs, moons
  uint32_t limit = 0;       // use only this many training samples (0: all)
  uint32_t batch = 64;
  QString optimizer = "sgd";
  double learningRate = 0.1;
  uint32_t seed = 0;
  QString device;           // empty: GRADLAB_DEVICE or the best device
};

class TrainingController : public QObject {
  Q_OBJECT
 public:
  explicit TrainingController(QObject* parent = nullptr);
  ~TrainingController() override;

  void load(const DemoSetup& setup);  // replaces any current run
  void play();
  void pause();
  void step();
  void reset();
  bool loaded() const { return run_ != nullptr; }
  train::RunState state() const;

 signals:
  void loading(const QString& what);
  void ready(const QString& description);
  void failed(const QString& message);
  void snapshot(std::shared_ptr<const gradlab::train::Snapshot> snapshot);

 private:
  std::unique_ptr<gpu::Context> context_;
  std::unique_ptr<train::Run> run_;
  uint64_t generation_ = 0;  // loads started; a late result of an older load is dropped
};

}  // namespace gradlab::ui

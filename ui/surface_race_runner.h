#pragma once
// Runs an optimizer race on a 2-D test surface off the UI thread — each optimizer's path computed
// on the Vulkan device by the same update kernels that train networks — and hands the paths to the
// surface view, which animates them. What goes wrong (an unknown surface or optimizer, a start
// where the surface overflows single precision) comes back as one line in `failed`.
#include "demos.h"

#include <QObject>

#include <vector>

namespace gradlab::surface {
struct TrajectoryPoint;
}

namespace gradlab::ui {

class SurfaceView;

class SurfaceRaceRunner : public QObject {
  Q_OBJECT
 public:
  SurfaceRaceRunner(SurfaceView* view, QObject* parent = nullptr);

  // Starts the race (from `race`'s start point, or the function's default); replaces a running one.
  void run(const SurfaceRace& race, const QString& device);
  const SurfaceRace& race() const { return race_; }
  const QString& device() const { return device_; }
  bool isRunning() const { return running_; }

 signals:
  void started(const SurfaceRace& race);
  void finished(const QString& summary);
  void failed(const QString& message);

 private:
  SurfaceView* view_;
  SurfaceRace race_;
  QString device_;
  uint64_t generation_ = 0;
  bool running_ = false;
};

}  // namespace gradlab::ui

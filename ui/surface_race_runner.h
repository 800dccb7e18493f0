#pragma once
// Runs an optimizer race on a 2-D test surface off the UI thread — each optimizer's path computed
// on the Vulkan device by the same update kernels that train networks — and hands the paths to the
// surface view, which animates them.
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
  // The same race from another start point (a click on the surface).
  void restartFrom(double x, double y);
  const SurfaceRace& race() const { return race_; }

 signals:
  void finished(const QString& summary);
  void failed(const QString& message);

 private:
  SurfaceView* view_;
  SurfaceRace race_;
  QString device_;
  uint64_t generation_ = 0;
};

}  // namespace gradlab::ui

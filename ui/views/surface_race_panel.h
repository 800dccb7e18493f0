#pragma once
// The Optimizer race tab: controls for a race on a 2-D test surface — the surface, the optimizers
// with their settings (one spec a line, as the CLI takes them), the steps and the start point —
// beside the surface view that animates the paths. Play runs the race the controls describe; a
// click on the surface runs it again from there. A race started elsewhere (a demo) shows its
// settings in the controls. On the quadratic, a log-scale chart under the controls draws each
// racer's distance to the minimum, measured (solid) and as theory predicts it (dashed,
// analysis/quadratic_contraction.h), in the racer's colour.
#include "demos.h"

#include <QWidget>

#include <optional>
#include <utility>
#include <vector>

class QChart;
class QChartView;
class QComboBox;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace gradlab::ui {

class SurfaceRaceRunner;
class SurfaceView;

class SurfaceRacePanel : public QWidget {
  Q_OBJECT
 public:
  // `device`: as for gpu::ContextOptions::device (empty: GRADLAB_DEVICE, else the best one).
  explicit SurfaceRacePanel(const QString& device, QWidget* parent = nullptr);

  SurfaceView* view() const { return view_; }
  SurfaceRaceRunner* runner() const { return runner_; }

  void setSurface(const QString& name);      // surface::testFunctions() name
  void setOptimizers(const QString& specs);  // "sgd:lr=0.001; adam:lr=0.02" or one a line
  void setSteps(int steps);
  void setStart(double x, double y);
  QString statusText() const;
  // On the quadratic surface: the per-step contraction theory predicts for each optimizer (empty
  // on other surfaces).
  QString theoryText() const;
  QPushButton* playButton() const { return play_; }

  // For tests: the distance chart, racer `index`'s measured or predicted distances (none: no closed
  // form) and the chart's axis ranges.
  const QChartView* distanceChart() const { return distanceView_; }
  QList<QPointF> distancePoints(int index, bool predicted) const;
  std::pair<double, double> distanceRange() const;
  std::pair<double, double> distanceStepRange() const;

  // The race the controls describe, or nullopt with what is wrong in `problem` (one line).
  std::optional<SurfaceRace> raceFromControls(QString* problem) const;

 public slots:
  void play();

 private:
  void showRace(const SurfaceRace& race);  // the controls follow a race started elsewhere
  void surfaceChosen();
  void startChosen(double x, double y);
  void showTheory();
  void makeDistanceChart();
  void drawDistances();

  QString device_;
  QComboBox* surface_;
  QPlainTextEdit* optimizers_;
  QSpinBox* steps_;
  QLineEdit* start_;
  QPushButton* play_;
  QLabel* status_;
  QLabel* theory_;
  SurfaceView* view_;
  SurfaceRaceRunner* runner_;
  struct DistanceSeries {
    QLineSeries *measured, *predicted;
  };
  QChartView* distanceView_ = nullptr;
  QChart* distance_ = nullptr;
  QValueAxis* distanceSteps_ = nullptr;
  QLogValueAxis* distanceAxis_ = nullptr;
  std::vector<DistanceSeries> distanceSeries_;
};

}  // namespace gradlab::ui

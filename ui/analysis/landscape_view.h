#pragma once
// The loss landscape around the current weights (Li et al. 2018): a grid over a plane through
// them — two random filter-normalised directions, or the PCA plane of the training trajectory —
// drawn as a log-scaled heatmap with contour lines, the current weights at the centre and the
// trajectory projected onto the plane; and, on a second tab, the loss along the straight line
// from the initial to the current weights. Or a race: optimizers trained from one start, their
// paths drawn together over the landscape of their common PCA plane. Or the runs of a set
// (AnalysisSource::runs): each visible run's trajectory on one common plane, in its run's colour
// and line style, named in a legend under the plot. The work runs on a worker thread with a
// Context of its own; a progress bar follows it and Cancel stops it after the current chunk of points.
#include "analysis/analysis_source.h"
#include "analysis/landscape_job.h"

#include <QWidget>

#include <memory>
#include <optional>

class QChart;
class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QLineSeries;
class QProgressBar;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTimer;
class QValueAxis;
template <class T>
class QFutureWatcher;

namespace gradlab::ui {

class HeatmapPlot;

class LandscapeView : public QWidget {
  Q_OBJECT
 public:
  explicit LandscapeView(QWidget* parent = nullptr);
  ~LandscapeView() override;  // cancels a running computation (it ends on its own thread)

  // What to analyse; the next Compute uses it. A running computation goes on with the old one.
  void setSource(std::shared_ptr<const AnalysisSource> source);

  void setGridPoints(int perSide);
  void setRange(double range);
  void setSamples(int samples);
  void setPlane(LandscapePlane plane);  // Pca needs a trajectory of two probes or more
  void setDirectionSeed(int seed);
  // The race's optimizers ("sgd; sgd:momentum=0.9; adam", see optim::parseOptimizerSpecs) and steps.
  void setRacers(const QString& specs);
  void setRaceSteps(int steps);

  bool isRunning() const { return progress_ != nullptr; }
  const LandscapeResult* result() const { return shown_ ? &*shown_ : nullptr; }
  const AnalysisSource* source() const { return source_.get(); }  // what the next Compute analyses
  QString statusText() const;
  // What the tabs draw of the shown result: the grid's points (a, b, loss, accuracy), each path's
  // points in the plane, the line's (a = t) and a race's losses per step (a = step).
  QString csv() const;
  HeatmapPlot* plot() const { return plot_; }
  QLineSeries* lineSeries() const { return lineLoss_; }
  QChart* raceChart() const { return raceChart_; }
  QTabWidget* tabs() const { return tabs_; }
  QProgressBar* progressBar() const { return progressBar_; }

 public slots:
  void compute();
  void cancel();

 signals:
  void finished();  // a computation ended: shown, cancelled or failed (statusText says which)

 protected:
  void changeEvent(QEvent* event) override;

 private:
  void showResult(const LandscapeResult& result, const LandscapeRequest& request);
  void showLine(const LandscapeResult& result);
  void setLineTabShown(bool shown);
  void setRaceTabShown(bool shown);
  QString raceSummary(const LandscapeResult& result) const;
  QString runSetSummary(const LandscapeResult& result) const;
  void showRaceLosses(const LandscapeResult& result);
  void setRunning(bool running);
  void updatePlaneChoices();
  void planeChosen();
  void styleChart();

  std::shared_ptr<const AnalysisSource> source_;
  std::shared_ptr<JobProgress> progress_;  // of the running computation
  std::optional<LandscapeResult> shown_;

  QSpinBox* grid_;
  QDoubleSpinBox* range_;
  QSpinBox* samples_;
  QComboBox* plane_;
  QSpinBox* seed_;
  QWidget* raceRow_;
  QLineEdit* racers_;
  QSpinBox* raceSteps_;
  QPushButton* computeButton_;
  QPushButton* cancelButton_;
  QProgressBar* progressBar_;
  QLabel* status_;
  QTabWidget* tabs_;
  HeatmapPlot* plot_;
  QChart* chart_;
  QLineSeries* lineLoss_;
  QLineSeries* lineAccuracy_;
  QValueAxis* lineLossAxis_;
  QChart* raceChart_;  // training loss per step of each optimizer of a race
  QTimer* poll_;
  QFutureWatcher<LandscapeResult>* watcher_ = nullptr;
};

}  // namespace gradlab::ui

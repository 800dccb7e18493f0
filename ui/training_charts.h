#pragma once
// Loss and accuracy as training goes: every step's training value (faint), its moving average
// (bold) and each validation pass (dots). Records arrive in bursts from snapshots; the charts
// redraw at most 30 times a second, so a fast run never floods the UI thread.
#include "persist/experiment.h"
#include "train/run.h"

#include <QWidget>

#include <vector>

class QChart;
class QChartView;
class QLineSeries;
class QScatterSeries;
class QValueAxis;
class QLogValueAxis;
class QCheckBox;
class QLabel;
class QTimer;

namespace gradlab::ui {

class TrainingCharts : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingCharts(QWidget* parent = nullptr);

  // The run and generation shown (Snapshot::runId, generation): add() drops snapshots of any
  // other, such as records from before a reset still on their way. What is shown stays.
  void follow(uint64_t runId, uint64_t generation);
  void add(const train::Snapshot& snapshot);
  void clear();  // every curve and every running average
  // A saved experiment's curves (a run that continues them adds after), and the curves so far to save.
  void setHistory(const std::vector<persist::MetricPoint>& training, const std::vector<persist::MetricPoint>& validation);
  std::vector<persist::MetricPoint> trainingHistory() const;
  std::vector<persist::MetricPoint> validationHistory() const;
  size_t lossPoints() const { return steps_.size(); }  // training steps plotted
  size_t validationPoints() const { return validationSteps_.size(); }
  // The axes as drawn, for tests: the loss axis in log10 units when lossAxisIsLog().
  std::pair<double, double> lossAxisRange() const;
  std::pair<double, double> accuracyAxisRange() const;
  bool lossAxisIsLog() const;
  QString lossAxisNote() const;  // why the loss axis went log by itself; empty when it did not

 private:
  struct Panel {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QLineSeries *raw = nullptr, *smooth = nullptr;
    QScatterSeries* validation = nullptr;
    QValueAxis* x = nullptr;
    QValueAxis* y = nullptr;
  };
  Panel makePanel(const QString& title, const QString& unit);
  // True when the losses span so many decades (a diverging run) that a linear axis would flatten
  // every other value to zero; `note` then says so.
  bool lossesNeedLogAxis(QString* note) const;
  void redraw();
  void append(const std::vector<train::StepRecord>& records);

  Panel loss_, accuracy_;
  QCheckBox* logScale_ = nullptr;
  QLabel* logNote_ = nullptr;
  QTimer* redrawTimer_ = nullptr;
  bool dirty_ = false;
  std::vector<double> steps_, losses_, accuracies_, smoothLoss_, smoothAccuracy_;
  std::vector<double> validationSteps_, validationLoss_, validationAccuracy_;
  double emaLoss_ = 0, emaAccuracy_ = 0;
  uint64_t runId_ = 0, generation_ = 0;  // what add() accepts
};

}  // namespace gradlab::ui

#pragma once
// What the probes find inside the optimizer and the normalisation (train/internals.h), over the
// run's probe steps, every visible run of a comparison in its colour and line style:
// - the optimizer's state for one parameter tensor: the RMS of m, sqrt(v), the step it took, the
//   friction, the velocity... (chosen above the chart), with the latest bias corrections and
//   RAdam's r_t written under it;
// - one BatchNorm channel's batch mean (thin) against its running mean (thick);
// - the same batch's loss in training mode (thick) and evaluation mode (thin);
// - the distinct units of each layer, in % of its units: 100% when every unit is its own, 1 unit
//   when a constant initialisation left them all alike.
// A report of an earlier step (a moment of the timeline) draws the run's history up to that step.
#include "train/internals.h"
#include "train/probes.h"
#include "views/run_style.h"

#include <QWidget>

#include <map>
#include <memory>

class QBarCategoryAxis;
class QBarSeries;
class QChart;
class QChartView;
class QComboBox;
class QLabel;
class QSpinBox;
class QTimer;
class QValueAxis;

namespace gradlab::ui {

class InternalsView : public QWidget {
  Q_OBJECT
 public:
  explicit InternalsView(QWidget* parent = nullptr);

  // A probe report of run `member`; one without internals (or null) changes nothing.
  void setReport(std::shared_ptr<const train::ProbeReport> report, uint32_t member = 0);
  void setRunStyles(const RunStyles& styles);
  void clear();    // every run's history
  void refresh();  // draws what it was given now (the timer does it otherwise, while shown)
  // Per run and probe step: the quantities the four charts draw, then the distinct units by layer.
  QString csv() const;

  // For tests.
  enum Chart { Optimizer, BatchNorm, ModeGap, Distinct };
  const QChartView* chartView(Chart chart) const;
  std::pair<double, double> yRange(Chart chart) const;
  QStringList chartTexts() const;  // titles, axis labels, legends, the readout under the charts
  QString readout() const;         // bias corrections and r_t of the latest step
  void choose(const QString& tensor, const QString& quantity);

 private:
  struct Panel {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QValueAxis *x = nullptr, *y = nullptr;
  };
  Panel makePanel(const QString& title, const QString& yTitle);
  // The history of `member` up to the step it shows, oldest first.
  std::vector<const train::InternalsReport*> shown(uint32_t member, std::vector<uint64_t>* steps) const;
  void updateChoices();
  void drawOptimizer();
  void drawBatchNorm();
  void drawModeGap();
  void drawDistinct();
  void fitY(Panel& panel, double lo, double hi, uint64_t lastStep);

  // The internals alone (a report may carry megabytes of weights), thinned to kMaxHistory a run by
  // dropping every other one, the latest always kept.
  static constexpr size_t kMaxHistory = 512;
  struct History {
    std::map<uint64_t, std::shared_ptr<const train::InternalsReport>> reports;  // by step
    uint64_t shownStep = 0;
  };
  std::map<uint32_t, History> runs_;  // by member
  RunStyles styles_;
  bool dirty_ = false;
  Panel optimizer_, batchNorm_, modeGap_;
  QChart* distinctChart_ = nullptr;
  QChartView* distinctView_ = nullptr;
  QBarSeries* bars_ = nullptr;
  QBarCategoryAxis* layers_ = nullptr;
  QValueAxis* percent_ = nullptr;
  QComboBox *tensor_ = nullptr, *quantity_ = nullptr, *bnLayer_ = nullptr;
  QSpinBox* channel_ = nullptr;
  QLabel* readout_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

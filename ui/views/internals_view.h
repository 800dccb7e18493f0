#pragma once
// What the probes find inside the optimizer and the normalisation (train/internals.h), over the
// run's probe steps, every visible run of a comparison in its colour and line style:
// - the optimizer's state for one parameter tensor: the RMS of m, sqrt(v), the step it took (thick)
//   beside the step without Adam's bias corrections (thin), the friction, the velocity... (chosen
//   above the chart), or RAdam's r_t over the steps, with the latest bias corrections written under
//   it; a run without the chosen second moment draws its own (Adam's v beside AdaBelief's s);
// - that tensor's histograms of m (SGD: the velocity), sqrt(v) (AdaBelief: sqrt(s)) and the step at
//   the shown step, a row per run in its colour, each column on one axis;
// - one BatchNorm channel's batch mean or variance (thin; the variance unbiased, as the running one
//   averages it) against its running one (thick);
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
#include <vector>

class QBarCategoryAxis;
class QBarSeries;
class QChart;
class QChartView;
class QComboBox;
class QGridLayout;
class QLabel;
class QSpinBox;
class QTimer;
class QValueAxis;

namespace gradlab::ui {

class HistogramPanel;

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
  void chooseBatchNorm(const QString& layer, int channel, bool variance);
  // The histogram strip: a row per shown run, a column per quantity (m, sqrt(v), step).
  static constexpr int kHistogramColumns = 3;
  int histogramRows() const { return int(histogramPanels_.size()) / kHistogramColumns; }
  const HistogramPanel& histogramPanel(int row, int column) const;
  static QString rectificationChoice();  // the quantity item that draws RAdam's r_t

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
  void drawHistograms();
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
  QComboBox *tensor_ = nullptr, *quantity_ = nullptr, *bnLayer_ = nullptr, *bnStatistic_ = nullptr;
  QWidget* histogramStrip_ = nullptr;
  QGridLayout* histogramGrid_ = nullptr;
  std::vector<HistogramPanel*> histogramPanels_;
  QSpinBox* channel_ = nullptr;
  QLabel* readout_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

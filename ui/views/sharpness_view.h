#pragma once
// Sharpness over the steps: the top Hessian eigenvalue lambda_max of each run's training loss, as
// its probes measure it (analysis/sharpness_probe.h), with each run's stability limit dashed in the
// same colour: 2 / lr for plain GD, (2 + 2 beta) / lr with heavy-ball momentum beta, as its optimizer
// sets it (analysis/sharpness_limit.h; for adaptive optimizers 2 / lr, labelled as no limit of
// theirs). Gradient descent on a quadratic diverges along any direction whose curvature exceeds the
// limit; with full-batch GD the sharpness of a network rises until it reaches that line and then
// hovers there (Cohen et al. 2021, "the edge of stability").
//
// Measuring costs 40 gradient passes per probe, so the view asks for it only while shown
// (measuringWanted) and says what each measurement costs.
#include "analysis/sharpness_limit.h"
#include "train/probes.h"
#include "views/run_readings.h"
#include "views/run_style.h"

#include <QWidget>

#include <map>
#include <memory>
#include <optional>
#include <vector>

class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QValueAxis;

namespace gradlab::ui {

class SharpnessView : public QWidget {
  Q_OBJECT
 public:
  explicit SharpnessView(QWidget* parent = nullptr);

  // A probe report of run `member`; one without a sharpness reading changes nothing. A report at
  // or before a step already shown starts that run's curve again (a reset run).
  void addReport(const train::ProbeReport& report, uint32_t member = 0);
  // How run `member`'s optimizer sets its limit (analysis::stabilityRule of its settings); a run
  // without one is drawn at plain SGD's 2 / lr.
  void setStabilityRule(uint32_t member, const analysis::StabilityRule& rule);
  void setRunStyles(const RunStyles& styles);
  void clear();
  // The timeline: each run's readings up to its step at that moment, then all of them again.
  void showMoment(const std::map<uint32_t, uint64_t>& steps);
  void showLive();
  // What the chart draws, one row per reading and run.
  QString csv() const;

  // For tests: the chart's series of the `run`-th run drawn, its axes, its texts and its view.
  QList<QPointF> sharpnessPoints(int run = 0) const;
  QList<QPointF> limitPoints(int run = 0) const;
  QString limitName(int run = 0) const;
  std::pair<double, double> xRange() const;
  std::pair<double, double> yRange() const;
  QStringList chartTexts() const;
  QString costText() const;
  const QChartView* chartView() const { return view_; }

 signals:
  // True while the view is shown: the run should measure the sharpness at its probes.
  void measuringWanted(bool on);

 protected:
  void showEvent(QShowEvent* event) override;
  void hideEvent(QHideEvent* event) override;

 private:
  struct Reading {
    uint64_t step = 0;
    train::SharpnessReading value;
  };
  struct RunSeries {
    QLineSeries *sharpness = nullptr, *limit = nullptr;
  };
  void draw();
  void makeSeries(size_t count);
  const analysis::StabilityRule& ruleOf(uint32_t member) const;

  RunReadings<Reading> readings_;
  std::map<uint32_t, analysis::StabilityRule> rules_;  // by member
  RunStyles styles_;
  QChart* chart_ = nullptr;
  QChartView* view_ = nullptr;
  QValueAxis *x_ = nullptr, *y_ = nullptr;
  std::vector<RunSeries> series_;  // per run drawn
  QLabel* cost_ = nullptr;
};

}  // namespace gradlab::ui

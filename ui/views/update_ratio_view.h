#pragma once
// The size of each step relative to the weights, per weight tensor over the steps:
// |theta_t - theta_{t-1}| / |theta_t|, as the probes measure it (train::ParameterProbe). The
// lectures' rule of thumb puts a healthy step near 1e-3 of the weights: far below, the layer
// barely learns (the learning rate is too small for it); far above, it is being thrown around.
// That band, half a decade either side of 1e-3, is shaded and labelled. Log scale.
//
// Alone, each tensor has its own colour; in a comparison each run's tensors take the run's colour,
// darker for deeper layers, with the runs named under the chart.
#include "train/probes.h"
#include "views/run_readings.h"
#include "views/run_style.h"

#include <QWidget>

#include <map>
#include <optional>
#include <string>
#include <vector>

class QAreaSeries;
class QChart;
class QChartView;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QValueAxis;

namespace gradlab::ui {

// The rule of thumb's band: 10^-3.5 .. 10^-2.5.
inline constexpr double kUpdateRatioBandLow = 3.1622776601683795e-4, kUpdateRatioBandHigh = 3.1622776601683795e-3;

class UpdateRatioView : public QWidget {
  Q_OBJECT
 public:
  explicit UpdateRatioView(QWidget* parent = nullptr);

  // A probe report of run `member`; one at or before a step already shown starts that run again.
  void addReport(const train::ProbeReport& report, uint32_t member = 0);
  void setRunStyles(const RunStyles& styles);
  void clear();
  void showMoment(const std::map<uint32_t, uint64_t>& steps);
  void showLive();
  QString csv() const;

  // For tests: the weight tensors of the `run`-th run drawn, and the points of its `tensor`-th line.
  QStringList tensors(int run = 0) const;
  QList<QPointF> ratioPoints(int run, int tensor) const;
  QColor lineColour(int run, int tensor) const;
  std::pair<double, double> yRange() const;
  std::pair<double, double> bandRange() const;  // the shaded band as drawn
  QStringList chartTexts() const;
  const QChartView* chartView() const { return view_; }

 private:
  struct Reading {
    uint64_t step = 0;
    std::vector<std::pair<std::string, double>> ratios;  // weight tensor, ratio
  };
  void draw();
  QLineSeries* line(size_t index);

  RunReadings<Reading> readings_;
  RunStyles styles_;
  QChart* chart_ = nullptr;
  QChartView* view_ = nullptr;
  QValueAxis* x_ = nullptr;
  QLogValueAxis* y_ = nullptr;
  QLineSeries *bandLow_ = nullptr, *bandHigh_ = nullptr;
  QAreaSeries* band_ = nullptr;
  std::vector<QLineSeries*> lines_;          // reused across draws; those beyond the count are hidden
  std::vector<std::vector<size_t>> lineOf_;  // per run drawn, per tensor: its index in lines_
  std::vector<QStringList> tensors_;         // per run drawn
  QLabel* runLegend_ = nullptr;
};

}  // namespace gradlab::ui

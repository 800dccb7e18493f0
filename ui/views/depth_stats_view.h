#pragma once
// The network's insides against depth: mean and standard deviation of each layer's activations
// and of the gradients reaching it (a log scale shows gradients vanishing or exploding layer by
// layer), and the fraction of dead units (a ReLU's exact zeros) and saturated units (a tanh's or
// sigmoid's near their limits) per layer as bars; other layers have neither.
//
// The runs of a comparison are overlaid, each in its colour and line style (thick: std, thin:
// mean; bars solid: dead, hatched: saturated), named once in a legend under the charts.
//
// Over the measured activation std, dashed, the std the initialisation theory predicts for each
// run's network (analysis/init_theory.h), and over the measured gradient std the gradient std it
// predicts back from the measured one at the deepest layer the theory reaches: where the two part
// at step 0, the theory's assumptions fail; as training goes on, the measured line leaves the
// prediction.
#include "analysis/init_theory.h"
#include "train/probes.h"
#include "views/run_style.h"

#include <QWidget>

#include <map>
#include <memory>
#include <utility>
#include <vector>

class QBarSeries;
class QBarSet;
class QCategoryAxis;
class QChart;
class QChartView;
class QCheckBox;
class QLabel;
class QLineSeries;
class QLogValueAxis;
class QTimer;
class QValueAxis;

namespace gradlab::ui {

class DepthStatsView : public QWidget {
  Q_OBJECT
 public:
  explicit DepthStatsView(QWidget* parent = nullptr);

  // The report of run `member` of the set (Snapshot::member); null forgets it.
  void setReport(std::shared_ptr<const train::ProbeReport> report, uint32_t member = 0);
  // The predicted activations of run `member`'s network at initialisation, by layer name.
  void setPrediction(std::vector<analysis::PredictedLayer> layers, uint32_t member = 0);
  // The runs to overlay. Without styles, or with one, that run alone in the view's own colours.
  void setRunStyles(const RunStyles& styles);
  void clear();  // every run's report
  void setGradientLogScale(bool on);
  void refresh();  // applies a pending report now (the timer does it otherwise, while shown)
  // What the charts draw: per run and layer (in depth order), the statistics each series plots.
  QString csv() const;

  // For tests: what the charts show, of the `run`-th run drawn.
  int layerCount() const { return layers_; }
  int runCount() const { return int(series_.size()); }
  QList<QPointF> activationStd(int run = 0) const;
  QList<QPointF> gradientStd(int run = 0) const;
  QList<QPointF> predictedStd(int run = 0) const;
  QList<QPointF> predictedGradientStd(int run = 0) const;
  QList<qreal> deadPercent(int run = 0) const;
  // The runs' legend under the charts (comparisons only; empty otherwise).
  QString runLegend() const;
  // The y-range of the gradient chart's std axis (the log one when it is on).
  std::pair<double, double> gradientAxisRange() const;
  // Every text the charts show (titles, tick labels, legends), to check that none is elided.
  QStringList chartTexts() const;
  // The chart views, for screenshot tests: activations, gradients, dead and saturated units.
  const QChartView* chartView(int index) const;

 protected:
  void showEvent(QShowEvent* event) override;

 private:
  struct Panel {
    QChart* chart = nullptr;
    QChartView* view = nullptr;
    QCategoryAxis* x = nullptr;  // layer names at every k-th layer, so they never crowd
    QValueAxis* y = nullptr;
    int every = 0;  // k, as the plot's width allows
  };
  Panel makePanel(const QString& title);
  void nameLayers(Panel& panel, bool namesChanged);
  // One run's series in the three charts.
  struct RunSeries {
    QLineSeries *activationMean = nullptr, *activationStd = nullptr;
    QLineSeries *gradientMean = nullptr, *gradientStd = nullptr;
    QBarSet *dead = nullptr, *saturated = nullptr;
    QLineSeries* predicted = nullptr;          // the init theory's activation std
    QLineSeries* predictedGradient = nullptr;  // and its gradient std
  };
  void makeSeries(size_t count);
  void attachGradient(const RunSeries& run);                       // to the linear or the log axis, as chosen
  void styleSeries(const RunSeries& series, const RunStyle* run);  // null: the look of a run alone
  void draw();
  static QStringList layerNames(const std::vector<const train::ProbeReport*>& reports);
  void fillSeries(const RunSeries& series, const train::ProbeReport* report, const QStringList& names);
  void fillPrediction(const RunSeries& series, uint32_t member, const train::ProbeReport* report,
                      const QStringList& names) const;
  // The gradient std the theory predicts for run `member` back from `report`'s measured gradients.
  std::vector<analysis::PredictedGradient> predictedGradients(uint32_t member, const train::ProbeReport& report) const;
  void showRunLegend(const RunStyles& runs, const QString& differentSteps);

  std::map<uint32_t, std::shared_ptr<const train::ProbeReport>> reports_;  // by member
  std::map<uint32_t, std::vector<analysis::PredictedLayer>> predictions_;  // by member
  RunStyles styles_;
  bool dirty_ = false;
  int layers_ = 0;
  QStringList names_;  // the layers the x-axes are labelled with
  Panel activations_, gradients_, fractions_;
  std::vector<RunSeries> series_;  // per run drawn
  QLogValueAxis* gradientLogAxis_ = nullptr;
  QBarSeries* bars_ = nullptr;
  QLabel* runLegend_ = nullptr;
  QCheckBox* logScale_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

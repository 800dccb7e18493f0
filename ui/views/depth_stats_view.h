#pragma once
// The network's insides against depth: mean and standard deviation of each layer's activations
// and of the gradients reaching it (a log scale shows gradients vanishing or exploding layer by
// layer), and the fraction of dead units (a ReLU's exact zeros) and saturated units (a tanh's or
// sigmoid's near their limits) per layer as bars; other layers have neither.
#include "train/probes.h"

#include <QWidget>

#include <memory>
#include <utility>

class QBarSeries;
class QBarSet;
class QCategoryAxis;
class QChart;
class QChartView;
class QCheckBox;
class QLineSeries;
class QLogValueAxis;
class QTimer;
class QValueAxis;

namespace gradlab::ui {

class DepthStatsView : public QWidget {
  Q_OBJECT
 public:
  explicit DepthStatsView(QWidget* parent = nullptr);

  void setReport(std::shared_ptr<const train::ProbeReport> report);
  void setGradientLogScale(bool on);
  void refresh();  // applies a pending report now (the timer does it otherwise, while shown)

  // For tests: what the charts show.
  int layerCount() const { return layers_; }
  QList<QPointF> activationStd() const;
  QList<QPointF> gradientStd() const;
  QList<qreal> deadPercent() const;
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
  void draw();

  std::shared_ptr<const train::ProbeReport> report_;
  bool dirty_ = false;
  int layers_ = 0;
  QStringList names_;  // the layers the x-axes are labelled with
  Panel activations_, gradients_, fractions_;
  QLineSeries *activationMean_ = nullptr, *activationStd_ = nullptr;
  QLineSeries *gradientMean_ = nullptr, *gradientStd_ = nullptr;
  QLogValueAxis* gradientLogAxis_ = nullptr;
  QBarSeries* bars_ = nullptr;
  QBarSet *zero_ = nullptr, *saturated_ = nullptr;
  QCheckBox* logScale_ = nullptr;
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

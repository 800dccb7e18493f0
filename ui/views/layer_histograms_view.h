#pragma once
// Small multiples of the network's insides: one histogram per layer, in forward order, of its
// activations or of the loss's gradient with respect to them (the lecture figure of a deep tanh
// net whose activations collapse or saturate layer by layer). Panels share one x-axis by default,
// so a distribution shrinking towards zero is seen shrinking; a layer whose values span under
// 1/kOwnAxisBelow of the shared range would be a line there, so it gets its own axis, marked in
// the panel and counted in the caption. Reports arrive from the run's snapshots; the view
// repaints at most 30 times a second.
#include "train/probes.h"

#include <QRectF>
#include <QStringList>
#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QPainter;
class QTimer;

namespace gradlab::ui {

class HistogramPanel : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramPanel(QWidget* parent = nullptr);

  // The layer's statistics and the x-range to draw them on: a shared one, or its own (`ownAxis`,
  // marked in the panel). A range that is empty or not finite is widened to a readable one.
  void set(const QString& title, const train::TensorStats& stats, double lo, double hi, bool ownAxis = false);
  // What an empty panel says instead of a histogram.
  void setEmptyText(const QString& text) { emptyText_ = text; }
  QString title() const { return title_; }
  int binCount() const { return int(stats_.histogram.size()); }
  uint64_t sampleCount() const { return stats_.count; }
  const train::TensorStats& stats() const { return stats_; }
  // For tests: the x-range drawn, whether it is the panel's own, its labels, the plot's rectangle
  // and the texts the last paint had to shorten to fit.
  double axisMin() const { return lo_; }
  double axisMax() const { return hi_; }
  bool ownAxis() const { return ownAxis_; }
  QStringList axisLabels() const;
  QRectF plotRect() const;
  const QStringList& elidedTexts() const { return elided_; }

  QSize sizeHint() const override { return {220, 150}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  QString statsLine() const;
  void drawBars(QPainter& p, const QRectF& plot);

  QString title_, emptyText_;
  train::TensorStats stats_;
  double lo_ = 0, hi_ = 1;
  bool ownAxis_ = false;
  QStringList elided_;
};

class LayerHistogramsView : public QWidget {
  Q_OBJECT
 public:
  explicit LayerHistogramsView(QWidget* parent = nullptr);

  void setReport(std::shared_ptr<const train::ProbeReport> report);
  void setShowGradients(bool gradients);
  bool showsGradients() const;
  void clear();

  // For tests and the lead's wiring: the panels as drawn now.
  static constexpr double kOwnAxisBelow = 10;
  int panelCount() const { return int(panels_.size()); }
  QString caption() const;
  const HistogramPanel& panel(int i) const { return *panels_.at(size_t(i)); }
  void refresh();  // applies a pending report now (the timer does it otherwise)

 private:
  std::shared_ptr<const train::ProbeReport> report_;
  bool dirty_ = false;
  QComboBox* quantity_ = nullptr;
  QCheckBox* sharedAxis_ = nullptr;
  QLabel* caption_ = nullptr;
  QWidget* grid_ = nullptr;
  QGridLayout* gridLayout_ = nullptr;
  std::vector<HistogramPanel*> panels_;
  int ownAxes_ = 0;  // panels on their own axis while the axis is shared
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

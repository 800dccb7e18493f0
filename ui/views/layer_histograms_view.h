#pragma once
// Small multiples of the network's insides: one histogram per layer, in forward order, of its
// activations or of the loss's gradient with respect to them (the lecture figure of a deep tanh
// net whose activations collapse or saturate layer by layer). Panels share one x-axis by default,
// so a distribution shrinking towards zero is seen shrinking; a layer whose values span under
// 1/kOwnAxisBelow of the shared range would be a line there, so it gets its own axis, marked in
// the panel and counted in the caption. Reports arrive from the run's snapshots; the view
// repaints at most 30 times a second.
//
// The runs of a comparison are side by side: one row per layer, one column per visible run, its
// bars in the run's colour under a header with its legend. A row's panels draw the same bins on
// the same axis (the union of the runs' ranges for that layer), so a run whose values collapse
// or spread is seen doing so next to the others.
#include "train/probes.h"
#include "views/run_style.h"

#include <QRectF>
#include <QStringList>
#include <QWidget>

#include <map>
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
  // Bars in this colour (invalid: the palette's highlight).
  void setBarColor(const QColor& colour);
  // Bins spanning the axis instead of the tensor's own [min, max]: panels on one axis then draw
  // the same bins (the counts are spread over them, each source bin's evenly over its width).
  void setBinsOnAxis(bool onAxis);
  bool binsOnAxis() const { return binsOnAxis_; }
  // The counts as the bars draw them, over [binMin, binMax] in equal bins.
  std::vector<float> drawnBins() const;
  double binMin() const { return binsOnAxis_ ? lo_ : stats_.min; }
  double binMax() const { return binsOnAxis_ ? hi_ : stats_.max; }
  QColor barColor() const;
  // What an empty panel says instead of a histogram.
  void setEmptyText(const QString& text) { emptyText_ = text; }
  QString emptyText() const { return emptyText_; }
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
  bool ownAxis_ = false, binsOnAxis_ = false;
  QColor barColor_;
  QStringList elided_;
};

class LayerHistogramsView : public QWidget {
  Q_OBJECT
 public:
  explicit LayerHistogramsView(QWidget* parent = nullptr);

  // The report of run `member` of the set (Snapshot::member); null forgets it.
  void setReport(std::shared_ptr<const train::ProbeReport> report, uint32_t member = 0);
  // The runs to draw side by side. Without styles, or with one, member 0's report (or the one
  // style's member) fills the grid alone, as for a run trained by itself.
  void setRunStyles(const RunStyles& styles);
  void setShowGradients(bool gradients);
  bool showsGradients() const;
  void clear();

  // For tests and the lead's wiring: the panels as drawn now, row by row (a row is a layer, a
  // column a run; alone, a run's layers fill the rows kColumns at a time).
  static constexpr double kOwnAxisBelow = 10;
  int panelCount() const { return int(panels_.size()); }
  int columnCount() const { return columns_; }
  QString caption() const;
  const HistogramPanel& panel(int i) const { return *panels_.at(size_t(i)); }
  const HistogramPanel& panel(int row, int column) const { return panel(row * columns_ + column); }
  // The runs' column headers (comparisons only), in column order.
  std::vector<const QLabel*> headers() const { return {headers_.begin(), headers_.end()}; }
  void refresh();  // applies a pending report now (the timer does it otherwise)
  // What the panels draw: per run and layer, each bar's range and count.
  QString csv() const;

 private:
  struct Row;
  std::vector<Row> rowsOf(const RunStyles& runs, bool gradients) const;
  void layOut(size_t rows, const RunStyles& runs, bool comparing);
  QString captionFor(const RunStyles& runs, size_t layers, bool gradients) const;

  std::map<uint32_t, std::shared_ptr<const train::ProbeReport>> reports_;  // by member
  RunStyles styles_;
  bool dirty_ = false;
  QComboBox* quantity_ = nullptr;
  QCheckBox* sharedAxis_ = nullptr;
  QLabel* caption_ = nullptr;
  QWidget* grid_ = nullptr;
  QGridLayout* gridLayout_ = nullptr;
  std::vector<HistogramPanel*> panels_;
  std::vector<QLabel*> headers_;
  int columns_ = 1;         // runs side by side (1 alone)
  bool comparing_ = false;  // the grid's layout: runs in columns
  int ownAxes_ = 0;         // panels on their own axis while the axis is shared
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

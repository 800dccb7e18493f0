#pragma once
// Small multiples of the network's insides: one histogram per layer, in forward order, of its
// activations or of the loss's gradient with respect to them (the lecture figure of a deep tanh
// net whose activations collapse or saturate layer by layer). Panels share one x-axis by default,
// so a distribution shrinking towards zero is seen shrinking. Reports arrive from the run's
// snapshots; the view repaints at most 30 times a second.
#include "train/probes.h"

#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QGridLayout;
class QLabel;
class QTimer;

namespace gradlab::ui {

class HistogramPanel : public QWidget {
  Q_OBJECT
 public:
  explicit HistogramPanel(QWidget* parent = nullptr);

  // The layer's statistics and the x-range to draw them on (its own [min, max] or a shared one).
  void set(const QString& title, const train::TensorStats& stats, double lo, double hi);
  QString title() const { return title_; }
  int binCount() const { return int(stats_.histogram.size()); }
  uint64_t sampleCount() const { return stats_.count; }
  const train::TensorStats& stats() const { return stats_; }

  QSize sizeHint() const override { return {220, 150}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  QString title_;
  train::TensorStats stats_;
  double lo_ = 0, hi_ = 1;
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
  int panelCount() const { return int(panels_.size()); }
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
  QTimer* timer_ = nullptr;
};

}  // namespace gradlab::ui

#pragma once
// Where a network trained on a 2-D dataset draws its lines: the predicted class over a grid
// around the data as a heatmap (class colours, paler where the network is less sure) with the
// data points on top, following the run's snapshots (Snapshot::boundary) live. Data of more than
// two features has no such plane: the view says it is for 2-D inputs instead.
#include "data/dataset.h"
#include "train/decision_boundary.h"

#include <QWidget>

#include <memory>

class QTimer;

namespace gradlab::ui {

class DecisionBoundaryView : public QWidget {
  Q_OBJECT
 public:
  explicit DecisionBoundaryView(QWidget* parent = nullptr);

  void setData(std::shared_ptr<const data::Dataset> data);  // 2-D points to draw on top
  void setBoundary(std::shared_ptr<const train::DecisionBoundary> boundary);
  void clear();

  const train::DecisionBoundary* boundary() const { return boundary_.get(); }
  // Where input-plane point (x, y) is drawn, and the plot's rectangle (for tests).
  QPointF toWidget(double x, double y) const;
  QRectF plotRect() const;
  // The heatmap colour of a class at a confidence (background-blended, theme-aware).
  QColor cellColor(uint32_t cls, double confidence, uint32_t classes) const;
  QString titleText() const;
  // Why there is no plot (data that is not 2-D), drawn in its place; empty when there is one.
  QString message() const;
  // The texts the last paint had to shorten ("…") to fit.
  const QStringList& elidedLabels() const { return elided_; }

  QSize sizeHint() const override { return {460, 460}; }

 protected:
  void paintEvent(QPaintEvent*) override;
  void changeEvent(QEvent* event) override;  // a theme change re-blends the cells

 private:
  train::GridExtent extent() const;
  void makeImage();
  std::shared_ptr<const data::Dataset> data_;
  std::shared_ptr<const train::DecisionBoundary> boundary_;
  QImage image_;  // the boundary as G x G pixels, made once per boundary
  bool dirty_ = false;
  QTimer* timer_ = nullptr;
  QStringList elided_;
};

}  // namespace gradlab::ui

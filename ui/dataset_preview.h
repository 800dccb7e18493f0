#pragma once
// A glance at the training data beside the training settings: a grid of sample images with their
// class names for image datasets, a scatter plot coloured by class for 2-D sets. It paints the
// dataset it was given and never reads files itself.
#include "data/dataset.h"

#include <QWidget>

#include <memory>

namespace gradlab::ui {

class DatasetPreview : public QWidget {
  Q_OBJECT
 public:
  explicit DatasetPreview(QWidget* parent = nullptr);

  void setDataset(std::shared_ptr<const data::Dataset> dataset);
  const data::Dataset* dataset() const { return dataset_.get(); }
  QSize sizeHint() const override { return {260, 150}; }

 protected:
  void paintEvent(QPaintEvent* event) override;

 private:
  void paintImages(class QPainter& p, const QRect& area) const;
  void paintPoints(class QPainter& p, const QRect& area) const;

  std::shared_ptr<const data::Dataset> dataset_;
};

// Distinct colours for class indices, readable on light and dark backgrounds.
QColor classColor(uint32_t index);

}  // namespace gradlab::ui

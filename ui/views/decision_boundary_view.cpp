#include "views/decision_boundary_view.h"

#include "views/color_map.h"

#include <QEvent>
#include <QPainter>
#include <QPainterPath>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

QColor blend(QColor a, QColor b, double t) {
  return QColor::fromRgbF(float(a.redF() * (1 - t) + b.redF() * t), float(a.greenF() * (1 - t) + b.greenF() * t),
                          float(a.blueF() * (1 - t) + b.blueF() * t));
}

}  // namespace

DecisionBoundaryView::DecisionBoundaryView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(240, 240);
  timer_ = new QTimer(this);
  timer_->setInterval(33);  // at most 30 repaints a second
  connect(timer_, &QTimer::timeout, this, [this] {
    if (!dirty_) return;
    dirty_ = false;
    update();
  });
  timer_->start();
}

void DecisionBoundaryView::setData(std::shared_ptr<const data::Dataset> data) {
  data_ = std::move(data);
  dirty_ = true;
}

void DecisionBoundaryView::setBoundary(std::shared_ptr<const train::DecisionBoundary> boundary) {
  boundary_ = std::move(boundary);
  makeImage();
  dirty_ = true;
}

void DecisionBoundaryView::makeImage() {
  image_ = QImage();
  if (boundary_ && boundary_->grid > 0) {
    const int g = int(boundary_->grid);
    image_ = QImage(g, g, QImage::Format_RGB32);
    for (int i = 0; i < g; ++i)
      for (int j = 0; j < g; ++j) {
        const size_t c = size_t(i) * g + j;
        image_.setPixel(j, g - 1 - i, cellColor(boundary_->cellClass[c], boundary_->confidence[c], boundary_->classes).rgb());
      }
  }
}

void DecisionBoundaryView::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) {
    makeImage();
    update();
  }
}

void DecisionBoundaryView::clear() {
  boundary_.reset();
  image_ = QImage();
  dirty_ = true;
}

QColor DecisionBoundaryView::cellColor(uint32_t cls, double confidence, uint32_t classes) const {
  // Confidence 1/classes (a guess) is the background; certainty is the class colour at 70%.
  const double chance = 1.0 / std::max(classes, 2u);
  const double t = std::clamp((confidence - chance) / (1 - chance), 0.0, 1.0);
  return blend(palette().color(QPalette::Base), categoryColor(cls), 0.12 + 0.58 * t);
}

train::GridExtent DecisionBoundaryView::extent() const {
  if (boundary_) return boundary_->extent;
  if (data_ && data_->sampleSize() == 2 && data_->size() > 0) return train::extentOf(*data_);
  return {};
}

QRectF DecisionBoundaryView::plotRect() const {
  const int label = fontMetrics().height();
  const QRectF area = QRectF(rect()).adjusted(label * 4, label * 1.6, -label, -label * 2);
  // Equal units on both axes, so circles look like circles.
  const auto e = extent();
  const double aspect = (e.yMax - e.yMin) / (e.xMax - e.xMin);
  double w = area.width(), h = w * aspect;
  if (h > area.height()) h = area.height(), w = h / aspect;
  return QRectF(area.left() + (area.width() - w) / 2, area.top() + (area.height() - h) / 2, w, h);
}

QPointF DecisionBoundaryView::toWidget(double x, double y) const {
  const auto e = extent();
  const QRectF r = plotRect();
  return {r.left() + (x - e.xMin) / (e.xMax - e.xMin) * r.width(), r.bottom() - (y - e.yMin) / (e.yMax - e.yMin) * r.height()};
}

QString DecisionBoundaryView::message() const {
  if (!data_ || data_->sampleSize() == 2 || boundary_) return {};
  return tr("The decision boundary view is for networks with 2-D inputs: it colours the plane of the two input "
            "features by the predicted class. %1 has %2 values a sample. Choose a 2-D dataset (moons, spiral, …) "
            "in the Training panel to see one.")
      .arg(QString::fromStdString(data_->name))
      .arg(data_->sampleSize());
}

QString DecisionBoundaryView::titleText() const {
  const QString name = data_ ? QString::fromStdString(data_->name) : tr("Decision boundary");
  if (boundary_) return name + tr(": predicted class at step %1 (paler = less sure)").arg(boundary_->step);
  if (!message().isEmpty()) return tr("Decision boundary: for 2-D inputs only");
  return name + tr(": no boundary yet (train with the boundary view on)");
}

void DecisionBoundaryView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.window());
  elided_.clear();
  const int line = fontMetrics().height();
  const QString title = titleText();
  const QString shownTitle = fontMetrics().elidedText(title, Qt::ElideRight, width() - 8);
  if (shownTitle != title) elided_ << title;
  p.setPen(pal.color(QPalette::WindowText));
  p.drawText(QRectF(0, 2, width(), line), Qt::AlignHCenter, shownTitle);
  if (const QString why = message(); !why.isEmpty()) {
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(QRectF(rect()).adjusted(2 * line, 2 * line, -2 * line, -line), Qt::AlignCenter | Qt::TextWordWrap, why);
    return;
  }
  const QRectF plot = plotRect();
  p.fillRect(plot, pal.base());
  if (!image_.isNull()) p.drawImage(plot, image_);  // nearest-neighbour: cells stay crisp
  p.setRenderHint(QPainter::Antialiasing);
  if (data_ && data_->sampleSize() == 2) {
    p.setPen(QPen(pal.color(QPalette::Text), 0.8));
    const double r = std::clamp(plot.width() / 160, 2.0, 4.0);
    for (uint32_t s = 0; s < data_->size(); ++s) {
      p.setBrush(categoryColor(data_->labels[s]));
      p.drawEllipse(toWidget(data_->raw(s, 0), data_->raw(s, 1)), r, r);
    }
  }
  p.setRenderHint(QPainter::Antialiasing, false);
  p.setBrush(Qt::NoBrush);
  p.setPen(pal.color(QPalette::Mid));
  p.drawRect(plot);
  // Axis ends, the title line and a legend of the classes.
  const auto e = extent();
  p.setPen(pal.color(QPalette::WindowText));
  auto num = [](double v) { return QString::number(v, 'g', 3); };
  p.drawText(QRectF(plot.left(), plot.bottom() + 2, 80, line), Qt::AlignLeft, num(e.xMin));
  p.drawText(QRectF(plot.right() - 80, plot.bottom() + 2, 80, line), Qt::AlignRight, num(e.xMax));
  p.drawText(QRectF(plot.left() - 4 * line, plot.bottom() - line, 4 * line - 4, line), Qt::AlignRight, num(e.yMin));
  p.drawText(QRectF(plot.left() - 4 * line, plot.top(), 4 * line - 4, line), Qt::AlignRight, num(e.yMax));
  const uint32_t classes = boundary_ ? boundary_->classes : data_ ? data_->classes : 0;
  qreal x = plot.left();
  for (uint32_t c = 0; c < classes && c < 10; ++c) {
    const QString name = data_ && c < data_->classNames.size() ? QString::fromStdString(data_->classNames[c])
                                                                : tr("class %1").arg(c);
    const qreal y = plot.bottom() + 2 + line;
    p.fillRect(QRectF(x, y + line * 0.2, line * 0.6, line * 0.6), categoryColor(c));
    p.drawText(QPointF(x + line * 0.8, y + line * 0.8), name);
    x += line * 1.6 + fontMetrics().horizontalAdvance(name);
  }
}

}  // namespace gradlab::ui

#include "dataset_preview.h"

#include <QImage>
#include <QPainter>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {

QColor classColor(uint32_t index) {
  // Tableau 10: distinguishable, and not too light or dark for either palette.
  static const QRgb colors[] = {0x4e79a7, 0xf28e2b, 0xe15759, 0x76b7b2, 0x59a14f,
                                0xedc948, 0xb07aa1, 0xff9da7, 0x9c755f, 0xbab0ac};
  return QColor::fromRgb(colors[index % 10]);
}

DatasetPreview::DatasetPreview(QWidget* parent) : QWidget(parent) {
  setMinimumHeight(120);
  setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Preferred);
}

void DatasetPreview::setDataset(std::shared_ptr<const data::Dataset> dataset) {
  dataset_ = std::move(dataset);
  update();
}

void DatasetPreview::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QRect area = rect().adjusted(2, 2, -2, -2);
  if (!dataset_ || dataset_->size() == 0) {
    p.setPen(palette().color(QPalette::Disabled, QPalette::WindowText));
    p.drawText(area, Qt::AlignCenter | Qt::TextWordWrap, tr("The data appears here once it is loaded."));
    return;
  }
  if (dataset_->sampleShape.isImage())
    paintImages(p, area);
  else
    paintPoints(p, area);
}

// One sample of each class first (so every class is seen), then more in order, as many as fit.
void DatasetPreview::paintImages(QPainter& p, const QRect& area) const {
  const data::Dataset& d = *dataset_;
  const uint32_t channels = d.sampleShape.channels(), h = d.sampleShape.height(), w = d.sampleShape.width();
  const int label = p.fontMetrics().height();
  const int cell = std::max(32, std::min(int(h) * 2, 64));
  const int columns = std::max(1, area.width() / (cell + 4));
  const int rows = std::max(1, (area.height()) / (cell + label + 4));
  std::vector<uint32_t> picks;
  std::vector<bool> seen(std::max(d.classes, 1u), false);
  for (uint32_t i = 0; i < d.size() && picks.size() < size_t(columns * rows); ++i)
    if (d.labels[i] < seen.size() && !seen[d.labels[i]]) seen[d.labels[i]] = true, picks.push_back(i);
  for (uint32_t i = 0; i < d.size() && picks.size() < size_t(columns * rows); ++i)
    if (std::find(picks.begin(), picks.end(), i) == picks.end()) picks.push_back(i);
  std::sort(picks.begin(), picks.end(),
            [&](uint32_t a, uint32_t b) { return d.labels[a] < d.labels[b] || (d.labels[a] == d.labels[b] && a < b); });

  QFont small = p.font();
  small.setPointSizeF(std::max(6.0, small.pointSizeF() * 0.8));
  p.setFont(small);
  p.setPen(palette().color(QPalette::WindowText));
  for (size_t n = 0; n < picks.size(); ++n) {
    const uint32_t s = picks[n];
    QImage image(int(w), int(h), channels == 3 ? QImage::Format_RGB32 : QImage::Format_Grayscale8);
    for (uint32_t y = 0; y < h; ++y)
      for (uint32_t x = 0; x < w; ++x) {
        auto value = [&](uint32_t c) {
          return int(std::clamp(d.raw(s, (c * h + y) * w + x), 0.0f, 1.0f) * 255 + 0.5f);
        };
        if (channels == 3)
          image.setPixel(int(x), int(y), qRgb(value(0), value(1), value(2)));
        else
          image.scanLine(int(y))[x] = uchar(value(0));
      }
    const int column = int(n) % columns, row = int(n) / columns;
    const QRect box(area.left() + column * (cell + 4), area.top() + row * (cell + label + 4), cell, cell);
    p.drawImage(box, image);
    const QString name = s < d.labels.size() && d.labels[s] < d.classNames.size()
                             ? QString::fromStdString(d.classNames[d.labels[s]])
                             : QString::number(d.labels[s]);
    p.drawText(QRect(box.left() - 2, box.bottom() + 1, cell + 4, label), Qt::AlignHCenter | Qt::AlignTop,
               p.fontMetrics().elidedText(name, Qt::ElideRight, cell + 4));
  }
}

void DatasetPreview::paintPoints(QPainter& p, const QRect& area) const {
  const data::Dataset& d = *dataset_;
  if (d.sampleSize() < 2) return;
  double x0 = 1e300, x1 = -1e300, y0 = 1e300, y1 = -1e300;
  for (uint32_t i = 0; i < d.size(); ++i) {
    x0 = std::min(x0, double(d.raw(i, 0))), x1 = std::max(x1, double(d.raw(i, 0)));
    y0 = std::min(y0, double(d.raw(i, 1))), y1 = std::max(y1, double(d.raw(i, 1)));
  }
  const double span = std::max({x1 - x0, y1 - y0, 1e-9});
  const int side = std::min(area.width(), area.height()) - 8;
  const QRectF plot(area.center().x() - side / 2.0, area.center().y() - side / 2.0, side, side);
  p.setPen(palette().color(QPalette::Mid));
  p.drawRect(plot);
  const double cx = (x0 + x1) / 2, cy = (y0 + y1) / 2;
  for (uint32_t i = 0; i < d.size(); ++i) {
    const double x = plot.center().x() + (d.raw(i, 0) - cx) / span * (side - 8);
    const double y = plot.center().y() - (d.raw(i, 1) - cy) / span * (side - 8);
    p.setPen(Qt::NoPen);
    p.setBrush(classColor(d.labels[i]));
    p.drawEllipse(QPointF(x, y), 2.2, 2.2);
  }
}

}  // namespace gradlab::ui

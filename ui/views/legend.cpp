#include "views/legend.h"

#include <QFontMetrics>
#include <QPainter>
#include <QPalette>
#include <QPen>

#include <algorithm>

namespace gradlab::ui {
namespace {

constexpr double kSwatch = 1.4;   // swatch width, in lines
constexpr double kGap = 0.4;      // swatch to name, in lines
constexpr double kSpacing = 1.2;  // between entries, in lines

}  // namespace

Legend::Legend(std::vector<LegendEntry> entries, const QFontMetrics& metrics, double width, Layout layout)
    : entries_(std::move(entries)), line_(metrics.height()) {
  const double decoration = (kSwatch + kGap) * line_;
  std::vector<std::vector<size_t>> rows(1);
  std::vector<double> rowWidths(1, 0);
  for (size_t i = 0; i < entries_.size(); ++i) {
    QString name = entries_[i].name;
    if (decoration + metrics.horizontalAdvance(name) > width) {
      name = metrics.elidedText(name, Qt::ElideRight, int(std::max(0.0, width - decoration)));
      elided_ << entries_[i].name;
    }
    shown_.push_back(name);
    const double w = decoration + metrics.horizontalAdvance(name);
    const double needed = rows.back().empty() ? w : rowWidths.back() + kSpacing * line_ + w;
    if (!rows.back().empty() && (layout == Layout::Column || needed > width))
      rows.emplace_back(), rowWidths.push_back(0);
    rowWidths.back() = rows.back().empty() ? w : rowWidths.back() + kSpacing * line_ + w;
    rows.back().push_back(i);
    rects_.emplace_back(0, (rows.size() - 1) * line_, w, line_);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    width_ = std::max(width_, rowWidths[r]);
    double x = layout == Layout::Rows ? std::max(0.0, (width - rowWidths[r]) / 2) : 0.0;
    for (size_t i : rows[r]) {
      rects_[i].moveLeft(x);
      x += rects_[i].width() + kSpacing * line_;
    }
  }
  height_ = entries_.empty() ? 0 : rows.size() * line_;
}

void Legend::draw(QPainter& p, QPointF topLeft, const QPalette& palette) const {
  p.save();
  p.setPen(palette.color(QPalette::WindowText));
  for (size_t i = 0; i < entries_.size(); ++i) {
    const QRectF r = rects_[i].translated(topLeft);
    if (entries_[i].pen == Qt::SolidLine) {
      p.fillRect(QRectF(r.left(), r.center().y() - 0.15 * line_, kSwatch * line_, 0.3 * line_), entries_[i].colour);
    } else {
      p.setPen(QPen(entries_[i].colour, 0.3 * line_, entries_[i].pen, Qt::FlatCap));
      p.drawLine(QPointF(r.left(), r.center().y()), QPointF(r.left() + kSwatch * line_, r.center().y()));
      p.setPen(palette.color(QPalette::WindowText));
    }
    p.drawText(r.adjusted((kSwatch + kGap) * line_, 0, 0, 0), Qt::AlignLeft | Qt::AlignVCenter, shown_[i]);
  }
  p.restore();
}

}  // namespace gradlab::ui

#include "analysis/heatmap_plot.h"

#include "views/contours.h"

#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

constexpr int kContourLevels = 12;
constexpr int kColourBarTicks = 6;

// Round numbers (1, 2, 5 x 10^k apart) inside [lo, hi], about `count` of them.
std::vector<double> niceTicks(double lo, double hi, int count) {
  if (!(hi > lo)) return {lo};
  const double raw = (hi - lo) / count, decade = std::pow(10.0, std::floor(std::log10(raw)));
  double step = decade;
  for (double m : {2.0, 5.0, 10.0})
    if (raw > step) step = m * decade;
  std::vector<double> ticks;
  for (double v = std::ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    ticks.push_back(std::abs(v) < step * 1e-9 ? 0.0 : v);
  return ticks;
}

QString number(double v) { return QString::number(v, 'g', 3); }

// A line drawn twice, wide and dark underneath, so it reads on every colour of the map.
// A dashed line keeps its halo solid: the dashes stand out of one dark band.
void haloLine(QPainter& p, const QPainterPath& path, const QColor& colour, double width,
              Qt::PenStyle style = Qt::SolidLine) {
  p.setBrush(Qt::NoBrush);
  p.setPen(QPen(QColor(0, 0, 0, 200), width + 1.8, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
  p.drawPath(path);
  p.setPen(QPen(colour, width, style, style == Qt::SolidLine ? Qt::RoundCap : Qt::FlatCap, Qt::RoundJoin));
  p.drawPath(path);
}

// Text on a translucent patch of the window colour, readable over the heatmap; right of `at`,
// or left of it where the text would leave `bounds`.
void label(QPainter& p, QPointF at, const QString& text, const QPalette& pal, const QRectF& bounds) {
  QRectF r = QRectF(p.fontMetrics().boundingRect(text)).adjusted(-3, -1, 3, 1).translated(at + QPointF(10, 0));
  if (r.right() > bounds.right()) r.moveRight(at.x() - 10);
  if (r.top() < bounds.top()) r.moveTop(bounds.top());
  QColor back = pal.color(QPalette::Window);
  back.setAlpha(210);
  p.fillRect(r, back);
  p.setPen(pal.color(QPalette::WindowText));
  p.drawText(r, Qt::AlignCenter, text);
}

}  // namespace

HeatmapPlot::HeatmapPlot(QWidget* parent) : QWidget(parent) { setMinimumSize(minimumSizeHint()); }

void HeatmapPlot::setField(Field field) {
  field_ = std::move(field);
  picture_ = false;
  message_.clear();
  std::vector<double> colours(field_.values.size());
  lo_ = INFINITY, hi_ = -INFINITY;
  double floor = INFINITY;  // log scale: non-positive values take the smallest positive one
  for (double v : field_.values)
    if (std::isfinite(v) && v > 0) floor = std::min(floor, v);
  for (size_t i = 0; i < colours.size(); ++i) {
    const double v = field_.values[i];
    colours[i] = !field_.log ? v : std::isfinite(v) ? std::log10(std::max(v, std::isfinite(floor) ? floor : 1e-30)) : v;
    if (std::isfinite(colours[i])) lo_ = std::min(lo_, colours[i]), hi_ = std::max(hi_, colours[i]);
  }
  if (!std::isfinite(lo_)) lo_ = 0, hi_ = 1;
  if (!(hi_ > lo_)) hi_ = lo_ + 1;
  image_ = heatmap(colours, field_.cols, field_.rows, lo_, hi_, field_.map);
  if (rowsDown_) image_ = image_.mirrored(false, true);
  contours_.clear();
  if (field_.contours && field_.cols > 1 && field_.rows > 1) {
    const double dx = (field_.x.last - field_.x.first) / (field_.cols - 1);
    const double dy = (field_.y.last - field_.y.first) / (field_.rows - 1);
    for (double level : contourLevels(lo_, hi_, kContourLevels))
      for (const QLineF& s : contourSegments(colours, field_.cols, field_.rows, level))
        contours_.emplace_back(field_.x.first + s.x1() * dx, field_.y.first + s.y1() * dy, field_.x.first + s.x2() * dx,
                               field_.y.first + s.y2() * dy);
  }
  update();
}

void HeatmapPlot::setPicture(QImage picture, const QString& xTitle, const QString& yTitle) {
  field_ = {};
  field_.cols = picture.width(), field_.rows = picture.height();
  field_.x = {0, double(picture.width() - 1), xTitle};
  field_.y = {0, double(picture.height() - 1), yTitle};
  picture_ = true;
  rowsDown_ = true;
  image_ = std::move(picture);
  contours_.clear();
  message_.clear();
  update();
}

void HeatmapPlot::clear(const QString& message) {
  image_ = QImage();
  field_ = {};
  contours_.clear();
  paths_.clear();
  markers_.clear();
  box_.reset();
  title_.clear();
  message_ = message;
  update();
}

void HeatmapPlot::setTitle(const QString& title) {
  title_ = title;
  update();
}

void HeatmapPlot::setRowsDown(bool down) { rowsDown_ = down; }

void HeatmapPlot::setEqualAspect(bool equal) {
  equalAspect_ = equal;
  update();
}

void HeatmapPlot::setPaths(std::vector<Path> paths) {
  paths_ = std::move(paths);
  update();
}

void HeatmapPlot::setLegend(bool shown) {
  legend_ = shown;
  update();
}

void HeatmapPlot::setMarkers(std::vector<Marker> markers) {
  markers_ = std::move(markers);
  update();
}

void HeatmapPlot::setBox(std::optional<QRectF> box) {
  box_ = box;
  update();
}

QRectF HeatmapPlot::extent() const {
  const double dx = field_.cols > 1 ? (field_.x.last - field_.x.first) / (field_.cols - 1) : 1;
  const double dy = field_.rows > 1 ? (field_.y.last - field_.y.first) / (field_.rows - 1) : 1;
  return QRectF(field_.x.first - dx / 2, field_.y.first - dy / 2, field_.x.last - field_.x.first + dx,
                field_.y.last - field_.y.first + dy);
}

QRectF HeatmapPlot::plotRect() const {
  const QFontMetrics fm = fontMetrics();
  const double line = fm.height(), tickWidth = fm.horizontalAdvance("-0.000");
  const double right = picture_ || image_.isNull() ? line : colourBarWidth() + 0.6 * line;
  const QRectF area = QRectF(rect()).adjusted(tickWidth + 1.8 * line, title_.isEmpty() ? 0.8 * line : 2 * line, -right,
                                              -2.8 * line - legendHeight());
  const QRectF e = extent();
  const double aspect = equalAspect_ && e.width() > 0 ? e.height() / e.width() : 1.0;
  double w = area.width(), h = w * aspect;
  if (h > area.height()) h = area.height(), w = h / aspect;
  // Centred across, at the top: right under the title.
  return QRectF(area.left() + (area.width() - w) / 2, area.top(), std::max(w, 1.0), std::max(h, 1.0));
}

Legend HeatmapPlot::pathLegend() const {
  if (!legend_ || image_.isNull()) return {};
  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < paths_.size(); ++i) entries.push_back({paths_[i].name, pathColour(i), paths_[i].pen});
  return Legend(std::move(entries), fontMetrics(), width() - 2.0 * fontMetrics().height());
}

double HeatmapPlot::legendHeight() const {
  const Legend legend = pathLegend();
  return legend.isEmpty() ? 0 : legend.height() + 0.4 * fontMetrics().height();
}

// Under the x axis's title, across the widget.
QRectF HeatmapPlot::legendRect() const {
  const Legend legend = pathLegend();
  if (legend.isEmpty()) return {};
  const double line = fontMetrics().height();
  return QRectF(line, plotRect().bottom() + 4 + 2.4 * line, width() - 2 * line, legend.height());
}

QString HeatmapPlot::fitted(const QString& text, double width) const {
  const QString shown = fontMetrics().elidedText(text, Qt::ElideRight, int(width));
  if (shown != text) elided_ << text;
  return shown;
}

QPointF HeatmapPlot::toWidget(QPointF d) const {
  const QRectF plot = plotRect(), e = extent();
  const double fx = (d.x() - e.left()) / e.width(), fy = (d.y() - e.top()) / e.height();
  return {plot.left() + fx * plot.width(),
          rowsDown_ ? plot.top() + fy * plot.height() : plot.bottom() - fy * plot.height()};
}

void HeatmapPlot::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.window());
  elided_.clear();
  const double line = fontMetrics().height();
  if (!title_.isEmpty()) {
    p.setPen(pal.color(QPalette::WindowText));
    p.drawText(QRectF(4, 0.3 * line, width() - 8, line), Qt::AlignHCenter, fitted(title_, width() - 8));
  }
  if (image_.isNull()) {
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(rect().adjusted(12, 0, -12, 0), Qt::AlignCenter | Qt::TextWordWrap, message_);
    return;
  }
  const QRectF plot = plotRect();
  p.drawImage(plot, image_);  // nearest-neighbour: each sample stays one visible cell
  p.setRenderHint(QPainter::Antialiasing);
  p.setClipRect(plot);
  p.setPen(QPen(QColor(255, 255, 255, 120), 1.0));
  for (const QLineF& s : contours_) p.drawLine(toWidget(s.p1()), toWidget(s.p2()));
  p.setClipRect(plot.adjusted(-8, -8, 8, 8));  // markers at the edge stay whole; their labels may leave the plot
  drawOverlays(p);
  p.setClipping(false);
  p.setRenderHint(QPainter::Antialiasing, false);
  p.setBrush(Qt::NoBrush);
  p.setPen(pal.color(QPalette::Mid));
  p.drawRect(plot);
  drawAxes(p, plot);
  if (!picture_) drawColourBar(p, plot);
  const Legend legend = pathLegend();
  if (!legend.isEmpty()) {
    legend.draw(p, legendRect().topLeft(), pal);
    elided_ << legend.elided();
  }
}

QColor HeatmapPlot::pathColour(size_t i) const {
  const QColor& chosen = paths_[i].colour;
  return chosen.isValid() ? chosen : i == 0 ? QColor(255, 255, 255) : categoryColor(uint32_t(i));
}

void HeatmapPlot::drawOverlays(QPainter& p) const {
  const QPalette& pal = palette();
  // Labels are not clipped, but kept over the plot.
  const auto text = [&](QPointF at, const QString& t) {
    p.save();
    p.setClipping(false);
    label(p, at, t, pal, plotRect());
    p.restore();
  };
  if (box_) {
    QPainterPath r;
    r.addRect(QRectF(toWidget(box_->topLeft()), toWidget(box_->bottomRight())).normalized());
    haloLine(p, r, QColor(255, 127, 14), 2.0);
  }
  for (size_t i = 0; i < paths_.size(); ++i) {
    const Path& path = paths_[i];
    if (path.points.empty()) continue;
    const QColor colour = pathColour(i);
    QPainterPath line;
    line.moveTo(toWidget(path.points[0]));
    for (size_t k = 1; k < path.points.size(); ++k) line.lineTo(toWidget(path.points[k]));
    haloLine(p, line, colour, path.pen == Qt::SolidLine ? 1.8 : 2.4, path.pen);
    // A ring at the start, a disc at the end.
    const QPointF start = toWidget(path.points.front()), end = toWidget(path.points.back());
    p.setPen(QPen(Qt::black, 1.2));
    p.setBrush(colour);
    p.drawEllipse(end, 4.5, 4.5);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(Qt::black, 3.6));
    p.drawEllipse(start, 6, 6);
    p.setPen(QPen(colour, 2));
    p.drawEllipse(start, 6, 6);
    if (!legend_)
      text(start + QPointF(0, -fontMetrics().height() / 2.0),
           path.name.isEmpty() ? tr("start") : path.name + tr(" start"));
  }
  for (const Marker& m : markers_) {
    const QPointF c = toWidget(m.at);
    for (auto [colour, width] : {std::pair{QColor(0, 0, 0), 4.0}, std::pair{QColor(255, 255, 255), 2.0}}) {
      p.setPen(QPen(colour, width, Qt::SolidLine, Qt::RoundCap));
      p.drawLine(c + QPointF(-6, -6), c + QPointF(6, 6));
      p.drawLine(c + QPointF(-6, 6), c + QPointF(6, -6));
    }
    if (!m.label.isEmpty()) text(c + QPointF(0, 4), m.label);
  }
}

void HeatmapPlot::drawAxes(QPainter& p, const QRectF& plot) const {
  const QPalette& pal = palette();
  const QFontMetrics fm = fontMetrics();
  const double line = fm.height();
  const QRectF e = extent();
  p.setPen(pal.color(QPalette::WindowText));
  for (double v : niceTicks(e.left(), e.right(), std::max(2, int(plot.width() / (5 * line))))) {
    const double x = toWidget({v, e.top()}).x();
    p.drawLine(QPointF(x, plot.bottom()), QPointF(x, plot.bottom() + 4));
    p.drawText(QRectF(x - 40, plot.bottom() + 4, 80, line), Qt::AlignHCenter, number(v));
  }
  for (double v : niceTicks(e.top(), e.bottom(), std::max(2, int(plot.height() / (3 * line))))) {
    const double y = toWidget({e.left(), v}).y();
    p.drawLine(QPointF(plot.left() - 4, y), QPointF(plot.left(), y));
    p.drawText(QRectF(plot.left() - 86, y - line / 2, 80, line), Qt::AlignRight | Qt::AlignVCenter, number(v));
  }
  p.drawText(QRectF(plot.left(), plot.bottom() + 4 + line, plot.width(), line), Qt::AlignHCenter,
             fitted(field_.x.title, plot.width()));
  p.save();
  p.translate(plot.left() - fm.horizontalAdvance("-0.000") - 1.4 * line, plot.center().y());
  p.rotate(-90);
  p.drawText(QRectF(-plot.height() / 2, 0, plot.height(), line), Qt::AlignHCenter,
             fitted(field_.y.title, plot.height()));
  p.restore();
}

QStringList HeatmapPlot::colourBarLabels() const {
  QStringList labels;
  for (int i = 0; i < kColourBarTicks; ++i) {
    const double c = lo_ + double(i) / (kColourBarTicks - 1) * (hi_ - lo_);
    labels << number(field_.log ? std::pow(10.0, c) : c);
  }
  return labels;
}

double HeatmapPlot::colourBarLabelWidth() const {
  int widest = 0;
  for (const QString& l : colourBarLabels()) widest = std::max(widest, fontMetrics().horizontalAdvance(l));
  return widest + 8;
}

double HeatmapPlot::colourBarWidth() const {
  const double line = fontMetrics().height();
  return 0.8 * line + 0.9 * line + 5 + colourBarLabelWidth() + 0.3 * line + line;
}

void HeatmapPlot::drawColourBar(QPainter& p, const QRectF& plot) const {
  const QPalette& pal = palette();
  const QFontMetrics fm = fontMetrics();
  const double line = fm.height();
  const QStringList labels = colourBarLabels();
  const double labelWidth = colourBarLabelWidth();
  const QRectF bar(plot.right() + 0.8 * line, plot.top(), 0.9 * line, plot.height());
  QImage strip(1, 256, QImage::Format_RGB32);
  for (int i = 0; i < 256; ++i) strip.setPixel(0, 255 - i, colorAt(field_.map, i / 255.0));
  p.drawImage(bar, strip);
  p.setPen(pal.color(QPalette::Mid));
  p.drawRect(bar);
  // Ticks evenly spaced in colour, labelled with the value they stand for (log: 10^colour).
  p.setPen(pal.color(QPalette::WindowText));
  for (int i = 0; i < kColourBarTicks; ++i) {
    const double y = bar.bottom() - double(i) / (kColourBarTicks - 1) * bar.height();
    p.drawLine(QPointF(bar.right(), y), QPointF(bar.right() + 3, y));
    p.drawText(QRectF(bar.right() + 5, y - line / 2, labelWidth, line), Qt::AlignLeft | Qt::AlignVCenter, labels[i]);
  }
  p.save();
  p.translate(bar.right() + 5 + labelWidth + line * 0.3, plot.center().y());
  p.rotate(90);
  p.drawText(QRectF(-plot.height() / 2, -line, plot.height(), line), Qt::AlignHCenter,
             fitted(field_.valueTitle + (field_.log ? tr(" (log scale)") : QString()), plot.height()));
  p.restore();
}

}  // namespace gradlab::ui

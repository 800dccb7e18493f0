#include "views/surface_view.h"

#include "export/view_export.h"
#include "views/color_map.h"
#include "views/contours.h"

#include <QMouseEvent>
#include <QPainter>
#include <QPainterPath>
#include <QTimer>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

constexpr int kSamples = 181;  // heatmap and contour grid per side
constexpr int kContourLevels = 14;
constexpr double kTick = 0.033;  // seconds between animation frames (30 Hz)

}  // namespace

SurfaceView::SurfaceView(QWidget* parent) : QWidget(parent) {
  setMinimumSize(280, 240);
  makeExportable(this, tr("Optimizer race"), [this] { return csv(); });
  setCursor(Qt::CrossCursor);
  setToolTip(tr("Click to start the optimizers from that point"));
  timer_ = new QTimer(this);
  timer_->setInterval(int(kTick * 1000));
  connect(timer_, &QTimer::timeout, this, &SurfaceView::advance);
  timer_->start();
  setFunction(surface::FunctionId::Rosenbrock);
}

void SurfaceView::setFunction(surface::FunctionId id, const surface::FunctionParams& params) {
  for (const auto& f : surface::testFunctions())
    if (f.id == id) function_ = &f;
  params_ = params;
  sample();
  update();
}

void SurfaceView::sample() {
  const auto& w = function_->window;
  std::vector<double> values(size_t(kSamples) * kSamples);
  double lo = INFINITY, hi = -INFINITY;
  for (int r = 0; r < kSamples; ++r)
    for (int c = 0; c < kSamples; ++c) {
      const double x = w[0] + (w[1] - w[0]) * c / (kSamples - 1), y = w[2] + (w[3] - w[2]) * r / (kSamples - 1);
      const double v = surface::evaluate(function_->id, x, y, params_);
      values[size_t(r) * kSamples + c] = v;
      if (std::isfinite(v)) lo = std::min(lo, v), hi = std::max(hi, v);
    }
  // Log scale when half the window sits within a tenth of the range above the minimum (Rosenbrock:
  // a twentieth, a quadratic: a quarter): linear colours would paint it all one shade.
  std::vector<double> sorted(values);
  std::nth_element(sorted.begin(), sorted.begin() + sorted.size() / 2, sorted.end());
  const double median = sorted[sorted.size() / 2];
  log_ = hi > lo && (median - lo) < (hi - lo) / 10;
  if (log_) {
    const double floor = (hi - lo) * 1e-6, min = lo;
    for (double& v : values) v = std::log10(v - min + floor);
    lo = std::log10(floor), hi = std::log10(hi - min + floor);
    // The deepest decades are a speck around the minimum: start the colours a little above it.
    lo = std::max(lo, hi - 6);
  }
  heatmap_ = heatmap(values, kSamples, kSamples, lo, hi, ColorMap::Viridis);
  contours_.clear();
  for (double level : contourLevels(lo, hi, kContourLevels))
    for (const QLineF& s : contourSegments(values, kSamples, kSamples, level)) {
      auto at = [&](QPointF g) {
        return QPointF(w[0] + (w[1] - w[0]) * g.x() / (kSamples - 1), w[2] + (w[3] - w[2]) * g.y() / (kSamples - 1));
      };
      contours_.emplace_back(at(s.p1()), at(s.p2()));
    }
}

int SurfaceView::addTrajectory(const QString& name, const std::vector<surface::TrajectoryPoint>& points) {
  paths_.push_back({name, points, speed_ > 0 ? std::min<double>(1, points.size()) : double(points.size())});
  update();
  return int(paths_.size()) - 1;
}

void SurfaceView::appendPoints(int index, const std::vector<surface::TrajectoryPoint>& points) {
  Path& path = paths_.at(size_t(index));
  path.points.insert(path.points.end(), points.begin(), points.end());
  if (speed_ == 0) path.shown = double(path.points.size());
  dirty_ = true;
}

void SurfaceView::clearTrajectories() {
  paths_.clear();
  update();
}

void SurfaceView::setAnimationSpeed(double stepsPerSecond) { speed_ = std::max(0.0, stepsPerSecond); }

uint32_t SurfaceView::shownStep() const {
  uint32_t step = 0;
  for (const auto& p : paths_)
    if (p.shown >= 1) step = std::max(step, p.points[size_t(p.shown) - 1].step);
  return step;
}

void SurfaceView::advance() {
  for (auto& p : paths_) {
    const double all = double(p.points.size());
    if (p.shown >= all) continue;
    p.shown = speed_ > 0 ? std::min(all, p.shown + speed_ * kTick) : all;
    dirty_ = true;
  }
  if (dirty_) update();
  dirty_ = false;
}

// Beside the plot where the widget is wider than tall (a docked tab), as wide as the longest
// name allows; else in rows under it.
Legend SurfaceView::legend() const {
  std::vector<LegendEntry> entries;
  for (size_t i = 0; i < paths_.size(); ++i) entries.push_back({paths_[i].name, pathColour(int(i))});
  const int line = fontMetrics().height();
  Legend beside(entries, fontMetrics(), width() / 2.0, Legend::Layout::Column);
  if (width() - beside.width() - line >= height()) return beside;
  return Legend(std::move(entries), fontMetrics(), width() - 2.0 * line, Legend::Layout::Rows);
}

bool SurfaceView::legendBeside(const Legend& names) const {
  return names.width() + fontMetrics().height() <= width() - height();
}

QColor SurfaceView::pathColour(int index) const { return categoryColor(uint32_t(index)); }

QRectF SurfaceView::plotRect() const {
  const int line = fontMetrics().height();
  const Legend names = legend();
  const bool beside = legendBeside(names);
  const double legendWidth = names.isEmpty() || !beside ? 0 : names.width() + line;
  const double legendHeight = names.isEmpty() || beside ? 0 : names.height() + 0.4 * line;
  const QRectF area = QRectF(rect()).adjusted(line * 3, line * 1.8, -line - legendWidth, -line * 1.6 - legendHeight);
  const auto& w = function_->window;
  const double aspect = (w[3] - w[2]) / (w[1] - w[0]);
  double width = area.width(), height = width * aspect;
  if (height > area.height()) height = area.height(), width = height / aspect;
  return QRectF(area.left() + (area.width() - width) / 2, area.top() + (area.height() - height) / 2, width, height);
}

QRectF SurfaceView::legendRect() const {
  const Legend names = legend();
  if (names.isEmpty()) return {};
  const QRectF plot = plotRect();
  const int line = fontMetrics().height();
  if (legendBeside(names)) return QRectF(plot.right() + line, plot.top(), names.width(), names.height());
  return QRectF(line, plot.bottom() + 1.4 * line, width() - 2.0 * line, names.height());  // under the step counter
}

void SurfaceView::drawLegend(QPainter& p) {
  const Legend names = legend();
  names.draw(p, legendRect().topLeft(), palette());
  elided_ << names.elided();
}

QPointF SurfaceView::toWidget(double x, double y) const {
  const auto& w = function_->window;
  const QRectF r = plotRect();
  return {r.left() + (x - w[0]) / (w[1] - w[0]) * r.width(), r.bottom() - (y - w[2]) / (w[3] - w[2]) * r.height()};
}

QPointF SurfaceView::toSurface(QPointF pixel) const {
  const auto& w = function_->window;
  const QRectF r = plotRect();
  return {w[0] + (pixel.x() - r.left()) / r.width() * (w[1] - w[0]),
          w[2] + (r.bottom() - pixel.y()) / r.height() * (w[3] - w[2])};
}

void SurfaceView::mousePressEvent(QMouseEvent* event) {
  if (event->button() != Qt::LeftButton || !plotRect().contains(event->position()))
    return QWidget::mousePressEvent(event);
  const QPointF s = toSurface(event->position());
  emit startPointChosen(s.x(), s.y());
}

void SurfaceView::paintEvent(QPaintEvent*) {
  QPainter p(this);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.window());
  const QRectF plot = plotRect();
  p.setRenderHint(QPainter::SmoothPixmapTransform);
  p.drawImage(plot, heatmap_);
  p.setRenderHint(QPainter::Antialiasing);
  p.setClipRect(plot);
  p.setPen(QPen(QColor(255, 255, 255, 110), 1.0));
  for (const QLineF& s : contours_) p.drawLine(toWidget(s.x1(), s.y1()), toWidget(s.x2(), s.y2()));
  // Minima as white crosses.
  p.setPen(QPen(Qt::white, 2));
  for (const auto& m : function_->minima) {
    const QPointF c = toWidget(m[0], m[1]);
    p.drawLine(c + QPointF(-5, -5), c + QPointF(5, 5));
    p.drawLine(c + QPointF(-5, 5), c + QPointF(5, -5));
  }
  for (size_t i = 0; i < paths_.size(); ++i) {
    const Path& path = paths_[i];
    const size_t n = size_t(path.shown);
    if (n == 0) continue;
    const QColor colour = pathColour(int(i));
    QPainterPath line;
    line.moveTo(toWidget(path.points[0].x, path.points[0].y));
    for (size_t k = 1; k < n; ++k) line.lineTo(toWidget(path.points[k].x, path.points[k].y));
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(Qt::black, 3.5, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));  // a dark halo reads on any colour
    p.drawPath(line);
    p.setPen(QPen(colour, 2.0, Qt::SolidLine, Qt::RoundCap, Qt::RoundJoin));
    p.drawPath(line);
    // Small dots at (thinned) steps show the speed; a ring marks the start, a disc the head.
    p.setPen(Qt::NoPen);
    p.setBrush(colour);
    const size_t every = std::max<size_t>(1, n / 40);
    for (size_t k = 0; k < n; k += every) p.drawEllipse(toWidget(path.points[k].x, path.points[k].y), 2.2, 2.2);
    p.setBrush(Qt::NoBrush);
    p.setPen(QPen(Qt::white, 2));
    p.drawEllipse(toWidget(path.points[0].x, path.points[0].y), 6, 6);
  }
  // The heads last, over every line: where each optimizer is now shows even where a later path
  // runs over its track (on the saddle, momentum's runs over plain SGD's).
  for (size_t i = 0; i < paths_.size(); ++i) {
    const size_t n = size_t(paths_[i].shown);
    if (n == 0) continue;
    p.setPen(QPen(Qt::black, 1.2));
    p.setBrush(pathColour(int(i)));
    p.drawEllipse(toWidget(paths_[i].points[n - 1].x, paths_[i].points[n - 1].y), 5, 5);
  }
  p.setClipping(false);
  p.setRenderHint(QPainter::Antialiasing, false);
  p.setPen(pal.color(QPalette::Mid));
  p.setBrush(Qt::NoBrush);
  p.drawRect(plot);

  const int line = fontMetrics().height();
  const auto& w = function_->window;
  auto num = [](double v) { return QString::number(v, 'g', 3); };
  p.setPen(pal.color(QPalette::WindowText));
  p.drawText(QRectF(plot.left(), plot.bottom() + 2, 80, line), Qt::AlignLeft, num(w[0]));
  p.drawText(QRectF(plot.right() - 80, plot.bottom() + 2, 80, line), Qt::AlignRight, num(w[1]));
  p.drawText(QRectF(plot.left() - 3 * line, plot.bottom() - line, 3 * line - 4, line), Qt::AlignRight, num(w[2]));
  p.drawText(QRectF(plot.left() - 3 * line, plot.top(), 3 * line - 4, line), Qt::AlignRight, num(w[3]));
  const QString title = QString::fromStdString(function_->title) + "  " + QString::fromStdString(function_->formula) +
                        (log_ ? tr("  (colours: log scale)") : QString());
  elided_.clear();
  const QString shownTitle = fontMetrics().elidedText(title, Qt::ElideRight, width() - 8);
  if (shownTitle != title) elided_ << title;
  p.drawText(QRectF(0, 2, width(), line), Qt::AlignHCenter, shownTitle);
  if (!paths_.empty()) {
    p.drawText(QRectF(plot.left(), plot.bottom() + 2, plot.width(), line), Qt::AlignHCenter,
               tr("step %1").arg(shownStep()));
    drawLegend(p);
  }
}

QString SurfaceView::csv() const {
  CsvTable table({"optimizer", "step", "x", "y", "loss"});
  for (const Path& path : paths_)
    for (size_t i = 0; i < path.points.size() && i < size_t(path.shown); ++i) {  // as paintEvent draws them
      const surface::TrajectoryPoint& p = path.points[i];
      table.row({CsvTable::text(path.name), QString::number(p.step), CsvTable::number(p.x), CsvTable::number(p.y),
                 CsvTable::number(p.loss)});
    }
  return table.text();
}

}  // namespace gradlab::ui

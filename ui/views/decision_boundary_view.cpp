#include "views/decision_boundary_view.h"

#include "export/view_export.h"
#include "views/color_map.h"

#include <QEvent>
#include <QKeyEvent>
#include <QLineF>
#include <QMouseEvent>
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
  makeExportable(this, tr("Decision boundary"), [this] { return csv(); });
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
  if (drawing_) return;  // the drawn points stay shown, not the part of them a run trains on
  data_ = std::move(data);
  ++dataVersion_;
  dirty_ = true;
}

void DecisionBoundaryView::setBoundary(std::shared_ptr<const train::DecisionBoundary> boundary, uint32_t member) {
  if (boundary)
    members_[member] = {boundary, imageOf(*boundary)};
  else
    members_.erase(member);
  dirty_ = true;
}

void DecisionBoundaryView::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  dirty_ = true;
}

QImage DecisionBoundaryView::imageOf(const train::DecisionBoundary& boundary) const {
  if (boundary.grid == 0) return {};
  const int g = int(boundary.grid);
  QImage image(g, g, QImage::Format_RGB32);
  for (int i = 0; i < g; ++i)
    for (int j = 0; j < g; ++j) {
      const size_t c = size_t(i) * g + j;
      image.setPixel(j, g - 1 - i, cellColor(boundary.cellClass[c], boundary.confidence[c], boundary.classes).rgb());
    }
  return image;
}

void DecisionBoundaryView::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) {
    for (auto& [member, m] : members_) m.image = imageOf(*m.boundary);
    update();
  }
}

void DecisionBoundaryView::clear() {
  members_.clear();
  dirty_ = true;
}

const DecisionBoundaryView::Member* DecisionBoundaryView::memberOf(int panel) const {
  const RunStyles runs = shownRuns(styles_);
  if (panel < 0 || size_t(panel) >= runs.size()) return nullptr;
  const auto it = members_.find(runs[size_t(panel)].member);
  return it == members_.end() ? nullptr : &it->second;
}

const train::DecisionBoundary* DecisionBoundaryView::boundary(int panel) const {
  const Member* m = memberOf(panel);
  return m ? m->boundary.get() : nullptr;
}

QColor DecisionBoundaryView::cellColor(uint32_t cls, double confidence, uint32_t classes) const {
  // Confidence 1/classes (a guess) is the background; certainty is the class colour at 70%.
  const double chance = 1.0 / std::max(classes, 2u);
  const double t = std::clamp((confidence - chance) / (1 - chance), 0.0, 1.0);
  return blend(palette().color(QPalette::Base), categoryColor(cls), 0.12 + 0.58 * t);
}

train::GridExtent DecisionBoundaryView::extent(int panel) const {
  if (const auto* b = boundary(panel)) return b->extent;
  if (drawing_) return drawExtent_;
  if (data_ && data_->sampleSize() == 2 && data_->size() > 0) return train::extentOf(*data_);
  return {};
}

// Compared, the panels fill the space between the title line and the class legend at the
// bottom, in as many columns as make the plots largest.
QRectF DecisionBoundaryView::cellRect(int panel) const {
  if (!comparing()) return rect();
  const double line = fontMetrics().height();
  const QRectF grid = QRectF(rect()).adjusted(0, line * 1.6, 0, -line * 1.6);
  const int cols = columns(), rows = (panelCount() + cols - 1) / cols;
  const double w = grid.width() / cols, h = grid.height() / std::max(rows, 1);
  return QRectF(grid.left() + (panel % cols) * w, grid.top() + (panel / cols) * h, w, h);
}

int DecisionBoundaryView::columns() const {
  const int n = panelCount();
  if (!comparing() || n <= 1) return 1;
  const double line = fontMetrics().height();
  const QRectF grid = QRectF(rect()).adjusted(0, line * 1.6, 0, -line * 1.6);
  const auto e = extent(0);
  const double aspect = (e.yMax - e.yMin) / (e.xMax - e.xMin);
  int best = 1;
  double bestSide = -INFINITY;
  for (int c = 1; c <= n; ++c) {
    const int rows = (n + c - 1) / c;
    const double w = grid.width() / c - 5 * line, h = grid.height() / rows - panelTitleHeight() - 1.4 * line;
    if (const double side = std::min(w, h / aspect); side > bestSide + 0.5) best = c, bestSide = side;
  }
  return best;
}

double DecisionBoundaryView::panelTitleHeight() const { return comparing() ? 2.0 * fontMetrics().height() + 4 : 0; }

QRectF DecisionBoundaryView::panelTitleRect(int panel) const {
  if (!comparing()) return {};
  const double line = fontMetrics().height();
  const QRectF cell = cellRect(panel);
  return QRectF(cell.left() + line, plotRect(panel).top() - panelTitleHeight(), cell.width() - 2 * line, 2 * line);
}

QRectF DecisionBoundaryView::plotRect(int panel) const {
  const int label = fontMetrics().height();
  const QRectF area = comparing() ? cellRect(panel).adjusted(label * 4, panelTitleHeight(), -label, -label * 1.4)
                                  : QRectF(rect()).adjusted(label * 4, label * 1.6, -label, -label * 2);
  // Equal units on both axes, so circles look like circles.
  const auto e = extent(panel);
  const double aspect = (e.yMax - e.yMin) / (e.xMax - e.xMin);
  double w = area.width(), h = w * aspect;
  if (h > area.height()) h = area.height(), w = h / aspect;
  // Compared, each panel's title follows its plot (panelTitleRect).
  return QRectF(area.left() + (area.width() - w) / 2, area.top() + (area.height() - h) / 2, w, h);
}

QPointF DecisionBoundaryView::toWidget(double x, double y, int panel) const {
  const auto e = extent(panel);
  const QRectF r = plotRect(panel);
  return {r.left() + (x - e.xMin) / (e.xMax - e.xMin) * r.width(),
          r.bottom() - (y - e.yMin) / (e.yMax - e.yMin) * r.height()};
}

QPointF DecisionBoundaryView::fromWidget(QPointF at, int panel) const {
  const auto e = extent(panel);
  const QRectF r = plotRect(panel);
  return {e.xMin + (at.x() - r.left()) / r.width() * (e.xMax - e.xMin),
          e.yMin + (r.bottom() - at.y()) / r.height() * (e.yMax - e.yMin)};
}

void DecisionBoundaryView::setDrawing(bool on, uint32_t drawClass) {
  if (on && !drawing_) {
    // Keep the plane the user sees; on an empty view, a square around the origin.
    if (data_ && data_->sampleSize() == 2 && data_->size() > 0 && !boundary(0)) drawExtent_ = extent(0);
  }
  drawing_ = on;
  drawClass_ = std::min(drawClass, data::kMaxPointClasses - 1);
  setCursor(on ? Qt::CrossCursor : Qt::ArrowCursor);
  setFocusPolicy(on ? Qt::ClickFocus : Qt::NoFocus);
  update();
}

void DecisionBoundaryView::setDrawnPoints(std::vector<data::LabelledPoint> points) {
  drawn_ = std::move(points);
  showDrawnPoints();
}

void DecisionBoundaryView::showDrawnPoints() {
  data_ = std::make_shared<const data::Dataset>(data::makePointDataset(drawn_, tr("drawn points").toStdString()));
  ++dataVersion_;
  update();
}

void DecisionBoundaryView::mousePressEvent(QMouseEvent* event) {
  if (!drawing_) return QWidget::mousePressEvent(event);
  editAt(event->position(), event->buttons(), false);
}

void DecisionBoundaryView::mouseMoveEvent(QMouseEvent* event) {
  if (!drawing_ || !(event->buttons() & (Qt::LeftButton | Qt::RightButton))) return QWidget::mouseMoveEvent(event);
  editAt(event->position(), event->buttons(), true);
}

void DecisionBoundaryView::keyPressEvent(QKeyEvent* event) {
  if (!drawing_ || event->key() < Qt::Key_0 || event->key() > Qt::Key_9) return QWidget::keyPressEvent(event);
  setDrawing(true, uint32_t(event->key() - Qt::Key_0));
}

// A drag adds a point every few pixels, so that a slow stroke does not pile them up.
void DecisionBoundaryView::editAt(QPointF at, Qt::MouseButtons buttons, bool dragging) {
  int panel = 0;
  while (panel + 1 < panelCount() && !plotRect(panel).contains(at)) ++panel;
  if (!plotRect(panel).contains(at)) return;
  const double spacing = 8;
  if (buttons & Qt::RightButton) {
    const auto before = drawn_.size();
    std::erase_if(drawn_, [&](const data::LabelledPoint& p) {
      return QLineF(toWidget(p.x, p.y, panel), at).length() <= spacing;
    });
    if (drawn_.size() == before) return;
  } else if (buttons & Qt::LeftButton) {
    if (dragging && QLineF(lastPainted_, at).length() < spacing) return;
    const QPointF p = fromWidget(at, panel);
    drawn_.push_back({float(p.x()), float(p.y()), drawClass_});
    lastPainted_ = at;
  } else {
    return;
  }
  showDrawnPoints();
  emit pointsDrawn();
}

QString DecisionBoundaryView::message() const {
  if (!data_ || data_->sampleSize() == 2 || boundary(0)) return {};
  return tr("The decision boundary view is for networks with 2-D inputs: it colours the plane of the two input "
            "features by the predicted class. %1 has %2 values a sample. Choose a 2-D dataset (moons, spiral, …) "
            "in the Training panel to see one.")
      .arg(QString::fromStdString(data_->name))
      .arg(data_->sampleSize());
}

// Runs of different batch sizes take different numbers of steps over the same samples.
bool DecisionBoundaryView::sameStep() const {
  for (int i = 1; i < panelCount(); ++i)
    if (boundary(i) && boundary(0) && boundary(i)->step != boundary(0)->step) return false;
  return true;
}

QString DecisionBoundaryView::panelTitle(int panel) const {
  if (!comparing()) return {};
  const QString legend = shownRuns(styles_).at(size_t(panel)).legend();
  const auto* b = boundary(panel);
  return b && !sameStep() ? legend + tr(" \u00b7 step %1").arg(b->step) : legend;
}

QString DecisionBoundaryView::titleText() const {
  if (drawing_) return tr("Drawing class %1 (keys 0-9): click adds, drag paints, right click erases").arg(drawClass_);
  const QString name = data_ ? QString::fromStdString(data_->name) : tr("Decision boundary");
  if (const auto* b = boundary(0)) {
    if (!sameStep()) return name + tr(": predicted class (paler = less sure)");  // each panel says its step
    return name + tr(": predicted class at step %1 (paler = less sure)").arg(b->step);
  }
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
  for (int i = 0; i < panelCount(); ++i) paintPanel(p, i);
  if (comparing())
    paintClassLegend(p, QPointF(line, height() - line * 1.4));
  else
    paintClassLegend(p, QPointF(plotRect().left(), plotRect().bottom() + 2 + line));
}

// One run's plot: cells, data points, frame, axis ends; compared, the run's legend over it in
// its colour and the frame in that colour too.
void DecisionBoundaryView::paintPanel(QPainter& p, int panel) {
  const QPalette& pal = palette();
  const int line = fontMetrics().height();
  const QRectF plot = plotRect(panel);
  p.fillRect(plot, pal.base());
  if (const Member* m = memberOf(panel); m && !m->image.isNull())
    p.drawImage(plot, m->image);  // nearest-neighbour: cells stay crisp
  p.setRenderHint(QPainter::Antialiasing);
  if (data_ && data_->sampleSize() == 2) {
    const QImage& points = pointsLayer(plot, extent(panel));
    p.drawImage(plot.topLeft() - QPointF(kPointsPad, kPointsPad), points);
  }
  p.setRenderHint(QPainter::Antialiasing, false);
  p.setBrush(Qt::NoBrush);
  const RunStyle run = shownRuns(styles_).at(size_t(panel));
  if (comparing()) {
    p.setPen(QPen(run.color, 3));
    p.drawRect(plot.adjusted(-2, -2, 2, 2));
    QFont bold = font();
    bold.setBold(true);
    p.setFont(bold);
    const QRectF box = panelTitleRect(panel);
    const QFontMetrics metrics(bold);
    const QString text = panelTitle(panel);
    const QRect needed = metrics.boundingRect(box.toRect(), Qt::AlignHCenter | Qt::TextWordWrap, text);
    if (needed.height() > box.height() || needed.width() > box.width()) {
      elided_ << text;
      p.drawText(box, Qt::AlignHCenter | Qt::AlignBottom, metrics.elidedText(text, Qt::ElideRight, int(box.width())));
    } else {
      p.drawText(box, Qt::AlignHCenter | Qt::AlignBottom | Qt::TextWordWrap, text);
    }
    p.setFont(font());
  } else {
    p.setPen(pal.color(QPalette::Mid));
    p.drawRect(plot);
  }
  const auto e = extent(panel);
  p.setPen(pal.color(QPalette::WindowText));
  auto num = [](double v) { return QString::number(v, 'g', 3); };
  p.drawText(QRectF(plot.left(), plot.bottom() + 2, 80, line), Qt::AlignLeft, num(e.xMin));
  p.drawText(QRectF(plot.right() - 80, plot.bottom() + 2, 80, line), Qt::AlignRight, num(e.xMax));
  p.drawText(QRectF(plot.left() - 4 * line, plot.bottom() - line, 4 * line - 4, line), Qt::AlignRight, num(e.yMin));
  p.drawText(QRectF(plot.left() - 4 * line, plot.top(), 4 * line - 4, line), Qt::AlignRight, num(e.yMax));
}

// The data points over a plot of `plot`'s size, drawn once and reused by every panel and paint
// until the size, the extent, the data or the palette change: four panels' hundreds of
// antialiased points cost milliseconds a paint otherwise. The layer reaches kPointsPad beyond
// the plot, where points on its edge are drawn.
const QImage& DecisionBoundaryView::pointsLayer(const QRectF& plot, const train::GridExtent& e) {
  const PointsKey key{plot.size(),        e.xMin, e.xMax, e.yMin, e.yMax, dataVersion_, palette().cacheKey(),
                      devicePixelRatioF()};
  if (key == pointsKey_ && !points_.isNull()) return points_;
  pointsKey_ = key;
  const double dpr = devicePixelRatioF();
  const QSizeF size = plot.size() + QSizeF(2 * kPointsPad, 2 * kPointsPad);
  points_ = QImage((size * dpr).toSize(), QImage::Format_ARGB32_Premultiplied);
  points_.setDevicePixelRatio(dpr);
  points_.fill(Qt::transparent);
  QPainter p(&points_);
  p.setRenderHint(QPainter::Antialiasing);
  p.setPen(QPen(palette().color(QPalette::Text), 0.8));
  const double r = std::clamp(plot.width() / 160, 2.0, 4.0);
  auto at = [&](double x, double y) {  // as toWidget, from the layer's top left
    return QPointF(kPointsPad + (x - e.xMin) / (e.xMax - e.xMin) * plot.width(),
                   kPointsPad + plot.height() - (y - e.yMin) / (e.yMax - e.yMin) * plot.height());
  };
  for (uint32_t s = 0; s < data_->size(); ++s) {
    p.setBrush(categoryColor(data_->labels[s]));
    p.drawEllipse(at(data_->raw(s, 0), data_->raw(s, 1)), r, r);
  }
  return points_;
}

// The classes' colours and names in a row from `topLeft`.
void DecisionBoundaryView::paintClassLegend(QPainter& p, QPointF topLeft) {
  const int line = fontMetrics().height();
  const auto* shown = boundary(0);
  const uint32_t classes = shown ? shown->classes : data_ ? data_->classes : 0;
  p.setPen(palette().color(QPalette::WindowText));
  qreal x = topLeft.x();
  const qreal y = topLeft.y();
  for (uint32_t c = 0; c < classes && c < 10; ++c) {
    const QString name =
        data_ && c < data_->classNames.size() ? QString::fromStdString(data_->classNames[c]) : tr("class %1").arg(c);
    p.fillRect(QRectF(x, y + line * 0.2, line * 0.6, line * 0.6), categoryColor(c));
    p.drawText(QPointF(x + line * 0.8, y + line * 0.8), name);
    x += line * 1.6 + fontMetrics().horizontalAdvance(name);
  }
}

QString DecisionBoundaryView::csv() const {
  CsvTable table({"run", "step", "kind", "x", "y", "class", "confidence"});
  const RunStyles runs = shownRuns(styles_);
  for (int panel = 0; panel < int(runs.size()); ++panel) {
    const train::DecisionBoundary* b = boundary(panel);
    if (!b) continue;
    const QString run = CsvTable::text(runs[size_t(panel)].legend()), step = QString::number(b->step);
    for (uint32_t i = 0; i < b->grid; ++i)
      for (uint32_t j = 0; j < b->grid; ++j) {
        const size_t cell = size_t(i) * b->grid + j;
        table.row({run, step, "cell", CsvTable::number(b->cellX(j)), CsvTable::number(b->cellY(i)),
                   QString::number(b->cellClass[cell]), CsvTable::number(b->confidence[cell])});
      }
  }
  if (data_ && data_->sampleSize() == 2)
    for (uint32_t s = 0; s < data_->size(); ++s)
      table.row({"data", "", "point", CsvTable::number(data_->raw(s, 0)), CsvTable::number(data_->raw(s, 1)),
                 QString::number(data_->labels[s]), ""});
  return table.text();
}

}  // namespace gradlab::ui

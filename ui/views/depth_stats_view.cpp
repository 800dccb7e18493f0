#include "views/depth_stats_view.h"

#include <QCheckBox>
#include <QFontMetricsF>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QHBoxLayout>
#include <QTimer>
#include <QVBoxLayout>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QCategoryAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

QLineSeries* lineSeries(const QString& name, QColor colour, bool dashed) {
  auto* s = new QLineSeries;
  s->setName(name);
  QPen pen(colour);
  pen.setWidthF(2.0);
  if (dashed) pen.setStyle(Qt::DashLine);
  s->setPen(pen);
  s->setPointsVisible(true);
  return s;
}

// A y-range that holds `values` with a little room, never empty. It stays as it is while the
// values fill at least half of it: a new range lays the chart out again (milliseconds).
void fitRange(QValueAxis* axis, const QList<QPointF>& a, const QList<QPointF>& b, bool fromZero) {
  double lo = fromZero ? 0 : INFINITY, hi = fromZero ? 0 : -INFINITY;
  for (const auto* list : {&a, &b})
    for (const QPointF& p : *list)
      if (std::isfinite(p.y())) lo = std::min(lo, p.y()), hi = std::max(hi, p.y());
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) hi = lo + std::max(1e-6, std::abs(lo));
  const double pad = 0.08 * (hi - lo);
  lo = fromZero ? lo : lo - pad, hi += pad;
  if (lo < axis->min() || hi > axis->max() || hi - lo < 0.5 * (axis->max() - axis->min())) axis->setRange(lo, hi);
}

// A log-scale range over the positive `points`, in whole decades, with at most kMaxLogLabels
// labels: a label every `step` decades (the axis's base is 10^step). More labels than fit
// overlap, and Qt Charts then elides every one of them to "...".
constexpr int kMaxLogLabels = 6;
void fitLogRange(QLogValueAxis* axis, const QList<QPointF>& points) {
  double lo = INFINITY, hi = -INFINITY;
  for (const QPointF& p : points) lo = std::min(lo, p.y()), hi = std::max(hi, p.y());
  if (!(lo > 0 && std::isfinite(hi))) return;
  int first = int(std::floor(std::log10(lo))), last = int(std::ceil(std::log10(hi) + 1e-9));
  if (last == first) ++last;
  const int step = int(std::ceil((last - first) / double(kMaxLogLabels - 1)));
  first = int(std::floor(first / double(step))) * step;
  last = int(std::ceil(last / double(step))) * step;
  axis->setBase(std::pow(10.0, step));
  axis->setMinorTickCount(step == 1 ? -1 : 0);  // minor ticks of a base 10^k axis crowd its top
  axis->setRange(std::pow(10.0, first), std::pow(10.0, last));
}

// Replaces a bar set's values, in place when their number is the same (no bars made anew).
void setValues(QBarSet* set, const QList<qreal>& values) {
  if (set->count() != values.size()) {
    set->remove(0, set->count());
    set->append(values);
    return;
  }
  for (int i = 0; i < values.size(); ++i)
    if (set->at(i) != values[i]) set->replace(i, values[i]);
}

}  // namespace

DepthStatsView::DepthStatsView(QWidget* parent) : QWidget(parent) {
  activations_ = makePanel(tr("Activations by depth"));
  gradients_ = makePanel(tr("Gradients by depth"));
  fractions_ = makePanel(tr("Dead and saturated units"));
  for (Panel* p : {&activations_, &gradients_, &fractions_})
    connect(p->chart, &QChart::plotAreaChanged, this, [this, p] { nameLayers(*p, false); });

  activationMean_ = lineSeries(tr("mean"), QColor(130, 180, 225), true);
  activationStd_ = lineSeries(tr("std"), QColor(31, 119, 180), false);
  gradientMean_ = lineSeries(tr("mean"), QColor(240, 150, 150), true);
  gradientStd_ = lineSeries(tr("std"), QColor(214, 39, 40), false);
  for (auto [panel, series] : {std::pair{&activations_, activationMean_}, std::pair{&activations_, activationStd_},
                               std::pair{&gradients_, gradientMean_}, std::pair{&gradients_, gradientStd_}}) {
    panel->chart->addSeries(series);
    series->attachAxis(panel->x);
    series->attachAxis(panel->y);
  }
  gradientLogAxis_ = new QLogValueAxis(this);
  gradientLogAxis_->setTitleText(tr("std (log scale)"));
  gradientLogAxis_->setLabelFormat("%.0e");
  gradientLogAxis_->setMinorTickCount(-1);

  bars_ = new QBarSeries;
  // Short legend names fit a chart at its minimum width; the tooltip says what they count.
  zero_ = new QBarSet(tr("dead"));
  zero_->setColor(QColor(127, 127, 127));
  saturated_ = new QBarSet(tr("saturated"));
  saturated_->setColor(QColor(255, 127, 14));
  bars_->append(zero_);
  bars_->append(saturated_);
  fractions_.chart->addSeries(bars_);
  bars_->attachAxis(fractions_.x);
  bars_->attachAxis(fractions_.y);
  fractions_.y->setRange(0, 100);
  fractions_.y->setTitleText(tr("% of units"));
  fractions_.y->setLabelFormat("%.0f");
  fractions_.view->setToolTip(tr("Per layer, the share of units that are dead (a ReLU's output exactly 0) "
                                 "and saturated (a tanh's or sigmoid's output near its limits)."));
  activations_.y->setTitleText(tr("value"));
  gradients_.y->setTitleText(tr("value"));

  logScale_ = new QCheckBox(tr("Log-scale gradient std (vanishing / exploding)"), this);
  connect(logScale_, &QCheckBox::toggled, this, &DepthStatsView::setGradientLogScale);

  auto* charts = new QHBoxLayout;
  for (auto* p : {&activations_, &gradients_, &fractions_}) charts->addWidget(p->view, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(charts, 1);
  layout->addWidget(logScale_, 0, Qt::AlignLeft);

  timer_ = new QTimer(this);
  timer_->setInterval(33);  // at most 30 redraws a second, and none while hidden (a redraw costs ~10 ms)
  connect(timer_, &QTimer::timeout, this, [this] {
    if (isVisible()) refresh();
  });
  timer_->start();
}

DepthStatsView::Panel DepthStatsView::makePanel(const QString& title) {
  Panel p;
  p.chart = new QChart;
  p.chart->setTitle(title);
  p.chart->legend()->setAlignment(Qt::AlignBottom);
  p.x = new QCategoryAxis;
  p.x->setTitleText(tr("layer (forward order)"));
  p.x->setLabelsPosition(QCategoryAxis::AxisLabelsPositionOnValue);
  p.x->setTruncateLabels(false);  // nameLayers spaces the names; the last may reach into the margin
  p.x->setTitleVisible(false);    // until there are layers: with no names Qt draws it above the chart
  p.y = new QValueAxis;
  p.y->setLabelFormat("%.2g");
  p.chart->addAxis(p.x, Qt::AlignBottom);
  p.chart->addAxis(p.y, Qt::AlignLeft);
  p.view = new QChartView(p.chart, this);
  p.view->setRenderHint(QPainter::Antialiasing);
  p.view->setMinimumSize(320, 300);
  return p;
}

// Names every k-th layer along the panel's x-axis, k as small as lets the widest name sit
// beside the next one at the plot's width; again when that width changes.
void DepthStatsView::nameLayers(Panel& p, bool namesChanged) {
  const QFontMetricsF metrics(p.x->labelsFont());
  qreal widest = 0;
  for (const QString& name : names_) widest = std::max(widest, metrics.horizontalAdvance(name));
  const qreal width = p.chart->plotArea().width();
  const qsizetype count = std::max<qsizetype>(1, names_.size());
  const int every = width > 0 ? std::max(1, int(std::ceil((widest + metrics.averageCharWidth() * 2) * count / width)))
                              : std::max(1, int(std::ceil(count / 8.0)));
  if (!namesChanged && every == p.every) return;
  p.every = every;
  p.x->setTitleVisible(!names_.isEmpty());
  for (const QString& label : p.x->categoriesLabels()) p.x->remove(label);
  for (int i = 0; i < names_.size(); i += every) p.x->append(names_[i], i);
  p.x->setRange(-0.5, count - 0.5);
}

void DepthStatsView::setReport(std::shared_ptr<const train::ProbeReport> report) {
  report_ = std::move(report);
  dirty_ = true;
}

void DepthStatsView::setGradientLogScale(bool on) {
  if (logScale_->isChecked() != on) return logScale_->setChecked(on);  // comes back through toggled
  if (on == gradientStd_->attachedAxes().contains(gradientLogAxis_)) return;
  QAbstractAxis* from = on ? static_cast<QAbstractAxis*>(gradients_.y) : gradientLogAxis_;
  QAbstractAxis* to = on ? static_cast<QAbstractAxis*>(gradientLogAxis_) : gradients_.y;
  gradients_.chart->removeAxis(from);
  from->setParent(this);  // removeAxis hands ownership back
  gradients_.chart->addAxis(to, Qt::AlignLeft);
  gradientStd_->attachAxis(to);
  // A mean can be negative or zero: it has no place on a log scale.
  gradientMean_->setVisible(!on);
  if (!on) gradientMean_->attachAxis(gradients_.y);
  dirty_ = true;
  refresh();
}

QList<QPointF> DepthStatsView::activationStd() const { return activationStd_->points(); }
QList<QPointF> DepthStatsView::gradientStd() const { return gradientStd_->points(); }
QList<qreal> DepthStatsView::deadPercent() const {
  QList<qreal> values;
  for (int i = 0; i < zero_->count(); ++i) values.append(zero_->at(i));
  return values;
}

std::pair<double, double> DepthStatsView::gradientAxisRange() const {
  if (logScale_->isChecked()) return {gradientLogAxis_->min(), gradientLogAxis_->max()};
  return {gradients_.y->min(), gradients_.y->max()};
}

QStringList DepthStatsView::chartTexts() const {
  QStringList texts;
  for (const Panel* p : {&activations_, &gradients_, &fractions_})
    for (const QGraphicsItem* item : p->view->scene()->items()) {
      if (!item->isVisible()) continue;
      if (const auto* t = dynamic_cast<const QGraphicsTextItem*>(item)) texts << t->toPlainText();
      if (const auto* t = dynamic_cast<const QGraphicsSimpleTextItem*>(item)) texts << t->text();
    }
  return texts;
}

const QChartView* DepthStatsView::chartView(int index) const {
  const Panel* panels[] = {&activations_, &gradients_, &fractions_};
  return panels[index]->view;
}

void DepthStatsView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  refresh();
}

void DepthStatsView::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  draw();
}

void DepthStatsView::draw() {
  QStringList names;
  QList<QPointF> aMean, aStd, gMean, gStd;
  QList<qreal> zero, saturated;
  const bool log = logScale_->isChecked();
  if (report_)
    for (const auto& l : report_->layers) {
      if (QString::fromStdString(l.type).endsWith("Loss")) continue;
      const qreal x = names.size();
      names << QString::fromStdString(l.node);
      // Values that are not finite have no place on an axis, nor a std of 0 on a log scale.
      auto add = [x](QList<QPointF>& to, double y) {
        if (std::isfinite(y)) to << QPointF(x, y);
      };
      add(aMean, l.activation.mean);
      add(aStd, l.activation.std);
      if (l.gradient.count) {
        add(gMean, l.gradient.mean);
        if (!log || l.gradient.std > 0) add(gStd, l.gradient.std);
      }
      zero << 100 * l.activation.deadFraction.value_or(0);
      saturated << 100 * l.activation.saturatedFraction.value_or(0);
    }
  layers_ = int(names.size());
  // Layer i sits at x = i. Same layers: the axes stay.
  if (names != names_) {
    names_ = names;
    for (auto* p : {&activations_, &gradients_, &fractions_}) nameLayers(*p, true);
  }
  activationMean_->replace(aMean);
  activationStd_->replace(aStd);
  gradientMean_->replace(gMean);
  gradientStd_->replace(gStd);
  setValues(zero_, zero);
  setValues(saturated_, saturated);
  fitRange(activations_.y, aMean, aStd, false);
  fitRange(gradients_.y, gMean, gStd, false);
  if (log) fitLogRange(gradientLogAxis_, gStd);
  const QString step = report_ ? tr(" (step %1)").arg(report_->step) : QString();
  activations_.chart->setTitle(tr("Activations by depth") + step);
  gradients_.chart->setTitle(tr("Gradients by depth") + step);
}

}  // namespace gradlab::ui

#include "views/sharpness_view.h"

#include "export/view_export.h"
#include "views/nice_range.h"

#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

// Dashes and gaps of 3 widths each: long enough to read as dashed on a projector.
void setPen(QLineSeries* s, QColor colour, double width, Qt::PenStyle style) {
  QPen pen(colour);
  pen.setWidthF(width);
  pen.setStyle(style);
  if (style == Qt::DashLine) pen.setDashPattern({3, 3});
  s->setPen(pen);
}

void setNiceRange(QValueAxis* axis, double lo, double hi) {
  if (!(hi > lo)) hi = lo + 1;
  const NiceRange nice = niceRange(lo, hi);
  if (nice.lo != axis->min() || nice.hi != axis->max() || nice.ticks != axis->tickCount()) {
    axis->setRange(nice.lo, nice.hi);
    axis->setTickCount(nice.ticks);
  }
}

QString number(double v) { return QString::number(v, 'g', 3); }

}  // namespace

SharpnessView::SharpnessView(QWidget* parent) : QWidget(parent) {
  makeExportable(this, tr("Sharpness"), [this] { return csv(); });
  chart_ = new QChart;
  chart_->setTitle(tr("Sharpness (top Hessian eigenvalue) and its stability limit"));
  chart_->legend()->setAlignment(Qt::AlignBottom);
  x_ = new QValueAxis;
  x_->setTitleText(tr("step"));
  x_->setLabelFormat("%.0f");
  y_ = new QValueAxis;
  y_->setTitleText(tr("λmax"));
  y_->setLabelFormat("%.3g");
  chart_->addAxis(x_, Qt::AlignBottom);
  chart_->addAxis(y_, Qt::AlignLeft);
  setNiceRange(x_, 0, 100);
  setNiceRange(y_, 0, 1);
  view_ = new QChartView(chart_, this);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumSize(420, 300);
  cost_ = new QLabel(this);
  cost_->setWordWrap(true);
  cost_->setTextFormat(Qt::RichText);
  cost_->setToolTip(
      tr("λmax is found by power iteration; \"converged to\" is its last relative change, the smaller the surer. "
         "The dashed limit is where the run's step stops being stable on a quadratic of that curvature: 2 / lr for "
         "plain SGD, (2 + 2β) / lr with heavy-ball momentum β, (2 + 2β) / ((1 + 2β) lr) with Nesterov's; for "
         "adaptive optimizers (Adam, RMSprop, ...) 2 / lr is drawn for reference only: their limit holds for the "
         "preconditioned curvature."));
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_, 1);
  layout->addWidget(cost_);
  makeSeries(1);
  draw();
}

void SharpnessView::showEvent(QShowEvent* event) {
  QWidget::showEvent(event);
  emit measuringWanted(true);
}

void SharpnessView::hideEvent(QHideEvent* event) {
  QWidget::hideEvent(event);
  emit measuringWanted(false);
}

void SharpnessView::addReport(const train::ProbeReport& report, uint32_t member) {
  if (!report.sharpness) return;
  auto& readings = readings_.restartAt(member, report.step);
  readings.push_back({report.step, *report.sharpness});
  draw();
}

void SharpnessView::setStabilityRule(uint32_t member, const analysis::StabilityRule& rule) {
  rules_[member] = rule;
  draw();
}

const analysis::StabilityRule& SharpnessView::ruleOf(uint32_t member) const {
  static const analysis::StabilityRule plainSgd;
  const auto found = rules_.find(member);
  return found == rules_.end() ? plainSgd : found->second;
}

void SharpnessView::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  draw();
}

void SharpnessView::clear() {
  readings_.clear();
  draw();
}

void SharpnessView::showMoment(const std::map<uint32_t, uint64_t>& steps) {
  readings_.showMoment(steps);
  draw();
}

void SharpnessView::showLive() {
  readings_.showLive();
  draw();
}

void SharpnessView::makeSeries(size_t count) {
  while (series_.size() > count) {
    for (QLineSeries* s : {series_.back().sharpness, series_.back().limit}) {
      chart_->removeSeries(s);
      delete s;
    }
    series_.pop_back();
  }
  while (series_.size() < count) {
    RunSeries r{new QLineSeries, new QLineSeries};
    for (QLineSeries* s : {r.sharpness, r.limit}) {
      chart_->addSeries(s);
      s->attachAxis(x_);
      s->attachAxis(y_);
    }
    series_.push_back(r);
  }
}

void SharpnessView::draw() {
  const RunStyles runs = shownRuns(styles_);
  makeSeries(runs.size());
  double lastStep = 0, highest = 0;
  QStringList latest;
  const Reading* costly = nullptr;
  std::vector<std::vector<Reading>> shown;
  for (const RunStyle& run : runs) shown.push_back(readings_.shown(run.member));
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunStyle& run = runs[r];
    const QString name = runs.size() > 1 ? run.label + " " : QString();  // the legend under the chart says more
    series_[r].sharpness->setName(name + tr("λmax"));
    const analysis::StabilityRule& rule = ruleOf(run.member);
    const QString formula = QString::fromStdString(rule.label);
    series_[r].limit->setName(name + formula);
    setPen(series_[r].sharpness, run.color, 2.5, Qt::SolidLine);
    setPen(series_[r].limit, run.color, 2.0, Qt::DashLine);  // 2 px: one row at full colour, antialiased or not
    QList<QPointF> sharpness, limit;
    for (const Reading& reading : shown[r]) {
      const double limitHere = rule.limit(reading.value.learningRate);
      if (std::isfinite(reading.value.lambdaMax)) sharpness << QPointF(reading.step, reading.value.lambdaMax);
      if (std::isfinite(limitHere)) limit << QPointF(reading.step, limitHere);
      lastStep = std::max(lastStep, double(reading.step));
      highest = std::max({highest, std::isfinite(limitHere) ? limitHere : 0.0, reading.value.lambdaMax});
      costly = &reading;
    }
    series_[r].sharpness->replace(sharpness);
    series_[r].limit->replace(limit);
    if (!shown[r].empty()) {
      const train::SharpnessReading& last = shown[r].back().value;
      latest << tr("<span style='color:%1'><b>%2</b></span> λmax %3 (converged to %4) · limit %5 = %6")
                    .arg(run.color.name(), run.label.toHtmlEscaped(), number(last.lambdaMax),
                         QString::number(last.relativeChange, 'g', 2), number(rule.limit(last.learningRate)),
                         formula.toHtmlEscaped());
    }
  }
  setNiceRange(x_, 0, std::max(lastStep, 10.0));
  setNiceRange(y_, 0, highest > 0 ? highest * 1.08 : 1);
  QString cost = tr("Measured at each probe while this view is shown, on the probed step's batch: ");
  cost += costly ? tr("%1 gradient passes, %2 ms each time.")
                       .arg(costly->value.gradients)
                       .arg(costly->value.seconds * 1000, 0, 'f', 0)
                 : tr("40 gradient passes each time (none yet: train to see the curve).");
  cost_->setText(cost + (latest.isEmpty() ? QString() : "<br>" + latest.join("&nbsp;&nbsp; ")));
}

QString SharpnessView::csv() const {
  CsvTable table(
      {"run", "step", "sharpness", "two_over_lr", "learning_rate", "relative_change", "stability_limit", "limit_rule"});
  for (const RunStyle& run : shownRuns(styles_)) {
    const analysis::StabilityRule& rule = ruleOf(run.member);
    for (const Reading& r : readings_.shown(run.member))
      table.row({CsvTable::text(run.legend()), QString::number(r.step), CsvTable::number(r.value.lambdaMax),
                 CsvTable::number(2 / r.value.learningRate), CsvTable::number(r.value.learningRate),
                 CsvTable::number(r.value.relativeChange), CsvTable::number(rule.limit(r.value.learningRate)),
                 CsvTable::text(QString::fromStdString(rule.label))});
  }
  return table.text();
}

QList<QPointF> SharpnessView::sharpnessPoints(int run) const { return series_.at(size_t(run)).sharpness->points(); }
QList<QPointF> SharpnessView::limitPoints(int run) const { return series_.at(size_t(run)).limit->points(); }
QString SharpnessView::limitName(int run) const { return series_.at(size_t(run)).limit->name(); }
std::pair<double, double> SharpnessView::xRange() const { return {x_->min(), x_->max()}; }
std::pair<double, double> SharpnessView::yRange() const { return {y_->min(), y_->max()}; }
QString SharpnessView::costText() const { return cost_->text(); }

QStringList SharpnessView::chartTexts() const {
  QStringList texts;
  for (const QGraphicsItem* item : view_->scene()->items()) {
    if (!item->isVisible()) continue;
    if (const auto* t = dynamic_cast<const QGraphicsTextItem*>(item)) texts << t->toPlainText();
    if (const auto* t = dynamic_cast<const QGraphicsSimpleTextItem*>(item)) texts << t->text();
  }
  return texts;
}

}  // namespace gradlab::ui

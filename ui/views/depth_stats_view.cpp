#include "views/depth_stats_view.h"

#include "export/view_export.h"
#include "views/nice_range.h"

#include <QCheckBox>
#include <QFontMetricsF>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QHBoxLayout>
#include <QLabel>
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

void setLine(QLineSeries* s, const QString& name, QColor colour, double width, Qt::PenStyle style) {
  s->setName(name);
  QPen pen(colour);
  pen.setWidthF(width);
  pen.setStyle(style);
  s->setPen(pen);
  s->setPointsVisible(true);
}

// A y-range that holds `values` with a little room, never empty, in nice ticks: it follows from
// the values alone (views/nice_range.h), so a moment of the timeline is drawn as it was live.
void fitRange(QValueAxis* axis, const QList<QPointF>& values, bool fromZero) {
  double lo = fromZero ? 0 : INFINITY, hi = fromZero ? 0 : -INFINITY;
  for (const QPointF& p : values)
    if (std::isfinite(p.y())) lo = std::min(lo, p.y()), hi = std::max(hi, p.y());
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) hi = lo + std::max(1e-6, std::abs(lo));
  const double pad = 0.08 * (hi - lo);
  lo = fromZero ? lo : lo - pad, hi += pad;
  const NiceRange nice = niceRange(lo, hi);
  if (nice.lo != axis->min() || nice.hi != axis->max() || nice.ticks != axis->tickCount()) {
    axis->setRange(nice.lo, nice.hi);
    axis->setTickCount(nice.ticks);
  }
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

// How a run's line style reads in a text legend: the pen drawn in characters.
QString penSample(Qt::PenStyle pen) {
  switch (pen) {
    case Qt::DashLine: return QString::fromUtf8("– – –");
    case Qt::DotLine: return QString::fromUtf8("·····");
    case Qt::DashDotLine: return QString::fromUtf8("–·–·");
    default: return QString::fromUtf8("———");
  }
}

bool isLoss(const train::LayerProbe& l) { return QString::fromStdString(l.type).endsWith("Loss"); }
const std::vector<train::LayerProbe> kNoLayers;

// A bar set's name and colours (no border colour: the theme's); the name only when it changes
// (a new name lays the legend out).
void setBars(QBarSet* set, const QString& name, const QBrush& brush, const QColor& border = {}) {
  if (set->label() != name) set->setLabel(name);
  set->setBrush(brush);
  if (border.isValid()) set->setBorderColor(border);
}

}  // namespace

DepthStatsView::DepthStatsView(QWidget* parent) : QWidget(parent) {
  makeExportable(
      this, tr("Statistics by depth"), [this] { return csv(); }, [this] { refresh(); });
  activations_ = makePanel(tr("Activations by depth"));
  gradients_ = makePanel(tr("Gradients by depth"));
  fractions_ = makePanel(tr("Dead and saturated units"));
  for (Panel* p : {&activations_, &gradients_, &fractions_})
    connect(p->chart, &QChart::plotAreaChanged, this, [this, p] { nameLayers(*p, false); });

  gradientLogAxis_ = new QLogValueAxis(this);
  gradientLogAxis_->setTitleText(tr("std (log scale)"));
  gradientLogAxis_->setLabelFormat("%.0e");
  gradientLogAxis_->setMinorTickCount(-1);

  bars_ = new QBarSeries;
  fractions_.chart->addSeries(bars_);
  bars_->attachAxis(fractions_.x);
  bars_->attachAxis(fractions_.y);
  fractions_.y->setRange(0, 100);
  fractions_.y->setTitleText(tr("% of units"));
  fractions_.y->setLabelFormat("%.0f");
  fractions_.view->setToolTip(
      tr("Per layer, the share of units that are dead (a ReLU's output exactly 0) "
         "and saturated (a tanh's or sigmoid's output near its limits)."));
  activations_.y->setTitleText(tr("value"));
  gradients_.y->setTitleText(tr("value"));

  logScale_ = new QCheckBox(tr("Log-scale gradient std (vanishing / exploding)"), this);
  connect(logScale_, &QCheckBox::toggled, this, &DepthStatsView::setGradientLogScale);
  makeSeries(1);
  styleSeries(series_[0], nullptr);

  auto* charts = new QHBoxLayout;
  for (auto* p : {&activations_, &gradients_, &fractions_}) charts->addWidget(p->view, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(charts, 1);
  runLegend_ = new QLabel(this);
  runLegend_->setWordWrap(true);
  runLegend_->setTextFormat(Qt::RichText);
  runLegend_->hide();
  layout->addWidget(runLegend_);
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

void DepthStatsView::setReport(std::shared_ptr<const train::ProbeReport> report, uint32_t member) {
  if (report)
    reports_[member] = std::move(report);
  else
    reports_.erase(member);
  dirty_ = true;
}

void DepthStatsView::setPrediction(std::vector<analysis::PredictedLayer> layers, uint32_t member) {
  predictions_[member] = std::move(layers);
  dirty_ = true;
}

void DepthStatsView::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  dirty_ = true;
}

void DepthStatsView::clear() {
  reports_.clear();
  dirty_ = true;
  refresh();
}

// Series for `count` runs, made or removed at the end; a new run's are attached to the axes.
void DepthStatsView::makeSeries(size_t count) {
  while (series_.size() > count) {
    const RunSeries& r = series_.back();
    for (auto [chart, line] :
         {std::pair{activations_.chart, r.activationMean}, std::pair{activations_.chart, r.activationStd},
          std::pair{gradients_.chart, r.gradientMean}, std::pair{gradients_.chart, r.gradientStd},
          std::pair{activations_.chart, r.predicted}, std::pair{gradients_.chart, r.predictedGradient}}) {
      chart->removeSeries(line);
      delete line;
    }
    bars_->remove(r.dead);
    bars_->remove(r.saturated);
    series_.pop_back();
  }
  while (series_.size() < count) {
    RunSeries r{new QLineSeries, new QLineSeries, new QLineSeries, new QLineSeries,
                new QBarSet({}), new QBarSet({}), new QLineSeries, new QLineSeries};
    for (auto [panel, line] : {std::pair{&activations_, r.activationMean}, std::pair{&activations_, r.activationStd},
                               std::pair{&activations_, r.predicted}}) {
      panel->chart->addSeries(line);
      line->attachAxis(panel->x);
      line->attachAxis(panel->y);
    }
    for (QLineSeries* line : {r.gradientMean, r.gradientStd, r.predictedGradient}) {
      gradients_.chart->addSeries(line);
      line->attachAxis(gradients_.x);
    }
    attachGradient(r);
    bars_->append(r.dead);
    bars_->append(r.saturated);
    series_.push_back(r);
  }
}

void DepthStatsView::attachGradient(const RunSeries& r) {
  const bool log = logScale_->isChecked();
  for (QLineSeries* line : {r.gradientStd, r.predictedGradient}) {
    for (QAbstractAxis* axis : line->attachedAxes())
      if (axis->orientation() == Qt::Vertical) line->detachAxis(axis);
    line->attachAxis(log ? static_cast<QAbstractAxis*>(gradientLogAxis_) : gradients_.y);
  }
  // A mean can be negative or zero: it has no place on a log scale.
  r.gradientMean->setVisible(!log);
  if (!log && !r.gradientMean->attachedAxes().contains(gradients_.y)) r.gradientMean->attachAxis(gradients_.y);
}

void DepthStatsView::styleSeries(const RunSeries& r, const RunStyle* run) {
  // The theory's std: dashes long and far apart, whatever the run's own line style.
  QPen theory(run ? run->color : QColor(31, 119, 180));
  theory.setWidthF(2.0);
  theory.setDashPattern({2, 3});
  r.predicted->setPen(theory);
  r.predicted->setName(run ? run->legend() + tr(" init theory") : tr("init theory"));
  theory.setColor(run ? run->color : QColor(214, 39, 40));
  r.predictedGradient->setPen(theory);
  r.predictedGradient->setName(r.predicted->name());
  if (!run) {  // alone: blue activations, red gradients, std solid, mean dashed and paler
    setLine(r.activationMean, tr("mean"), QColor(130, 180, 225), 2.0, Qt::DashLine);
    setLine(r.activationStd, tr("std"), QColor(31, 119, 180), 2.0, Qt::SolidLine);
    setLine(r.gradientMean, tr("mean"), QColor(240, 150, 150), 2.0, Qt::DashLine);
    setLine(r.gradientStd, tr("std"), QColor(214, 39, 40), 2.0, Qt::SolidLine);
    // Short legend names fit a chart at its minimum width; the tooltip says what they count.
    setBars(r.dead, tr("dead"), QColor(127, 127, 127));
    setBars(r.saturated, tr("saturated"), QColor(255, 127, 14));
    return;
  }
  // The run's colour and line style: std thick, mean thin (the run's pen tells runs apart).
  setLine(r.activationStd, run->legend() + tr(" std"), run->color, 2.5, run->pen);
  setLine(r.gradientStd, run->legend() + tr(" std"), run->color, 2.5, run->pen);
  setLine(r.activationMean, run->legend() + tr(" mean"), run->color, 1.0, run->pen);
  setLine(r.gradientMean, run->legend() + tr(" mean"), run->color, 1.0, run->pen);
  setBars(r.dead, run->legend() + tr(" dead"), run->color, run->color);
  setBars(r.saturated, run->legend() + tr(" saturated"), QBrush(run->color, Qt::BDiagPattern), run->color);
}

void DepthStatsView::setGradientLogScale(bool on) {
  if (logScale_->isChecked() != on) return logScale_->setChecked(on);  // comes back through toggled
  if (on == gradients_.chart->axes(Qt::Vertical).contains(gradientLogAxis_)) return;
  QAbstractAxis* from = on ? static_cast<QAbstractAxis*>(gradients_.y) : gradientLogAxis_;
  QAbstractAxis* to = on ? static_cast<QAbstractAxis*>(gradientLogAxis_) : gradients_.y;
  gradients_.chart->removeAxis(from);
  from->setParent(this);  // removeAxis hands ownership back
  gradients_.chart->addAxis(to, Qt::AlignLeft);
  for (const RunSeries& r : series_) attachGradient(r);
  dirty_ = true;
  refresh();
}

QList<QPointF> DepthStatsView::activationStd(int run) const { return series_.at(size_t(run)).activationStd->points(); }
QList<QPointF> DepthStatsView::gradientStd(int run) const { return series_.at(size_t(run)).gradientStd->points(); }
QList<QPointF> DepthStatsView::predictedStd(int run) const { return series_.at(size_t(run)).predicted->points(); }
QList<QPointF> DepthStatsView::predictedGradientStd(int run) const {
  return series_.at(size_t(run)).predictedGradient->points();
}
QList<qreal> DepthStatsView::deadPercent(int run) const {
  QList<qreal> values;
  const QBarSet* dead = series_.at(size_t(run)).dead;
  for (int i = 0; i < dead->count(); ++i) values.append(dead->at(i));
  return values;
}

QString DepthStatsView::runLegend() const { return runLegend_->isHidden() ? QString() : runLegend_->text(); }

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
  const RunStyles runs = shownRuns(styles_);
  const bool comparing = styles_.size() > 1, log = logScale_->isChecked();
  std::vector<const train::ProbeReport*> reports;
  for (const RunStyle& run : runs) {
    const auto it = reports_.find(run.member);
    reports.push_back(it == reports_.end() ? nullptr : it->second.get());
  }
  const QStringList names = layerNames(reports);
  makeSeries(runs.size());
  QList<QPointF> activationPoints, gradientPoints, logPoints;
  for (size_t r = 0; r < runs.size(); ++r) {
    const RunSeries& s = series_[r];
    styleSeries(s, comparing ? &runs[r] : nullptr);
    fillSeries(s, reports[r], names);
    fillPrediction(s, runs[r].member, reports[r], names);
    activationPoints << s.activationMean->points() << s.activationStd->points() << s.predicted->points();
    gradientPoints << s.gradientMean->points() << s.gradientStd->points() << s.predictedGradient->points();
    logPoints << s.gradientStd->points() << s.predictedGradient->points();
  }
  layers_ = int(names.size());
  if (names != names_) {  // same layers: the axes stay
    names_ = names;
    for (auto* p : {&activations_, &gradients_, &fractions_}) nameLayers(*p, true);
  }
  fitRange(activations_.y, activationPoints, false);
  fitRange(gradients_.y, gradientPoints, false);
  if (log) fitLogRange(gradientLogAxis_, logPoints);
  // Compared, the runs are named once under the charts: a chart's legend of every run's series
  // would crowd out its plot.
  for (auto* p : {&activations_, &gradients_, &fractions_}) p->chart->legend()->setVisible(!comparing);
  std::vector<std::pair<QString, uint64_t>> steps;
  for (size_t r = 0; r < runs.size(); ++r)
    if (reports[r]) steps.push_back({runs[r].label, reports[r]->step});
  const bool sameStep =
      std::all_of(steps.begin(), steps.end(), [&](const auto& s) { return s.second == steps[0].second; });
  showRunLegend(runs, sameStep ? QString() : stepText(steps));
  runLegend_->setVisible(comparing);
  const QString step = !steps.empty() && sameStep ? " (" + stepText(steps) + ")" : QString();
  activations_.chart->setTitle(tr("Activations by depth") + step);
  gradients_.chart->setTitle(tr("Gradients by depth") + step);
}

// The layers in forward order, merged over the runs: one only some runs have (a variant's
// BatchNorm) comes after the layer it follows in them. Layer i sits at x = i.
QStringList DepthStatsView::layerNames(const std::vector<const train::ProbeReport*>& reports) {
  QStringList names;
  for (const auto* report : reports)
    for (qsizetype at = 0; const auto& l : report ? report->layers : kNoLayers) {
      if (isLoss(l)) continue;
      const QString name = QString::fromStdString(l.node);
      qsizetype found = names.indexOf(name);
      if (found < 0) names.insert(at, name), found = at;
      at = found + 1;
    }
  return names;
}

// One run's lines and bars from its report (null: none yet), each layer at its place in `names`.
void DepthStatsView::fillSeries(const RunSeries& s, const train::ProbeReport* report, const QStringList& names) {
  const bool log = logScale_->isChecked();
  QList<QPointF> aMean, aStd, gMean, gStd;
  QList<qreal> zero(names.size(), 0.0), saturated(names.size(), 0.0);
  for (const auto& l : report ? report->layers : kNoLayers) {
    if (isLoss(l)) continue;
    const qsizetype i = names.indexOf(QString::fromStdString(l.node));
    // Values that are not finite have no place on an axis, nor a std of 0 on a log scale.
    auto add = [x = qreal(i)](QList<QPointF>& to, double y) {
      if (std::isfinite(y)) to << QPointF(x, y);
    };
    add(aMean, l.activation.mean);
    add(aStd, l.activation.std);
    if (l.gradient.count) {
      add(gMean, l.gradient.mean);
      if (!log || l.gradient.std > 0) add(gStd, l.gradient.std);
    }
    zero[i] = 100 * l.activation.deadFraction.value_or(0);
    saturated[i] = 100 * l.activation.saturatedFraction.value_or(0);
  }
  s.activationMean->replace(aMean);
  s.activationStd->replace(aStd);
  s.gradientMean->replace(gMean);
  s.gradientStd->replace(gStd);
  setValues(s.dead, zero);
  setValues(s.saturated, saturated);
}

// The predicted stds at the layers the run's report shows (none before its first report).
void DepthStatsView::fillPrediction(const RunSeries& s, uint32_t member, const train::ProbeReport* report,
                                    const QStringList& names) const {
  QList<QPointF> points, gradientPoints;
  const auto found = predictions_.find(member);
  if (found != predictions_.end())
    for (const analysis::PredictedLayer& l : found->second)
      if (const qsizetype i = names.indexOf(QString::fromStdString(l.node)); i >= 0 && std::isfinite(l.output.std()))
        points << QPointF(qreal(i), l.output.std());
  const auto gradients = report ? predictedGradients(member, *report) : std::vector<analysis::PredictedGradient>{};
  for (const analysis::PredictedGradient& g : gradients)
    if (const qsizetype i = names.indexOf(QString::fromStdString(g.node)); i >= 0 && std::isfinite(g.std) && g.std > 0)
      gradientPoints << QPointF(qreal(i), g.std);
  s.predicted->replace(points);
  s.predictedGradient->replace(gradientPoints);
}

// Back from the deepest predicted layer whose gradient the report measured.
std::vector<analysis::PredictedGradient> DepthStatsView::predictedGradients(uint32_t member,
                                                                            const train::ProbeReport& report) const {
  const auto found = predictions_.find(member);
  if (found == predictions_.end()) return {};
  const std::vector<analysis::PredictedLayer>& layers = found->second;
  for (auto l = layers.rbegin(); l != layers.rend(); ++l)
    for (const train::LayerProbe& probe : report.layers)
      if (probe.node == l->node && probe.gradient.count)
        return analysis::predictGradients(layers, l->node, probe.gradient.std);
  return {};
}

// Each run's pen sample and legend in its colour, what the marks mean, and the runs' steps when
// they differ (runs of other batch sizes): in a chart's title that would not fit at its minimum
// width.
void DepthStatsView::showRunLegend(const RunStyles& runs, const QString& differentSteps) {
  QStringList legend;
  for (const RunStyle& run : runs)
    legend << QString("<span style='color:%1'><b>%2</b> %3</span>")
                  .arg(run.color.name(), penSample(run.pen), run.legend().toHtmlEscaped());
  runLegend_->setText(legend.join("&nbsp;&nbsp;&nbsp; ") +
                      tr("<br>Lines: thick std, thin mean, short dashes the std the init predicts. Bars: solid dead, "
                         "hatched saturated.") +
                      (differentSteps.isEmpty() ? QString() : tr(" Probed at %1.").arg(differentSteps)));
}

QString DepthStatsView::csv() const {
  CsvTable table({"run", "step", "depth", "layer", "activation_mean", "activation_std", "gradient_mean", "gradient_std",
                  "dead_percent", "saturated_percent", "predicted_std", "predicted_gradient_std"});
  for (const RunStyle& run : shownRuns(styles_)) {
    const auto found = reports_.find(run.member);
    if (found == reports_.end() || !found->second) continue;
    const train::ProbeReport& report = *found->second;
    const auto prediction = predictions_.find(run.member);
    const std::vector<analysis::PredictedGradient> gradients = predictedGradients(run.member, report);
    for (int depth = 0; const auto& l : report.layers) {
      if (isLoss(l)) continue;
      const bool gradient = l.gradient.count > 0;
      QString predicted;
      if (prediction != predictions_.end())
        for (const analysis::PredictedLayer& p : prediction->second)
          if (p.node == l.node) predicted = CsvTable::number(p.output.std());
      QString predictedGradient;
      for (const analysis::PredictedGradient& g : gradients)
        if (g.node == l.node) predictedGradient = CsvTable::number(g.std);
      table.row({CsvTable::text(run.legend()), QString::number(report.step), QString::number(depth++),
                 CsvTable::text(QString::fromStdString(l.node)), CsvTable::number(l.activation.mean),
                 CsvTable::number(l.activation.std), gradient ? CsvTable::number(l.gradient.mean) : QString(),
                 gradient ? CsvTable::number(l.gradient.std) : QString(),
                 CsvTable::number(100 * l.activation.deadFraction.value_or(0)),
                 CsvTable::number(100 * l.activation.saturatedFraction.value_or(0)), predicted, predictedGradient});
    }
  }
  return table.text();
}

}  // namespace gradlab::ui

#include "training_charts.h"

#include "export/view_export.h"
#include "views/nice_range.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QPushButton>
#include <QTextDocument>
#include <QTimer>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>

namespace gradlab::ui {
namespace {

constexpr double kSmoothing = 0.95;  // exponential moving average of the per-step values
// Losses spanning more decades than this go on a log axis by themselves: on a linear one the
// largest (a diverging run reaches 1e21) flattens every other value onto zero.
constexpr double kLinearDecades = 6;
// A redraw replaces every changed series, which Qt Charts lays out and strokes again whole (a few
// milliseconds for four runs, most of it antialiased stroking): while snapshots stream in, they are
// gathered for this long (a curve grows a pixel or two meanwhile). Measured with 4 runs: 100 ms
// cost the UI thread ~57 ms a second, 200 ms ~36 (docs/BENCHMARKS.md).
constexpr int kRedrawIntervalMs = 200;
// Buckets drawn per series when several runs share a plot (a point every ~4 pixels at the lab's
// size): stroking their lines, the per-step ones above all, is most of a redraw's cost.
constexpr size_t kSharedPlotBuckets = 128;
// The colours of a lone run, with no run styles set.
const QColor kLoneRunColour(31, 119, 180), kLoneValidationColour(214, 39, 40);

// A reference is drawn in its run's colour washed out towards white: there, but behind.
QColor faded(const QColor& c) {
  constexpr double kWash = 0.6;
  return QColor(int(c.red() + (255 - c.red()) * kWash), int(c.green() + (255 - c.green()) * kWash),
                int(c.blue() + (255 - c.blue()) * kWash));
}

QScatterSeries::MarkerShape markerShape(size_t index) {
  static const QScatterSeries::MarkerShape kShapes[] = {
      QScatterSeries::MarkerShapeCircle, QScatterSeries::MarkerShapeRectangle, QScatterSeries::MarkerShapeTriangle,
      QScatterSeries::MarkerShapeRotatedRectangle};
  return kShapes[index % 4];
}

// The line a legend entry shows, in text: its pen style survives grey-scale.
QString penGlyph(Qt::PenStyle pen) {
  switch (pen) {
    case Qt::DashLine: return QStringLiteral("\u2013 \u2013 \u2013");
    case Qt::DotLine: return QStringLiteral("\u00b7 \u00b7 \u00b7 \u00b7");
    case Qt::DashDotLine: return QStringLiteral("\u2013\u00b7\u2013\u00b7");
    default: return QStringLiteral("\u2014\u2014\u2014");
  }
}

// The step of at most five ticks from 0 across `range`: 1, 2 or 5 times a power of ten.
double roundTickInterval(double range) {
  const double decade = std::pow(10.0, std::floor(std::log10(range / 5)));
  for (double step : {1.0, 2.0, 5.0, 10.0})
    if (range / (step * decade) <= 5) return step * decade;
  return 10 * decade;
}

double shownY(double y, bool logY) { return logY ? std::log10(std::max(y, 1e-8)) : y; }

// The step axis's end for values up to `last`: the first of 12.5 x 1.25^k at or past it. The axis
// then follows from the values drawn alone (a moment of the timeline is drawn as it was live),
// and moves only when the run passes a rung: a new range lays the chart out again (milliseconds).
double stepAxisEnd(double last) {
  double end = 12.5;
  while (end < last) end *= 1.25;
  return end;
}

}  // namespace

void ThinnedSeries::add(double x, double y) {
  const QPointF point(x, y);
  const bool finite = std::isfinite(y);
  if (buckets_.empty() || buckets_.back().count == stride_) {
    if (buckets_.size() == kBuckets) {  // full: halve the resolution (kBuckets is even)
      for (size_t i = 0; i < kBuckets / 2; ++i) buckets_[i] = merged(buckets_[2 * i], buckets_[2 * i + 1]);
      buckets_.resize(kBuckets / 2);
      stride_ *= 2;
    }
    if (buckets_.empty() || buckets_.back().count == stride_) buckets_.push_back({point, point, point, 0, false});
  }
  Bucket& b = buckets_.back();
  if (finite && (!b.finite || y < b.low.y())) b.low = point;
  if (finite && (!b.finite || y > b.high.y())) b.high = point;
  b.finite = b.finite || finite;
  b.last = point;
  ++b.count;
}

ThinnedSeries::Bucket ThinnedSeries::merged(const Bucket& a, const Bucket& b) {
  if (!a.finite) return {b.low, b.high, b.last, a.count + b.count, b.finite};
  Bucket m = a;
  if (b.finite && b.low.y() < m.low.y()) m.low = b.low;
  if (b.finite && b.high.y() > m.high.y()) m.high = b.high;
  m.last = b.last;
  m.count += b.count;
  return m;
}

QList<QPointF> ThinnedSeries::points(bool envelope, double xScale, bool logY, size_t maxBuckets) const {
  // Neighbouring buckets drawn as one, in aligned groups of a power of two so a group's points do
  // not shift as buckets are added.
  size_t group = 1;
  while (group * std::max<size_t>(1, maxBuckets) < buckets_.size()) group *= 2;
  QList<QPointF> out;
  out.reserve(qsizetype(buckets_.size() / group * (envelope ? 2 : 1) + 3));
  auto put = [&](const QPointF& p) { out.append(QPointF(p.x() * xScale, shownY(p.y(), logY))); };
  for (size_t first = 0; first < buckets_.size(); first += group) {
    Bucket b = buckets_[first];
    for (size_t i = first + 1; i < std::min(first + group, buckets_.size()); ++i) b = merged(b, buckets_[i]);
    if (!envelope || b.count == 1 || !b.finite) {
      put(b.last);
      continue;
    }
    const bool lowFirst = b.low.x() <= b.high.x();
    put(lowFirst ? b.low : b.high);
    if (b.low.x() != b.high.x()) put(lowFirst ? b.high : b.low);
    // The newest bucket also ends where the run is now, and a bucket that went NaN shows it.
    const double lastDrawn = std::max(b.low.x(), b.high.x());
    if (b.last.x() != lastDrawn && (first + group >= buckets_.size() || !std::isfinite(b.last.y()))) put(b.last);
  }
  return out;
}

void TrainingCharts::Curves::noteLoss(double loss) {
  if (std::isfinite(loss) && loss > 0)
    lowestLoss = std::min(lowestLoss, loss), highestLoss = std::max(highestLoss, loss);
}

void TrainingCharts::Curves::append(const std::vector<train::StepRecord>& records) {
  for (const auto& r : records) appendStep(double(r.step + 1), r.loss, r.accuracy * 100);
}

void TrainingCharts::Curves::appendStep(double x, double loss, double accuracy) {
  steps.push_back(x);
  losses.push_back(loss);
  accuracies.push_back(accuracy);
  noteLoss(loss);
  // Exponential moving average with Adam's bias correction, so it follows from the first step
  // instead of creeping up from the first value.
  emaLoss = kSmoothing * emaLoss + (1 - kSmoothing) * loss;
  emaAccuracy = kSmoothing * emaAccuracy + (1 - kSmoothing) * accuracy;
  const double correction = 1 - std::pow(kSmoothing, double(steps.size()));
  rawLoss.add(x, loss);
  rawAccuracy.add(x, accuracy);
  smoothLoss.add(x, emaLoss / correction);
  smoothAccuracy.add(x, emaAccuracy / correction);
}

void TrainingCharts::Curves::addValidation(uint64_t step, double loss, double accuracy) {
  addValidationPoint(double(step), loss, accuracy * 100);
}

void TrainingCharts::Curves::addValidationPoint(double x, double loss, double accuracy) {
  validationSteps.push_back(x);
  validationLoss.push_back(loss);
  validationAccuracy.push_back(accuracy);
  validationLossPoints.add(x, loss);
  validationAccuracyPoints.add(x, accuracy);
  noteLoss(loss);
}

// Step x is the (x-1)-th step's record, which a snapshot at step x carries; a validation pass at x
// came with it. The same values in the same order give the same averages and thinning.
TrainingCharts::Curves TrainingCharts::Curves::upTo(uint64_t step) const {
  Curves c;
  for (size_t i = 0; i < steps.size(); ++i)
    if (steps[i] <= double(step)) c.appendStep(steps[i], losses[i], accuracies[i]);
  for (size_t i = 0; i < validationSteps.size(); ++i)
    if (validationSteps[i] <= double(step))
      c.addValidationPoint(validationSteps[i], validationLoss[i], validationAccuracy[i]);
  return c;
}

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
  makeExportable(this, tr("Loss and accuracy"), [this] { return csv(); });
  loss_ = makePanel(tr("Loss"), tr("loss"));
  accuracy_ = makePanel(tr("Accuracy"), tr("%"));
  legend_ = new QLabel(this);
  legend_->setWordWrap(true);  // a long run description wraps; it is never cut short
  legend_->setTextFormat(Qt::RichText);
  legend_->setContentsMargins(8, 2, 8, 2);
  legend_->hide();
  logScale_ = new QCheckBox(tr("Log-scale loss"), this);
  logNote_ = new QLabel(this);
  logNote_->hide();
  connect(logScale_, &QCheckBox::toggled, this, [this] {
    dirty_ = true;
    redraw();
  });
  keepReference_ = new QPushButton(tr("Keep as reference"), this);
  keepReference_->setToolTip(tr("Keep the curves shown now, faded, while the next run trains (Reset keeps them)"));
  clearReference_ = new QPushButton(tr("Clear reference"), this);
  connect(keepReference_, &QPushButton::clicked, this, &TrainingCharts::keepReference);
  connect(clearReference_, &QPushButton::clicked, this, &TrainingCharts::clearReference);
  auto* charts = new QHBoxLayout;
  charts->addWidget(loss_.view, 1);
  charts->addWidget(accuracy_.view, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(charts, 1);
  layout->addWidget(legend_);
  auto* options = new QHBoxLayout;
  options->addWidget(logScale_);
  options->addWidget(logNote_, 1);
  options->addStretch();  // the buttons keep their size when there is no note
  options->addWidget(keepReference_);
  options->addWidget(clearReference_);
  layout->addLayout(options);
  redrawTimer_ = new QTimer(this);
  redrawTimer_->setSingleShot(true);
  redrawTimer_->setInterval(kRedrawIntervalMs);
  connect(redrawTimer_, &QTimer::timeout, this, &TrainingCharts::redraw);
  rebuildSeries();
}

TrainingCharts::Panel TrainingCharts::makePanel(const QString& title, const QString& unit) {
  Panel p;
  p.chart = new QChart;
  p.chart->setTitle(title);
  p.chart->legend()->setAlignment(Qt::AlignBottom);
  p.x = new QValueAxis;
  p.x->setTitleText(tr("step"));
  p.x->setLabelFormat("%d");
  p.x->setTickType(QValueAxis::TicksDynamic);
  p.x->setTickAnchor(0);
  p.y = new QValueAxis;
  p.y->setTitleText(unit);
  p.y->setLabelFormat("%.3g");  // readable for tiny and for exploding losses alike
  p.chart->addAxis(p.x, Qt::AlignBottom);
  p.chart->addAxis(p.y, Qt::AlignLeft);
  p.view = new QChartView(p.chart, this);
  p.view->setRenderHint(QPainter::Antialiasing);
  p.view->setMinimumSize(320, 240);
  return p;
}

std::vector<RunStyle> TrainingCharts::drawnRuns() const {
  if (styles_.empty()) {  // a lone run in the charts' own colours
    RunStyle lone;
    lone.color = kLoneRunColour;
    return {lone};
  }
  RunStyles shown;
  for (const RunStyle& style : styles_)
    if (style.visible) shown.push_back(style);
  return shown;
}

// Series are made anew when the runs or the reference change (rare, user actions); drawing only
// replaces points. Back to front: references, then every run's steps, averages, validation.
void TrainingCharts::rebuildSeries() {
  const bool lone = styles_.empty();
  const RunStyles shown = drawnRuns();
  for (Panel* p : {&loss_, &accuracy_}) {
    p->chart->removeAllSeries();
    p->runs.assign(shown.size(), {});
    p->references.assign(reference_.size(), {});
    auto attach = [p](auto* series, bool inLegend) {
      p->chart->addSeries(series);
      series->attachAxis(p->x);
      series->attachAxis(p->y);
      for (QLegendMarker* marker : p->chart->legend()->markers(series)) marker->setVisible(inLegend);
      return series;
    };
    auto line = [&](const QString& name, const QColor& colour, double width, Qt::PenStyle style) {
      auto* series = new QLineSeries;
      series->setName(name);
      QPen pen(colour);
      pen.setWidthF(width);
      pen.setStyle(style);
      series->setPen(pen);
      return attach(series, lone);
    };
    auto markers = [&](const QString& name, const QColor& colour, size_t index, bool inLegend) {
      auto* series = new QScatterSeries;
      series->setName(name);
      series->setColor(colour);
      series->setMarkerShape(markerShape(index));
      series->setMarkerSize(lone ? 8 : 7);
      if (!lone) series->setBorderColor(Qt::white);  // apart from the lines they sit on
      return attach(series, inLegend);
    };
    for (size_t i = 0; i < reference_.size(); ++i) {
      const RunStyle& style = reference_[i].style;
      const QString name = style.label.isEmpty() ? tr("reference") : tr("reference %1").arg(style.label);
      p->references[i].smooth = line(name, faded(style.color), 2.0, style.pen);
      const QColor validation = style.label.isEmpty() ? kLoneValidationColour : style.color;
      p->references[i].validation = markers(name + " " + tr("validation"), faded(validation), i, false);
    }
    auto prefix = [&](size_t i) { return lone ? QString() : shown[i].label + " "; };
    for (size_t i = 0; i < shown.size(); ++i) {
      QColor faint = shown[i].color;
      faint.setAlpha(70);
      p->runs[i].raw = line(prefix(i) + tr("training (each step)"), faint, 1.0, Qt::SolidLine);
    }
    for (size_t i = 0; i < shown.size(); ++i)
      p->runs[i].smooth = line(prefix(i) + tr("training (average)"), shown[i].color, 2.2, shown[i].pen);
    for (size_t i = 0; i < shown.size(); ++i)
      p->runs[i].validation =
          markers(prefix(i) + tr("validation"), lone ? kLoneValidationColour : shown[i].color, i, lone);
    // The legend is under both charts: inside either, Qt cuts its entries short where they do not
    // fit in one row (a docked chart, a projector's large text).
    p->chart->legend()->setVisible(false);
  }
  updateLegend();
  everything_ = true;
  dirty_ = true;
  redraw();
}

// One legend for both charts, in a label that wraps rather than shortens: a run's description
// ("B: BatchNorm1d after every Linear") is what tells the runs apart.
void TrainingCharts::updateLegend() {
  const bool lone = styles_.empty();
  QStringList entries;
  auto entry = [](const QColor& colour, const QString& glyph, const QString& text) {
    return QString("<span style=\"color:%1\"><b>%2</b></span>&nbsp;%3").arg(colour.name(), glyph, text.toHtmlEscaped());
  };
  if (lone) {
    entries << entry(kLoneRunColour, penGlyph(Qt::SolidLine), tr("this run"))
            << entry(kLoneValidationColour, QStringLiteral("\u25cf"), tr("validation"));
  }
  for (const RunStyle& style : lone ? RunStyles{} : drawnRuns())
    entries << entry(style.color, penGlyph(style.pen), style.legend());
  for (const Pinned& pinned : reference_) {
    const QString legend = pinned.style.legend();
    entries << entry(faded(pinned.style.color), penGlyph(pinned.style.pen),
                     legend.isEmpty() ? tr("reference") : tr("reference %1").arg(legend));
  }
  const QString kinds =
      lone ? tr("bold: average, faint: each step") : tr("bold: average, faint: each step, markers: validation");
  entries << QString("<span style=\"color:#808080\">%1</span>").arg(kinds.toHtmlEscaped().replace(' ', "&nbsp;"));
  legend_->setText(entries.join("&nbsp;&nbsp;&nbsp; "));
  legend_->show();
}

void TrainingCharts::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  rebuildSeries();
}

void TrainingCharts::setRunBatches(const std::vector<uint32_t>& batches) {
  batches_ = batches;
  dirty_ = true;
  redraw();
}

uint32_t TrainingCharts::batchOf(uint32_t member) const { return member < batches_.size() ? batches_[member] : 0; }

bool TrainingCharts::batchesDiffer() const {
  std::set<uint32_t> batches;
  for (const RunStyle& style : drawnRuns())
    if (const uint32_t batch = batchOf(style.member)) batches.insert(batch);
  for (const Pinned& pinned : reference_)
    if (pinned.batch) batches.insert(pinned.batch);
  return batches.size() > 1;
}

double TrainingCharts::xScale(uint32_t batch) const { return samplesAxis_ && batch ? double(batch) : 1.0; }

void TrainingCharts::setHistory(const std::vector<persist::MetricPoint>& training,
                                const std::vector<persist::MetricPoint>& validation, uint32_t member) {
  std::vector<train::StepRecord> records;
  for (const auto& p : training) records.push_back({p.step, p.loss, p.accuracy});
  Curves& curves = curves_[member];
  curves.append(records);
  for (const auto& p : validation) curves.addValidation(p.step, p.loss, p.accuracy);
  changed_.insert(member);
  dirty_ = true;
  redraw();
}

std::vector<persist::MetricPoint> TrainingCharts::trainingHistory(uint32_t member) const {
  const auto found = curves_.find(member);
  if (found == curves_.end()) return {};
  const Curves& c = found->second;
  std::vector<persist::MetricPoint> out(c.steps.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = {uint64_t(c.steps[i]) - 1, c.losses[i], c.accuracies[i] / 100};
  return out;
}

std::vector<persist::MetricPoint> TrainingCharts::validationHistory(uint32_t member) const {
  const auto found = curves_.find(member);
  if (found == curves_.end()) return {};
  const Curves& c = found->second;
  std::vector<persist::MetricPoint> out(c.validationSteps.size());
  for (size_t i = 0; i < out.size(); ++i)
    out[i] = {uint64_t(c.validationSteps[i]), c.validationLoss[i], c.validationAccuracy[i] / 100};
  return out;
}

size_t TrainingCharts::lossPoints(uint32_t member) const {
  const auto found = curves_.find(member);
  return found == curves_.end() ? 0 : found->second.steps.size();
}

size_t TrainingCharts::validationPoints(uint32_t member) const {
  const auto found = curves_.find(member);
  return found == curves_.end() ? 0 : found->second.validationSteps.size();
}

void TrainingCharts::follow(uint64_t runId, uint64_t generation) {
  runId_ = runId;
  generation_ = generation;
}

void TrainingCharts::add(const train::Snapshot& snapshot) {
  if (snapshot.runId != runId_ || snapshot.generation != generation_) return;
  if (!snapshot.records.empty() || snapshot.validation) {
    Curves& curves = curves_[snapshot.member];
    curves.append(snapshot.records);
    if (snapshot.validation)
      curves.addValidation(snapshot.step, snapshot.validation->loss, snapshot.validation->accuracy);
    changed_.insert(snapshot.member);
    dirty_ = true;
  }
  // While running, snapshots are gathered; a run that stopped advancing is drawn whole at once.
  if (snapshot.state == train::RunState::Running)
    scheduleRedraw();
  else
    redraw();
}

void TrainingCharts::showMoment(const std::map<uint32_t, uint64_t>& steps) {
  std::map<uint32_t, Curves> shown;
  for (const auto& [member, step] : steps)
    if (const auto found = curves_.find(member); found != curves_.end()) shown[member] = found->second.upTo(step);
  replay_ = std::move(shown);
  everything_ = true;
  dirty_ = true;
  redraw();
}

void TrainingCharts::showLive() {
  if (!replay_) return;
  replay_.reset();
  everything_ = true;
  dirty_ = true;
  redraw();
}

void TrainingCharts::scheduleRedraw() {
  if (dirty_ && !redrawTimer_->isActive()) redrawTimer_->start();
}

void TrainingCharts::clear() {
  curves_.clear();
  replay_.reset();
  changed_.clear();
  everything_ = true;
  dirty_ = true;
  redraw();
}

void TrainingCharts::keepReference() {
  std::vector<Pinned> pinned;
  for (const RunStyle& style : drawnRuns()) {
    const auto found = curves_.find(style.member);
    if (found != curves_.end() && !found->second.steps.empty())
      pinned.push_back({style, found->second, batchOf(style.member)});
  }
  if (pinned.empty()) return;
  reference_ = std::move(pinned);
  rebuildSeries();
}

void TrainingCharts::clearReference() {
  if (reference_.empty()) return;
  reference_.clear();
  rebuildSeries();
}

void TrainingCharts::redraw() {
  redrawTimer_->stop();
  if (!dirty_) return;
  dirty_ = false;
  QString note;
  const bool logY = logScale_->isChecked() || lossesNeedLogAxis(&note);
  logNote_->setText(logScale_->isChecked() ? QString() : note);
  logNote_->setVisible(!logNote_->text().isEmpty());
  const bool samples = batchesDiffer();
  if (logY != logAxis_ || samples != samplesAxis_) everything_ = true;
  logAxis_ = logY;
  samplesAxis_ = samples;
  fillPanel(loss_, true, logY);
  fillPanel(accuracy_, false, false);
  loss_.y->setTitleText(logY ? tr("log10 loss") : tr("loss"));
  for (Panel* p : {&loss_, &accuracy_}) p->x->setTitleText(samples ? tr("samples seen") : tr("step"));
  everything_ = false;
  changed_.clear();
  bool anyCurve = false;
  for (const RunStyle& style : drawnRuns()) anyCurve = anyCurve || lossPoints(style.member) > 0;
  keepReference_->setEnabled(anyCurve);
  clearReference_->setEnabled(!reference_.empty());
}

// Moves the axes, then replaces the points of the runs that changed (all after a change of axes):
// a new range recomputes every series' geometry, so points replaced before it would be laid out
// twice. Changing an axis's range lays the whole chart out again (milliseconds each time), so the
// ranges move in steps (x by a quarter, y by a nice tick), and most redraws only replace the points.
void TrainingCharts::fillPanel(Panel& p, bool loss, bool logY) {
  double lo = INFINITY, hi = -INFINITY, last = 0;
  std::vector<std::pair<QXYSeries*, QList<QPointF>>> replacements;
  auto span = [&](const QList<QPointF>& points) {
    for (const QPointF& point : points) {
      if (std::isfinite(point.x())) last = std::max(last, point.x());
      if (std::isfinite(point.y())) lo = std::min(lo, point.y()), hi = std::max(hi, point.y());
    }
  };
  static const Curves kNone;
  const RunStyles shown = drawnRuns();
  const size_t buckets = shown.size() + reference_.size() > 1 ? kSharedPlotBuckets : ThinnedSeries::kBuckets;
  for (size_t i = 0; i < shown.size() && i < p.runs.size(); ++i) {
    const auto found = shownCurves().find(shown[i].member);
    const Curves& c = found == shownCurves().end() ? kNone : found->second;
    const double scale = xScale(batchOf(shown[i].member));
    QList<QPointF> raw = (loss ? c.rawLoss : c.rawAccuracy).points(true, scale, logY, buckets);
    QList<QPointF> validation = (loss ? c.validationLossPoints : c.validationAccuracyPoints).points(false, scale, logY);
    span(raw);
    span(validation);
    if (!everything_ && !changed_.count(shown[i].member)) continue;
    replacements.emplace_back(p.runs[i].raw, std::move(raw));
    replacements.emplace_back(p.runs[i].smooth,
                              (loss ? c.smoothLoss : c.smoothAccuracy).points(false, scale, logY, buckets));
    replacements.emplace_back(p.runs[i].validation, std::move(validation));
  }
  for (size_t i = 0; i < reference_.size() && i < p.references.size(); ++i) {
    const Curves& c = reference_[i].curves;
    const double scale = xScale(reference_[i].batch);
    QList<QPointF> smooth = (loss ? c.smoothLoss : c.smoothAccuracy).points(false, scale, logY, buckets);
    QList<QPointF> validation = (loss ? c.validationLossPoints : c.validationAccuracyPoints).points(false, scale, logY);
    span(smooth);
    span(validation);
    if (!everything_) continue;
    replacements.emplace_back(p.references[i].smooth, std::move(smooth));
    replacements.emplace_back(p.references[i].validation, std::move(validation));
  }
  moveAxes(p, loss, logY, lo, hi, last);
  for (auto& [series, points] : replacements) series->replace(points);
}

void TrainingCharts::moveAxes(Panel& p, bool loss, bool logY, double lo, double hi, double last) {
  const double range = stepAxisEnd(std::max(10.0, last));
  if (range != p.x->max()) {
    // Grid lines at 0, 20, 40, not at 0, 21, 43. Whichever of range and interval is wider goes
    // first: a small interval across a range 10^4 times wider would lay out 10^4 tick labels.
    const double interval = roundTickInterval(range);
    if (range > p.x->max()) p.x->setTickInterval(interval);
    p.x->setRange(0, range);
    p.x->setTickInterval(interval);
  }
  if (!loss) {  // accuracy: always the whole scale, so it never reads above 100%
    if (p.y->min() != 0 || p.y->max() != 100) p.y->setRange(0, 100);
    return;
  }
  if (!std::isfinite(lo)) lo = 0, hi = 1;
  if (hi - lo < 1e-6) hi = lo + 1;
  const double pad = 0.05 * (hi - lo);
  if (logY)
    lo = std::floor(lo), hi = std::ceil(hi);  // whole decades: a pad would round out to whole tens
  else
    lo = std::max(0.0, lo - pad), hi += pad;
  const NiceRange nice = niceRange(lo, hi);
  if (nice.lo != p.y->min() || nice.hi != p.y->max() || nice.ticks != p.y->tickCount()) {
    p.y->setRange(nice.lo, nice.hi);
    p.y->setTickCount(nice.ticks);
  }
}

bool TrainingCharts::lossesNeedLogAxis(QString* note) const {
  double lo = INFINITY, hi = 0;
  auto include = [&](const Curves& c) { lo = std::min(lo, c.lowestLoss), hi = std::max(hi, c.highestLoss); };
  for (const RunStyle& style : drawnRuns())
    if (const auto found = shownCurves().find(style.member); found != shownCurves().end()) include(found->second);
  for (const Pinned& pinned : reference_) include(pinned.curves);
  if (hi == 0 || std::log10(hi / lo) <= kLinearDecades) return false;
  *note = tr("Shown on a log scale: the losses span %1 to %2, too wide for a linear axis.")
              .arg(lo, 0, 'g', 2)
              .arg(hi, 0, 'g', 2);
  return true;
}

std::pair<double, double> TrainingCharts::lossAxisRange() const { return {loss_.y->min(), loss_.y->max()}; }
std::pair<double, double> TrainingCharts::accuracyAxisRange() const { return {accuracy_.y->min(), accuracy_.y->max()}; }
std::pair<double, double> TrainingCharts::stepAxisRange() const { return {loss_.x->min(), loss_.x->max()}; }
QString TrainingCharts::stepAxisTitle() const { return loss_.x->titleText(); }
bool TrainingCharts::lossAxisIsLog() const { return loss_.y->titleText() != tr("loss"); }
QString TrainingCharts::lossAxisNote() const { return logNote_->isHidden() ? QString() : logNote_->text(); }

QString TrainingCharts::legendText() const {
  if (legend_->text().isEmpty()) return {};
  QTextDocument document;
  document.setHtml(legend_->text());
  return document.toPlainText();
}

QString TrainingCharts::csv() const {
  CsvTable table({"run", "chart", "series", samplesAxis_ ? "samples_seen" : "step", "value"});
  auto add = [&table](const QString& run, const QString& chart, const QString& series, const QList<QPointF>& points) {
    for (const QPointF& p : points)
      table.row({CsvTable::text(run), chart, series, CsvTable::number(p.x()), CsvTable::number(p.y())});
  };
  const RunStyles shown = drawnRuns();
  const size_t buckets = shown.size() + reference_.size() > 1 ? kSharedPlotBuckets : ThinnedSeries::kBuckets;
  for (const bool loss : {true, false}) {
    const QString chart = loss ? "loss" : "accuracy";
    for (const RunStyle& style : shown) {
      const auto found = shownCurves().find(style.member);
      if (found == shownCurves().end()) continue;
      const Curves& c = found->second;
      const double scale = xScale(batchOf(style.member));
      add(style.legend(), chart, "training", (loss ? c.rawLoss : c.rawAccuracy).points(true, scale, false, buckets));
      add(style.legend(), chart, "average",
          (loss ? c.smoothLoss : c.smoothAccuracy).points(false, scale, false, buckets));
      add(style.legend(), chart, "validation",
          (loss ? c.validationLossPoints : c.validationAccuracyPoints).points(false, scale, false));
    }
    for (const Pinned& pinned : reference_) {
      const QString run = pinned.style.legend() + " (reference)";
      const double scale = xScale(pinned.batch);
      const Curves& c = pinned.curves;
      add(run, chart, "average", (loss ? c.smoothLoss : c.smoothAccuracy).points(false, scale, false, buckets));
      add(run, chart, "validation",
          (loss ? c.validationLossPoints : c.validationAccuracyPoints).points(false, scale, false));
    }
  }
  return table.text();
}

}  // namespace gradlab::ui

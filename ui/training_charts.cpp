#include "training_charts.h"

#include <QCheckBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QTimer>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

constexpr double kSmoothing = 0.95;   // exponential moving average of the per-step values
constexpr size_t kMaxPoints = 1000;   // points drawn per series (a chart is a few hundred pixels wide)
// Losses spanning more decades than this go on a log axis by themselves: on a linear one the
// largest (a diverging run reaches 1e21) flattens every other value onto zero.
constexpr double kLinearDecades = 6;

// Every k-th point and the last, at most kMaxPoints + 1, so long runs stay cheap to draw.
QList<QPointF> thinned(const std::vector<double>& x, const std::vector<double>& y, bool logY) {
  QList<QPointF> points;
  const size_t n = x.size(), stride = std::max<size_t>(1, (n + kMaxPoints - 1) / kMaxPoints);
  auto point = [&](size_t i) { return QPointF(x[i], logY ? std::log10(std::max(y[i], 1e-8)) : y[i]); };
  points.reserve(qsizetype(n / stride + 2));
  for (size_t i = 0; i < n; i += stride) points.append(point(i));
  if (n > 0 && (n - 1) % stride != 0) points.append(point(n - 1));
  return points;
}

}  // namespace

TrainingCharts::TrainingCharts(QWidget* parent) : QWidget(parent) {
  loss_ = makePanel(tr("Loss"), tr("loss"));
  accuracy_ = makePanel(tr("Accuracy"), tr("%"));
  logScale_ = new QCheckBox(tr("Log-scale loss"), this);
  logNote_ = new QLabel(this);
  logNote_->hide();
  connect(logScale_, &QCheckBox::toggled, this, [this] {
    dirty_ = true;
    redraw();
  });
  auto* charts = new QHBoxLayout;
  charts->addWidget(loss_.view, 1);
  charts->addWidget(accuracy_.view, 1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(charts, 1);
  auto* options = new QHBoxLayout;
  options->addWidget(logScale_);
  options->addWidget(logNote_, 1);
  layout->addLayout(options);
  redrawTimer_ = new QTimer(this);
  redrawTimer_->setInterval(33);  // at most 30 redraws a second
  connect(redrawTimer_, &QTimer::timeout, this, &TrainingCharts::redraw);
  redrawTimer_->start();
}

TrainingCharts::Panel TrainingCharts::makePanel(const QString& title, const QString& unit) {
  Panel p;
  p.chart = new QChart;
  p.chart->setTitle(title);
  p.chart->legend()->setAlignment(Qt::AlignBottom);
  p.raw = new QLineSeries;
  p.raw->setName(tr("training (each step)"));
  QPen faint(QColor(31, 119, 180, 70));
  faint.setWidthF(1.0);
  p.raw->setPen(faint);
  p.smooth = new QLineSeries;
  p.smooth->setName(tr("training (average)"));
  QPen bold(QColor(31, 119, 180));
  bold.setWidthF(2.2);
  p.smooth->setPen(bold);
  p.validation = new QScatterSeries;
  p.validation->setName(tr("validation"));
  p.validation->setColor(QColor(214, 39, 40));
  p.validation->setMarkerSize(8);
  for (auto* s : {static_cast<QAbstractSeries*>(p.raw), static_cast<QAbstractSeries*>(p.smooth),
                  static_cast<QAbstractSeries*>(p.validation)})
    p.chart->addSeries(s);
  p.x = new QValueAxis;
  p.x->setTitleText(tr("step"));
  p.x->setLabelFormat("%d");
  p.y = new QValueAxis;
  p.y->setTitleText(unit);
  p.y->setLabelFormat("%.3g");  // readable for tiny and for exploding losses alike
  p.chart->addAxis(p.x, Qt::AlignBottom);
  p.chart->addAxis(p.y, Qt::AlignLeft);
  for (auto* s : p.chart->series()) {
    s->attachAxis(p.x);
    s->attachAxis(p.y);
  }
  p.view = new QChartView(p.chart, this);
  p.view->setRenderHint(QPainter::Antialiasing);
  p.view->setMinimumSize(320, 240);
  return p;
}

void TrainingCharts::setHistory(const std::vector<persist::MetricPoint>& training,
                                const std::vector<persist::MetricPoint>& validation) {
  std::vector<train::StepRecord> records;
  for (const auto& p : training) records.push_back({p.step, p.loss, p.accuracy});
  append(records);
  dirty_ = true;
  for (const auto& p : validation) {
    validationSteps_.push_back(double(p.step));
    validationLoss_.push_back(p.loss);
    validationAccuracy_.push_back(p.accuracy * 100);
  }
  redraw();
}

std::vector<persist::MetricPoint> TrainingCharts::trainingHistory() const {
  std::vector<persist::MetricPoint> out(steps_.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = {uint64_t(steps_[i]) - 1, losses_[i], accuracies_[i] / 100};
  return out;
}

std::vector<persist::MetricPoint> TrainingCharts::validationHistory() const {
  std::vector<persist::MetricPoint> out(validationSteps_.size());
  for (size_t i = 0; i < out.size(); ++i) out[i] = {uint64_t(validationSteps_[i]), validationLoss_[i], validationAccuracy_[i] / 100};
  return out;
}

void TrainingCharts::follow(uint64_t runId, uint64_t generation) {
  runId_ = runId;
  generation_ = generation;
}

void TrainingCharts::add(const train::Snapshot& snapshot) {
  if (snapshot.runId != runId_ || snapshot.generation != generation_) return;
  append(snapshot.records);
  if (snapshot.validation) {
    validationSteps_.push_back(double(snapshot.step));
    validationLoss_.push_back(snapshot.validation->loss);
    validationAccuracy_.push_back(snapshot.validation->accuracy * 100);
  }
  dirty_ = dirty_ || !snapshot.records.empty() || snapshot.validation;
}

void TrainingCharts::append(const std::vector<train::StepRecord>& records) {
  for (const auto& r : records) {
    steps_.push_back(double(r.step + 1));
    losses_.push_back(r.loss);
    accuracies_.push_back(r.accuracy * 100);
    // Exponential moving average with Adam's bias correction, so it follows from the first step
    // instead of creeping up from the first value.
    emaLoss_ = kSmoothing * emaLoss_ + (1 - kSmoothing) * r.loss;
    emaAccuracy_ = kSmoothing * emaAccuracy_ + (1 - kSmoothing) * r.accuracy * 100;
    const double correction = 1 - std::pow(kSmoothing, double(steps_.size()));
    smoothLoss_.push_back(emaLoss_ / correction);
    smoothAccuracy_.push_back(emaAccuracy_ / correction);
  }
}

void TrainingCharts::clear() {
  for (auto* v : {&steps_, &losses_, &accuracies_, &smoothLoss_, &smoothAccuracy_, &validationSteps_, &validationLoss_,
                  &validationAccuracy_})
    v->clear();
  emaLoss_ = emaAccuracy_ = 0;
  dirty_ = true;
  redraw();
}

void TrainingCharts::redraw() {
  if (!dirty_) return;
  dirty_ = false;
  QString note;
  const bool logY = logScale_->isChecked() || lossesNeedLogAxis(&note);
  logNote_->setText(logScale_->isChecked() ? QString() : note);
  logNote_->setVisible(!logNote_->text().isEmpty());
  // Changing an axis's range lays the whole chart out again (milliseconds each time), so the
  // ranges move only when the points leave them or fill less than half of them: x grows in
  // steps of a quarter, and most redraws only replace the points.
  auto fill = [&](Panel& p, const std::vector<double>& raw, const std::vector<double>& smooth,
                  const std::vector<double>& validation, bool log, bool percent) {
    const QList<QPointF> rawPoints = thinned(steps_, raw, log), validationPoints = thinned(validationSteps_, validation, log);
    p.raw->replace(rawPoints);
    p.smooth->replace(thinned(steps_, smooth, log));
    p.validation->replace(validationPoints);
    const double last = std::max(10.0, steps_.empty() ? 1 : steps_.back());
    if (last > p.x->max() || last < 0.5 * p.x->max()) p.x->setRange(0, last * 1.25);
    double lo = INFINITY, hi = -INFINITY;
    for (const auto* points : {&rawPoints, &validationPoints})
      for (const QPointF& point : *points)
        if (std::isfinite(point.y())) lo = std::min(lo, point.y()), hi = std::max(hi, point.y());
    if (percent) {  // accuracy: always the whole scale, so it never reads above 100%
      if (p.y->min() != 0 || p.y->max() != 100) p.y->setRange(0, 100);
      return;
    }
    if (!std::isfinite(lo)) lo = 0, hi = 1;
    if (hi - lo < 1e-6) hi = lo + 1;
    const double pad = 0.05 * (hi - lo);
    if (log) lo = std::floor(lo), hi = std::ceil(hi);  // whole decades: a pad would round out to whole tens
    else lo = std::max(0.0, lo - pad), hi += pad;
    if (lo < p.y->min() || hi > p.y->max() || hi - lo < 0.5 * (p.y->max() - p.y->min())) {
      p.y->setRange(lo, hi);
      p.y->applyNiceNumbers();
    }
  };
  fill(loss_, losses_, smoothLoss_, validationLoss_, logY, false);
  loss_.y->setTitleText(logY ? tr("log10 loss") : tr("loss"));
  fill(accuracy_, accuracies_, smoothAccuracy_, validationAccuracy_, false, true);
}

bool TrainingCharts::lossesNeedLogAxis(QString* note) const {
  double lo = INFINITY, hi = 0;
  for (const auto* values : {&losses_, &validationLoss_})
    for (double v : *values)
      if (std::isfinite(v) && v > 0) lo = std::min(lo, v), hi = std::max(hi, v);
  if (hi == 0 || std::log10(hi / lo) <= kLinearDecades) return false;
  *note = tr("Shown on a log scale: the losses span %1 to %2, too wide for a linear axis.")
              .arg(lo, 0, 'g', 2)
              .arg(hi, 0, 'g', 2);
  return true;
}

std::pair<double, double> TrainingCharts::lossAxisRange() const { return {loss_.y->min(), loss_.y->max()}; }
std::pair<double, double> TrainingCharts::accuracyAxisRange() const { return {accuracy_.y->min(), accuracy_.y->max()}; }
bool TrainingCharts::lossAxisIsLog() const { return loss_.y->titleText() != tr("loss"); }
QString TrainingCharts::lossAxisNote() const { return logNote_->isHidden() ? QString() : logNote_->text(); }

}  // namespace gradlab::ui

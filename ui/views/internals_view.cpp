#include "views/internals_view.h"

#include "export/view_export.h"
#include "views/nice_range.h"

#include <QComboBox>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QSpinBox>
#include <QTimer>
#include <QVBoxLayout>
#include <QtCharts/QBarCategoryAxis>
#include <QtCharts/QBarSeries>
#include <QtCharts/QBarSet>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>
#include <iterator>

namespace gradlab::ui {
namespace {

QLineSeries* runLine(const RunStyle& run, const QString& what, double width) {
  auto* s = new QLineSeries;
  s->setName(run.legend() + " " + what);
  QPen pen(run.color);
  pen.setWidthF(width);
  pen.setStyle(run.pen);
  s->setPen(pen);
  s->setPointsVisible(true);
  return s;
}

double rms(const train::StateSummary& s) { return s.stats.count ? s.norm / std::sqrt(double(s.stats.count)) : 0.0; }

const train::StateSummary* findState(const train::InternalsReport& r, const QString& tensor, const QString& quantity) {
  for (const auto& t : r.optimizer.tensors)
    if (QString::fromStdString(t.parameter) == tensor) return t.find(quantity.toStdString());
  return nullptr;
}

const train::BatchNormInternals* findBatchNorm(const train::InternalsReport& r, const QString& node) {
  for (const auto& bn : r.batchNorms)
    if (QString::fromStdString(bn.node) == node) return &bn;
  return nullptr;
}

// Replaces a combo box's items, keeping the chosen one where it is still offered.
void offer(QComboBox* box, const QStringList& items) {
  QStringList now;
  for (int i = 0; i < box->count(); ++i) now << box->itemText(i);
  if (now == items) return;
  const QString chosen = box->currentText();
  const QSignalBlocker block(box);
  box->clear();
  box->addItems(items);
  box->setCurrentIndex(std::max<qsizetype>(0, items.indexOf(chosen)));
}

void sceneTextsOf(const QChartView* view, QStringList& texts) {
  for (const QGraphicsItem* item : view->scene()->items()) {
    if (!item->isVisible()) continue;
    if (const auto* t = dynamic_cast<const QGraphicsTextItem*>(item)) texts << t->toPlainText();
    if (const auto* t = dynamic_cast<const QGraphicsSimpleTextItem*>(item)) texts << t->text();
  }
}

}  // namespace

InternalsView::InternalsView(QWidget* parent) : QWidget(parent) {
  makeExportable(
      this, tr("Internals"), [this] { return csv(); }, [this] { refresh(); });
  // Short titles: a docked chart may be 320 px wide; the line styles are told under the charts.
  optimizer_ = makePanel(tr("Optimizer state"), tr("RMS"));
  batchNorm_ = makePanel(tr("BatchNorm mean"), tr("mean"));
  modeGap_ = makePanel(tr("Train vs eval mode"), tr("loss"));
  distinctChart_ = new QChart;
  distinctChart_->setTitle(tr("Distinct units per layer"));
  bars_ = new QBarSeries;
  distinctChart_->addSeries(bars_);
  layers_ = new QBarCategoryAxis;
  percent_ = new QValueAxis;
  percent_->setRange(0, 100);
  percent_->setLabelFormat("%.0f");
  percent_->setTitleText(tr("% of its units"));
  distinctChart_->addAxis(layers_, Qt::AlignBottom);
  distinctChart_->addAxis(percent_, Qt::AlignLeft);
  bars_->attachAxis(layers_);
  bars_->attachAxis(percent_);
  distinctChart_->legend()->setAlignment(Qt::AlignBottom);
  distinctView_ = new QChartView(distinctChart_, this);
  distinctView_->setRenderHint(QPainter::Antialiasing);
  distinctView_->setMinimumSize(320, 260);

  tensor_ = new QComboBox(this);
  quantity_ = new QComboBox(this);
  bnLayer_ = new QComboBox(this);
  channel_ = new QSpinBox(this);
  channel_->setPrefix(tr("channel "));
  tensor_->setToolTip(tr("The parameter tensor whose optimizer state is drawn"));
  quantity_->setToolTip(tr("exp_avg: m; sqrt_exp_avg_sq: sqrt(v); step: lr m^ / (sqrt(v^) + eps), the update taken"));
  for (QComboBox* box : {tensor_, quantity_, bnLayer_})
    connect(box, &QComboBox::currentIndexChanged, this, [this] { dirty_ = true; });
  connect(channel_, &QSpinBox::valueChanged, this, [this] { dirty_ = true; });

  auto* optimizerControls = new QHBoxLayout;
  optimizerControls->addWidget(tensor_);
  optimizerControls->addWidget(quantity_);
  optimizerControls->addStretch();
  auto* bnControls = new QHBoxLayout;
  bnControls->addWidget(bnLayer_);
  bnControls->addWidget(channel_);
  bnControls->addStretch();
  auto* grid = new QGridLayout;
  grid->addLayout(optimizerControls, 0, 0);
  grid->addLayout(bnControls, 0, 1);
  grid->addWidget(optimizer_.view, 1, 0);
  grid->addWidget(batchNorm_.view, 1, 1);
  grid->addWidget(modeGap_.view, 2, 0);
  grid->addWidget(distinctView_, 2, 1);
  readout_ = new QLabel(this);
  readout_->setWordWrap(true);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(grid, 1);
  layout->addWidget(readout_);

  timer_ = new QTimer(this);
  timer_->setInterval(33);
  connect(timer_, &QTimer::timeout, this, [this] {
    if (isVisible()) refresh();
  });
  timer_->start();
}

InternalsView::Panel InternalsView::makePanel(const QString& title, const QString& yTitle) {
  Panel p;
  p.chart = new QChart;
  p.chart->setTitle(title);
  p.chart->legend()->hide();  // the title says thin and thick; the distinct-units chart names the runs
  p.x = new QValueAxis;
  p.x->setTitleText(tr("step"));
  p.x->setLabelFormat("%.0f");
  p.y = new QValueAxis;
  p.y->setTitleText(yTitle);
  p.y->setLabelFormat("%.3g");
  p.chart->addAxis(p.x, Qt::AlignBottom);
  p.chart->addAxis(p.y, Qt::AlignLeft);
  p.view = new QChartView(p.chart, this);
  p.view->setRenderHint(QPainter::Antialiasing);
  p.view->setMinimumSize(320, 260);
  return p;
}

void InternalsView::setReport(std::shared_ptr<const train::ProbeReport> report, uint32_t member) {
  if (!report || !report->internals) return;
  History& h = runs_[member];
  h.shownStep = report->step;
  h.reports[report->step] = report->internals;
  if (h.reports.size() > kMaxHistory) {
    const uint64_t latest = h.reports.rbegin()->first;
    bool drop = false;
    for (auto it = h.reports.begin(); it != h.reports.end();) {
      it = drop && it->first != latest ? h.reports.erase(it) : std::next(it);
      drop = !drop;
    }
  }
  dirty_ = true;
}

void InternalsView::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  dirty_ = true;
}

void InternalsView::clear() {
  runs_.clear();
  dirty_ = true;
}

std::vector<const train::InternalsReport*> InternalsView::shown(uint32_t member, std::vector<uint64_t>* steps) const {
  std::vector<const train::InternalsReport*> out;
  const auto it = runs_.find(member);
  if (it == runs_.end()) return out;
  for (const auto& [step, report] : it->second.reports) {
    if (step > it->second.shownStep) break;
    out.push_back(report.get());
    if (steps) steps->push_back(step);
  }
  return out;
}

void InternalsView::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  updateChoices();
  drawOptimizer();
  drawBatchNorm();
  drawModeGap();
  drawDistinct();
}

// The choices offered are those of the first shown run's latest report.
void InternalsView::updateChoices() {
  const auto runs = shownRuns(styles_);
  const auto history = runs.empty() ? std::vector<const train::InternalsReport*>{} : shown(runs[0].member, nullptr);
  QStringList tensors, quantities, norms;
  if (!history.empty()) {
    for (const auto& t : history.back()->optimizer.tensors) tensors << QString::fromStdString(t.parameter);
    for (const auto& t : history.back()->optimizer.tensors)
      if (QString::fromStdString(t.parameter) ==
          (tensor_->currentText().isEmpty() ? tensors.value(0) : tensor_->currentText()))
        for (const auto& s : t.states) quantities << QString::fromStdString(s.name);
    for (const auto& bn : history.back()->batchNorms) norms << QString::fromStdString(bn.node);
  }
  offer(tensor_, tensors);
  offer(quantity_, quantities);
  offer(bnLayer_, norms);
  const auto* bn = history.empty() ? nullptr : findBatchNorm(*history.back(), bnLayer_->currentText());
  channel_->setRange(0, bn ? std::max(0, int(bn->batchMean.size()) - 1) : 0);
  bnLayer_->setEnabled(!norms.isEmpty());
  channel_->setEnabled(!norms.isEmpty());
}

void InternalsView::fitY(Panel& p, double lo, double hi, uint64_t lastStep) {
  if (!(lo <= hi)) lo = 0, hi = 1;
  if (hi - lo < 1e-12) hi = lo + std::max(1e-6, std::abs(lo));
  const NiceRange y = niceRange(lo, hi);
  p.y->setRange(y.lo, y.hi);
  p.y->setTickCount(y.ticks);
  const NiceRange x = niceRange(0, double(std::max<uint64_t>(lastStep, 1)));
  p.x->setRange(x.lo, x.hi);
  p.x->setTickCount(x.ticks);
}

void InternalsView::drawOptimizer() {
  optimizer_.chart->removeAllSeries();
  double lo = INFINITY, hi = -INFINITY;
  uint64_t last = 0;
  QStringList readouts;
  const auto runs = shownRuns(styles_);
  for (const RunStyle& run : runs) {
    std::vector<uint64_t> steps;
    const auto history = shown(run.member, &steps);
    QLineSeries* s = runLine(run, quantity_->currentText(), 2);
    for (size_t i = 0; i < history.size(); ++i)
      if (const auto* state = findState(*history[i], tensor_->currentText(), quantity_->currentText())) {
        s->append(double(steps[i]), rms(*state));
        lo = std::min(lo, rms(*state)), hi = std::max(hi, rms(*state)), last = std::max(last, steps[i]);
      }
    optimizer_.chart->addSeries(s);
    s->attachAxis(optimizer_.x);
    s->attachAxis(optimizer_.y);
    if (history.empty()) continue;
    const auto& o = history.back()->optimizer;
    QString text = tr("%1 step %2")
                       .arg(runs.size() > 1 ? run.label + ": " + QString::fromStdString(o.optimizer)
                                            : QString::fromStdString(o.optimizer))
                       .arg(o.step);
    if (o.biasCorrection1)
      text += tr(", bias corrections 1-β1^t = %1, 1-β2^t = %2")
                  .arg(*o.biasCorrection1, 0, 'g', 3)
                  .arg(*o.biasCorrection2, 0, 'g', 3);
    if (o.rectification)
      text += *o.rectification > 0 ? tr(", RAdam r_t = %1").arg(*o.rectification, 0, 'g', 3)
                                   : tr(", RAdam r_t = 0 (not rectified yet: plain momentum)");
    readouts << text;
  }
  fitY(optimizer_, std::min(lo, 0.0), hi, last);
  readouts << tr("Thin lines: the batch's mean, the eval-mode loss; thick: the running mean, the train-mode loss.");
  readout_->setText(readouts.join("\n"));
}

void InternalsView::drawBatchNorm() {
  batchNorm_.chart->removeAllSeries();
  double lo = INFINITY, hi = -INFINITY;
  uint64_t last = 0;
  const int c = channel_->value();
  for (const RunStyle& run : shownRuns(styles_)) {
    std::vector<uint64_t> steps;
    const auto history = shown(run.member, &steps);
    QLineSeries* batch = runLine(run, tr("batch mean"), 1);
    QLineSeries* running = runLine(run, tr("running mean"), 3);
    for (size_t i = 0; i < history.size(); ++i) {
      const auto* bn = findBatchNorm(*history[i], bnLayer_->currentText());
      if (!bn || c >= int(bn->batchMean.size())) continue;
      batch->append(double(steps[i]), bn->batchMean[size_t(c)]);
      running->append(double(steps[i]), bn->runningMean[size_t(c)]);
      lo = std::min({lo, bn->batchMean[size_t(c)], bn->runningMean[size_t(c)]});
      hi = std::max({hi, bn->batchMean[size_t(c)], bn->runningMean[size_t(c)]});
      last = std::max(last, steps[i]);
    }
    for (QLineSeries* s : {batch, running}) {
      batchNorm_.chart->addSeries(s);
      s->attachAxis(batchNorm_.x);
      s->attachAxis(batchNorm_.y);
    }
  }
  fitY(batchNorm_, lo, hi, last);
  batchNorm_.chart->setTitle(bnLayer_->count() ? tr("BatchNorm mean: %1").arg(bnLayer_->currentText())
                                               : tr("No BatchNorm layer"));
}

void InternalsView::drawModeGap() {
  modeGap_.chart->removeAllSeries();
  double lo = INFINITY, hi = -INFINITY;
  uint64_t last = 0;
  for (const RunStyle& run : shownRuns(styles_)) {
    std::vector<uint64_t> steps;
    const auto history = shown(run.member, &steps);
    QLineSeries* train = runLine(run, tr("train-mode loss"), 3);
    QLineSeries* eval = runLine(run, tr("eval-mode loss"), 1);
    for (size_t i = 0; i < history.size(); ++i) {
      const auto& gap = history[i]->modeGap;
      if (!gap) continue;
      train->append(double(steps[i]), gap->trainLoss);
      eval->append(double(steps[i]), gap->evalLoss);
      lo = std::min({lo, gap->trainLoss, gap->evalLoss}), hi = std::max({hi, gap->trainLoss, gap->evalLoss});
      last = std::max(last, steps[i]);
    }
    for (QLineSeries* s : {train, eval}) {
      modeGap_.chart->addSeries(s);
      s->attachAxis(modeGap_.x);
      s->attachAxis(modeGap_.y);
    }
  }
  fitY(modeGap_, std::min(lo, 0.0), hi, last);
}

void InternalsView::drawDistinct() {
  bars_->clear();
  QStringList names;
  for (const RunStyle& run : shownRuns(styles_)) {
    const auto history = shown(run.member, nullptr);
    if (history.empty()) continue;
    auto* set = new QBarSet(run.legend());
    set->setColor(run.color);
    QStringList layerNames;
    for (const auto& d : history.back()->distinctUnits) {
      layerNames << QString::fromStdString(d.parameter).section('.', 0, 0);
      set->append(d.units ? 100.0 * d.distinct / d.units : 0.0);
    }
    if (names.isEmpty()) names = layerNames;
    bars_->append(set);
  }
  if (layers_->categories() != names) {
    layers_->clear();
    layers_->append(names);
  }
}

void InternalsView::choose(const QString& tensor, const QString& quantity) {
  refresh();
  tensor_->setCurrentText(tensor);
  dirty_ = true;
  refresh();
  quantity_->setCurrentText(quantity);
  dirty_ = true;
  refresh();
}

const QChartView* InternalsView::chartView(Chart chart) const {
  switch (chart) {
    case Optimizer: return optimizer_.view;
    case BatchNorm: return batchNorm_.view;
    case ModeGap: return modeGap_.view;
    default: return distinctView_;
  }
}

std::pair<double, double> InternalsView::yRange(Chart chart) const {
  const QValueAxis* y = chart == Optimizer   ? optimizer_.y
                        : chart == BatchNorm ? batchNorm_.y
                        : chart == ModeGap   ? modeGap_.y
                                             : percent_;
  return {y->min(), y->max()};
}

QStringList InternalsView::chartTexts() const {
  QStringList texts;
  for (Chart c : {Optimizer, BatchNorm, ModeGap, Distinct}) sceneTextsOf(chartView(c), texts);
  texts << readout_->text();
  return texts;
}

QString InternalsView::readout() const { return readout_->text(); }

// Long form: one row per run, step, quantity and what it is of (train::internalsRows).
QString InternalsView::csv() const {
  CsvTable table({"run", "step", "quantity", "of", "value"});
  for (const RunStyle& run : shownRuns(styles_)) {
    std::vector<uint64_t> steps;
    const auto history = shown(run.member, &steps);
    for (size_t i = 0; i < history.size(); ++i)
      for (const auto& row : train::internalsRows(*history[i]))
        table.row({run.label, QString::number(steps[i]), QString::fromStdString(row.quantity),
                   QString::fromStdString(row.of), CsvTable::number(row.value)});
  }
  return table.text();
}

}  // namespace gradlab::ui

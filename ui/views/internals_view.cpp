#include "views/internals_view.h"

#include "export/view_export.h"
#include "views/layer_histograms_view.h"
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
#include <map>
#include <optional>

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

// The same quantity under another optimizer's name: Adam's second moment v beside AdaBelief's s.
QString counterpart(const QString& quantity) {
  static const std::map<QString, QString> pairs{{"exp_avg_sq", "exp_avg_var"},
                                                {"exp_avg_var", "exp_avg_sq"},
                                                {"sqrt_exp_avg_sq", "sqrt_exp_avg_var"},
                                                {"sqrt_exp_avg_var", "sqrt_exp_avg_sq"}};
  const auto it = pairs.find(quantity);
  return it == pairs.end() ? QString() : it->second;
}

// The chosen quantity of a run's report, or its counterpart where the run's optimizer keeps that.
const train::StateSummary* findStateOrCounterpart(const train::InternalsReport& r, const QString& tensor,
                                                  const QString& quantity) {
  if (const auto* s = findState(r, tensor, quantity)) return s;
  return counterpart(quantity).isEmpty() ? nullptr : findState(r, tensor, counterpart(quantity));
}

// The histogram strip's columns: each the first of its quantities the run's optimizer keeps, and
// the short name its panels are titled with.
struct HistogramColumn {
  std::vector<const char*> quantities;
  std::vector<const char*> symbols;
};
const HistogramColumn kHistogramColumnsOf[] = {{{"exp_avg", "momentum_buffer"}, {"m", "velocity"}},
                                               {{"sqrt_exp_avg_sq", "sqrt_exp_avg_var"}, {"√v", "√s"}},
                                               {{"step"}, {"step"}}};

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
  histogramStrip_ = new QWidget(this);
  histogramGrid_ = new QGridLayout(histogramStrip_);
  histogramGrid_->setContentsMargins(0, 0, 0, 0);

  tensor_ = new QComboBox(this);
  quantity_ = new QComboBox(this);
  bnLayer_ = new QComboBox(this);
  channel_ = new QSpinBox(this);
  channel_->setPrefix(tr("channel "));
  bnStatistic_ = new QComboBox(this);
  bnStatistic_->addItems({tr("mean"), tr("variance")});
  bnStatistic_->setToolTip(tr("The batch's statistic (thin; its variance unbiased) against the running one (thick)"));
  tensor_->setToolTip(tr("The parameter tensor whose optimizer state is drawn"));
  quantity_->setToolTip(tr("exp_avg: m; sqrt_exp_avg_sq: sqrt(v); step: lr m^ / (sqrt(v^) + eps), the update taken"));
  for (QComboBox* box : {tensor_, quantity_, bnLayer_, bnStatistic_})
    connect(box, &QComboBox::currentIndexChanged, this, [this] { dirty_ = true; });
  connect(channel_, &QSpinBox::valueChanged, this, [this] { dirty_ = true; });

  auto* optimizerControls = new QHBoxLayout;
  optimizerControls->addWidget(tensor_);
  optimizerControls->addWidget(quantity_);
  optimizerControls->addStretch();
  auto* bnControls = new QHBoxLayout;
  bnControls->addWidget(bnLayer_);
  bnControls->addWidget(channel_);
  bnControls->addWidget(bnStatistic_);
  bnControls->addStretch();
  auto* grid = new QGridLayout;
  grid->addLayout(optimizerControls, 0, 0);
  grid->addLayout(bnControls, 0, 1);
  grid->addWidget(optimizer_.view, 1, 0);
  grid->addWidget(batchNorm_.view, 1, 1);
  grid->addWidget(modeGap_.view, 2, 0);
  grid->addWidget(distinctView_, 2, 1);
  grid->addWidget(histogramStrip_, 3, 0, 1, 2);
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
  drawHistograms();
  drawBatchNorm();
  drawModeGap();
  drawDistinct();
}

// The tensors and BatchNorm layers offered are those of the first shown run's latest report; the
// quantities those of every shown run's (Adam's and AdaBelief's side by side), r_t where a run has it.
void InternalsView::updateChoices() {
  const auto runs = shownRuns(styles_);
  const auto history = runs.empty() ? std::vector<const train::InternalsReport*>{} : shown(runs[0].member, nullptr);
  QStringList tensors, quantities, norms;
  if (!history.empty()) {
    for (const auto& t : history.back()->optimizer.tensors) tensors << QString::fromStdString(t.parameter);
    for (const auto& bn : history.back()->batchNorms) norms << QString::fromStdString(bn.node);
  }
  const QString tensor = tensor_->currentText().isEmpty() ? tensors.value(0) : tensor_->currentText();
  bool rectified = false;
  for (const RunStyle& run : runs) {
    const auto own = shown(run.member, nullptr);
    if (own.empty()) continue;
    rectified = rectified || own.back()->optimizer.rectification.has_value();
    for (const auto& t : own.back()->optimizer.tensors)
      if (QString::fromStdString(t.parameter) == tensor)
        for (const auto& s : t.states)
          if (!quantities.contains(QString::fromStdString(s.name))) quantities << QString::fromStdString(s.name);
  }
  if (rectified) quantities << rectificationChoice();
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

QString InternalsView::rectificationChoice() { return tr("RAdam r_t"); }

void InternalsView::drawOptimizer() {
  optimizer_.chart->removeAllSeries();
  double lo = INFINITY, hi = -INFINITY;
  uint64_t last = 0;
  QStringList readouts;
  const auto runs = shownRuns(styles_);
  const QString quantity = quantity_->currentText(), tensor = tensor_->currentText();
  const bool rectification = quantity == rectificationChoice();
  const auto add = [&](QLineSeries* s) {
    optimizer_.chart->addSeries(s);
    s->attachAxis(optimizer_.x);
    s->attachAxis(optimizer_.y);
  };
  for (const RunStyle& run : runs) {
    std::vector<uint64_t> steps;
    const auto history = shown(run.member, &steps);
    QLineSeries* s = runLine(run, quantity, rectification ? 2 : 3);
    QLineSeries* raw = runLine(run, tr("uncorrected_step"), 1);  // Adam's first steps without 1 / (1 - beta^t)
    std::optional<uint64_t> rectifiedFrom;
    for (size_t i = 0; i < history.size(); ++i) {
      const auto& o = history[i]->optimizer;
      if (o.rectification && *o.rectification > 0 && !rectifiedFrom) rectifiedFrom = steps[i];
      std::vector<std::pair<QLineSeries*, double>> points;
      if (rectification) {
        if (o.rectification) points.push_back({s, *o.rectification});
      } else if (const auto* state = findStateOrCounterpart(*history[i], tensor, quantity)) {
        points.push_back({s, rms(*state)});
        if (quantity == "step")
          if (const auto* uncorrected = findState(*history[i], tensor, "uncorrected_step"))
            points.push_back({raw, rms(*uncorrected)});
      }
      for (const auto& [line, y] : points) {
        line->append(double(steps[i]), y);
        lo = std::min(lo, y), hi = std::max(hi, y), last = std::max(last, steps[i]);
      }
    }
    add(s);
    if (raw->count())
      add(raw);
    else
      delete raw;
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
    if (o.rectification && rectifiedFrom) text += tr(", rectified from step %1").arg(*rectifiedFrom);
    readouts << text;
  }
  optimizer_.y->setTitleText(rectification ? tr("r_t") : tr("RMS"));
  fitY(optimizer_, std::min(lo, 0.0), hi, last);
  readouts << tr(
      "Thin lines: the batch's statistic, the eval-mode loss, the step without bias corrections; thick: "
      "the running statistic, the train-mode loss, the step taken.");
  readout_->setText(readouts.join("\n"));
}

// The chosen tensor's histograms at each shown run's shown step; a column's panels share one axis.
void InternalsView::drawHistograms() {
  const auto runs = shownRuns(styles_);
  const size_t cells = runs.size() * kHistogramColumns;
  if (histogramPanels_.size() != cells) {
    for (HistogramPanel* p : histogramPanels_) delete p;
    histogramPanels_.clear();
    for (size_t i = 0; i < cells; ++i) {
      histogramPanels_.push_back(new HistogramPanel(histogramStrip_));
      histogramGrid_->addWidget(histogramPanels_.back(), int(i) / kHistogramColumns, int(i) % kHistogramColumns);
    }
  }
  static const train::TensorStats none;
  for (int c = 0; c < kHistogramColumns; ++c) {
    const HistogramColumn& column = kHistogramColumnsOf[c];
    std::vector<const train::StateSummary*> found(runs.size(), nullptr);
    std::vector<QString> symbols(runs.size(), QString::fromUtf8(column.symbols[0]));
    double lo = INFINITY, hi = -INFINITY;
    for (size_t r = 0; r < runs.size(); ++r) {
      const auto history = shown(runs[r].member, nullptr);
      for (size_t q = 0; q < column.quantities.size() && !history.empty() && !found[r]; ++q)
        if ((found[r] = findState(*history.back(), tensor_->currentText(), column.quantities[q])))
          symbols[r] = QString::fromUtf8(column.symbols[q]);
      if (found[r] && std::isfinite(found[r]->stats.min) && std::isfinite(found[r]->stats.max))
        lo = std::min(lo, found[r]->stats.min), hi = std::max(hi, found[r]->stats.max);
    }
    for (size_t r = 0; r < runs.size(); ++r) {
      HistogramPanel* panel = histogramPanels_[r * kHistogramColumns + size_t(c)];
      panel->setEmptyText(tr("not kept by this optimizer"));
      panel->setBarColor(runs[r].color);
      panel->setBinsOnAxis(true);
      const QString title = runs.size() > 1 ? runs[r].label + ": " + symbols[r] : symbols[r];
      panel->set(title, found[r] ? found[r]->stats : none, lo <= hi ? lo : 0, lo <= hi ? hi : 1);
    }
  }
}

void InternalsView::drawBatchNorm() {
  batchNorm_.chart->removeAllSeries();
  double lo = INFINITY, hi = -INFINITY;
  uint64_t last = 0;
  const size_t c = size_t(channel_->value());
  const bool variance = bnStatistic_->currentIndex() == 1;
  const QString statistic = variance ? tr("var") : tr("mean");
  for (const RunStyle& run : shownRuns(styles_)) {
    std::vector<uint64_t> steps;
    const auto history = shown(run.member, &steps);
    QLineSeries* batch = runLine(run, tr("batch %1").arg(statistic), 1);
    QLineSeries* running = runLine(run, tr("running %1").arg(statistic), 3);
    for (size_t i = 0; i < history.size(); ++i) {
      const auto* bn = findBatchNorm(*history[i], bnLayer_->currentText());
      if (!bn || c >= bn->batchMean.size()) continue;
      // The running variance averages the batch's unbiased one: that is the one drawn beside it.
      const double n = bn->samplesPerChannel, unbiased = n > 1 ? n / (n - 1) : 1;
      const double b = variance ? bn->batchVar[c] * unbiased : bn->batchMean[c];
      const double r = variance ? bn->runningVar[c] : bn->runningMean[c];
      batch->append(double(steps[i]), b);
      running->append(double(steps[i]), r);
      lo = std::min({lo, b, r}), hi = std::max({hi, b, r});
      last = std::max(last, steps[i]);
    }
    for (QLineSeries* s : {batch, running}) {
      batchNorm_.chart->addSeries(s);
      s->attachAxis(batchNorm_.x);
      s->attachAxis(batchNorm_.y);
    }
  }
  fitY(batchNorm_, variance ? std::min(lo, 0.0) : lo, hi, last);
  batchNorm_.y->setTitleText(statistic);
  batchNorm_.chart->setTitle(bnLayer_->count() ? tr("BatchNorm %1: %2").arg(statistic, bnLayer_->currentText())
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

void InternalsView::chooseBatchNorm(const QString& layer, int channel, bool variance) {
  refresh();
  bnLayer_->setCurrentText(layer);
  dirty_ = true;
  refresh();
  channel_->setValue(channel);
  bnStatistic_->setCurrentIndex(variance ? 1 : 0);
  dirty_ = true;
  refresh();
}

const HistogramPanel& InternalsView::histogramPanel(int row, int column) const {
  return *histogramPanels_.at(size_t(row) * kHistogramColumns + size_t(column));
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
  for (const HistogramPanel* p : histogramPanels_) texts << p->title() << p->axisLabels();
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
  // The histograms drawn, as counts per bin of the run's own [min, max].
  const auto runs = shownRuns(styles_);
  for (size_t r = 0; r < runs.size(); ++r) {
    std::vector<uint64_t> steps;
    const auto history = shown(runs[r].member, &steps);
    if (history.empty()) continue;
    for (const HistogramColumn& column : kHistogramColumnsOf)
      for (const char* quantity : column.quantities)
        if (const auto* s = findState(*history.back(), tensor_->currentText(), quantity)) {
          const auto& h = s->stats.histogram;
          const double width = (s->stats.max - s->stats.min) / double(std::max<size_t>(h.size(), 1));
          for (size_t k = 0; k < h.size(); ++k)
            table.row({runs[r].label, QString::number(steps.back()), QString("histogram %1").arg(quantity),
                       QString("%1 [%2, %3)")
                           .arg(tensor_->currentText(), CsvTable::number(s->stats.min + double(k) * width),
                                CsvTable::number(s->stats.min + double(k + 1) * width)),
                       CsvTable::number(h[k])});
          break;
        }
  }
  return table.text();
}

}  // namespace gradlab::ui

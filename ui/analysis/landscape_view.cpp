#include "analysis/landscape_view.h"

#include "analysis/heatmap_plot.h"
#include "export/view_export.h"
#include "views/color_map.h"

#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QProgressBar>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTimer>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

constexpr int kProgressSteps = 1000;
constexpr int kLineTab = 1;          // "Line from the initial weights (1-D)"
constexpr int kRaceTab = 2;          // "Race: training loss"
constexpr double kSmallPath = 0.05;  // a path within this fraction of the range hardly shows
// A classroom race: plain SGD, the same with momentum, and Adam, each at a rate that suits it.
constexpr const char* kDefaultRacers = "sgd:lr=0.05; sgd:lr=0.05,momentum=0.9; adam:lr=0.002";

QString noWeightsMessage() {
  return QObject::tr("Train a few steps first: the landscape is drawn around the current weights.");
}

QValueAxis* valueAxis(const QString& title, const char* format) {
  auto* axis = new QValueAxis;
  axis->setTitleText(title);
  axis->setLabelFormat(format);
  return axis;
}

}  // namespace

LandscapeView::LandscapeView(QWidget* parent) : QWidget(parent) {
  makeExportable(this, tr("Loss landscape"), [this] { return csv(); });
  plane_ = new QComboBox;
  plane_->setToolTip(
      tr("Random directions: two gaussian directions, each filter scaled to the norm of the same filter of "
         "the weights (Li et al. 2018), so layers of any scale move alike.\nPCA: the two directions along "
         "which the training trajectory varied most; the path then shows in the plane.\nOptimizer race: "
         "each optimizer below trains this network from the same initial weights on the same batches; "
         "their paths are drawn on the plane along which they all varied most."));
  seed_ = new QSpinBox;
  seed_->setRange(0, 1000000);
  seed_->setToolTip(tr("Seed of the random directions: another seed, another plane"));
  racers_ = new QLineEdit(kDefaultRacers);
  racers_->setToolTip(
      tr("Optimizers separated by ';', each NAME or NAME:key=value,key=value with PyTorch's names, "
         "e.g. sgd:lr=0.1,momentum=0.9,nesterov=true; adam:lr=0.001,beta2=0.99"));
  raceSteps_ = new QSpinBox;
  raceSteps_->setRange(2, 100000);
  raceSteps_->setValue(100);
  raceSteps_->setToolTip(
      tr("Training steps each optimizer takes (batch size, seed and normalisation as in the "
         "Training panel)"));
  grid_ = new QSpinBox;
  grid_->setRange(3, 201);
  grid_->setValue(31);
  grid_->setToolTip(tr("Points per side: 31 x 31 = 961 evaluations of the loss. 51 per side is slow on a CPU device."));
  range_ = new QDoubleSpinBox;
  range_->setRange(0.01, 100);
  range_->setValue(1);
  range_->setToolTip(
      tr("Random directions: alpha and beta run over [-range, range]; at 1 each filter has moved by its "
         "own norm.\nThe PCA plane frames the trajectory instead."));
  samples_ = new QSpinBox;
  samples_->setRange(1, 1000000);
  samples_->setValue(512);
  samples_->setToolTip(tr("The loss is the mean over the first N training samples (evaluation mode)"));
  computeButton_ = new QPushButton(tr("Compute"));
  cancelButton_ = new QPushButton(tr("Cancel"));
  cancelButton_->setEnabled(false);
  progressBar_ = new QProgressBar;
  progressBar_->setRange(0, kProgressSteps);
  progressBar_->setValue(0);
  progressBar_->setFormat(tr("idle"));
  status_ = new QLabel(noWeightsMessage());
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);

  plot_ = new HeatmapPlot;
  plot_->clear(noWeightsMessage());
  chart_ = new QChart;
  chart_->legend()->setAlignment(Qt::AlignBottom);
  lineLoss_ = new QLineSeries;
  lineLoss_->setName(tr("loss"));
  lineLoss_->setPen(QPen(QColor(31, 119, 180), 2.2));
  lineAccuracy_ = new QLineSeries;
  lineAccuracy_->setName(tr("accuracy"));
  lineAccuracy_->setPen(QPen(QColor(255, 127, 14), 1.6, Qt::DashLine));
  chart_->addSeries(lineLoss_);
  chart_->addSeries(lineAccuracy_);
  auto* t = valueAxis(tr("t   (0: initial weights, 1: current weights)"), "%.2g");
  t->setRange(0, 1);
  lineLossAxis_ = valueAxis(tr("loss"), "%.3g");
  auto* accuracy = valueAxis(tr("accuracy (%)"), "%.0f");
  accuracy->setRange(0, 100);
  chart_->addAxis(t, Qt::AlignBottom);
  chart_->addAxis(lineLossAxis_, Qt::AlignLeft);
  chart_->addAxis(accuracy, Qt::AlignRight);
  lineLoss_->attachAxis(t);
  lineLoss_->attachAxis(lineLossAxis_);
  lineAccuracy_->attachAxis(t);
  lineAccuracy_->attachAxis(accuracy);
  chart_->setTitle(tr("The line needs the initial weights (the first probe's)"));
  auto* chartView = new QChartView(chart_);
  chartView->setRenderHint(QPainter::Antialiasing);
  chartView->setMinimumSize(300, 240);
  raceChart_ = new QChart;
  raceChart_->legend()->setAlignment(Qt::AlignBottom);
  raceChart_->setTitle(tr("Run an optimizer race to compare their training losses"));
  auto* raceView = new QChartView(raceChart_);
  raceView->setRenderHint(QPainter::Antialiasing);
  raceView->setMinimumSize(300, 240);
  styleChart();

  tabs_ = new QTabWidget;
  tabs_->addTab(plot_, tr("Plane (2-D)"));
  tabs_->addTab(chartView, tr("Line from the initial weights (1-D)"));
  tabs_->addTab(raceView, tr("Race: training loss"));
  setRaceTabShown(false);

  auto* row1 = new QHBoxLayout;
  row1->addWidget(new QLabel(tr("Plane")));
  row1->addWidget(plane_, 1);
  row1->addWidget(new QLabel(tr("Seed")));
  row1->addWidget(seed_);
  raceRow_ = new QWidget;
  auto* raceLayout = new QHBoxLayout(raceRow_);
  raceLayout->setContentsMargins(0, 0, 0, 0);
  raceLayout->addWidget(new QLabel(tr("Optimizers")));
  raceLayout->addWidget(racers_, 1);
  raceLayout->addWidget(new QLabel(tr("Steps")));
  raceLayout->addWidget(raceSteps_);
  auto* row2 = new QHBoxLayout;
  row2->addWidget(new QLabel(tr("Grid points per side")));
  row2->addWidget(grid_);
  row2->addWidget(new QLabel(tr("Range ±")));
  row2->addWidget(range_);
  row2->addWidget(new QLabel(tr("Samples")));
  row2->addWidget(samples_);
  row2->addStretch(1);
  auto* row3 = new QHBoxLayout;
  row3->addWidget(computeButton_);
  row3->addWidget(cancelButton_);
  row3->addWidget(progressBar_, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addLayout(row1);
  layout->addWidget(raceRow_);
  layout->addLayout(row2);
  layout->addLayout(row3);
  layout->addWidget(status_);
  layout->addWidget(tabs_, 1);

  connect(plane_, &QComboBox::currentIndexChanged, this, &LandscapeView::planeChosen);
  updatePlaneChoices();
  connect(computeButton_, &QPushButton::clicked, this, &LandscapeView::compute);
  connect(cancelButton_, &QPushButton::clicked, this, &LandscapeView::cancel);
  poll_ = new QTimer(this);
  poll_->setInterval(100);
  connect(poll_, &QTimer::timeout, this, [this] {
    if (!progress_) return;
    const size_t done = progress_->done, total = progress_->total;
    if (total == 0) return;
    progressBar_->setValue(int(kProgressSteps * double(done) / double(total)));
    progressBar_->setFormat(tr("%1 of %2 points").arg(done).arg(total));
  });
}

LandscapeView::~LandscapeView() {
  if (progress_) progress_->cancel = true;
}

void LandscapeView::setSource(std::shared_ptr<const AnalysisSource> source) {
  source_ = std::move(source);
  if (source_) seed_->setValue(int(source_->seed));
  updatePlaneChoices();
  if (!isRunning() && !shown_) {
    const bool ready = source_ && !source_->current.empty();
    status_->setText(
        source_ && source_->isSet()
            ? tr("Press Compute to draw the %1 runs' paths on one plane over the loss there.").arg(source_->runs.size())
        : ready ? tr("Press Compute to draw the loss around the weights at step %1.").arg(source_->step)
                : noWeightsMessage());
    plot_->clear(status_->text());
  }
}

void LandscapeView::setGridPoints(int perSide) { grid_->setValue(perSide); }
void LandscapeView::setRange(double range) { range_->setValue(range); }
void LandscapeView::setSamples(int samples) { samples_->setValue(samples); }
void LandscapeView::setDirectionSeed(int seed) { seed_->setValue(seed); }
void LandscapeView::setRacers(const QString& specs) { racers_->setText(specs); }
void LandscapeView::setRaceSteps(int steps) { raceSteps_->setValue(steps); }

void LandscapeView::setPlane(LandscapePlane plane) {
  const int index = plane_->findData(int(plane));
  if (index >= 0) plane_->setCurrentIndex(index);
}

void LandscapeView::updatePlaneChoices() {
  // A set that just appeared is shown on its plane; otherwise the user's choice stays.
  const bool setAppears = source_ && source_->isSet() && plane_->findData(int(LandscapePlane::RunSet)) < 0;
  const QVariant chosen = setAppears ? QVariant(int(LandscapePlane::RunSet)) : plane_->currentData();
  plane_->clear();
  // A set's runs on one plane first: with a set, that is what the view is for.
  if (source_ && source_->isSet())
    plane_->addItem(tr("the set's %1 runs on one plane (PCA about their common start)").arg(source_->runs.size()),
                    int(LandscapePlane::RunSet));
  plane_->addItem(tr("random directions (filter-normalised)"), int(LandscapePlane::Random));
  if (source_ && source_->trajectory.size() >= 2)
    plane_->addItem(tr("PCA of the trajectory (%1 probes)").arg(source_->trajectory.size()), int(LandscapePlane::Pca));
  plane_->addItem(tr("optimizer race from one start (common PCA plane)"), int(LandscapePlane::Race));
  const int index = plane_->findData(chosen);
  plane_->setCurrentIndex(std::max(index, 0));
  planeChosen();  // the same index with other choices around it signals nothing
}

void LandscapeView::planeChosen() {
  const bool random = plane_->currentData().toInt() == int(LandscapePlane::Random);
  seed_->setEnabled(random);
  range_->setEnabled(random);  // the PCA plane frames the trajectory instead
  raceRow_->setVisible(plane_->currentData().toInt() == int(LandscapePlane::Race));
}

QString LandscapeView::statusText() const { return status_->text(); }

void LandscapeView::setRunning(bool running) {
  computeButton_->setEnabled(!running);
  cancelButton_->setEnabled(running);
  if (running) {
    progressBar_->setValue(0);
    progressBar_->setFormat(tr("starting the device…"));
    poll_->start();
  } else {
    poll_->stop();
  }
}

void LandscapeView::compute() {
  if (isRunning()) return;
  LandscapeRequest request;
  request.plane = LandscapePlane(plane_->currentData().toInt());
  const bool race = request.plane == LandscapePlane::Race, set = request.plane == LandscapePlane::RunSet;
  QString problem;
  if (!source_ || !source_->train)
    problem = tr("Load a dataset first (Training panel).");
  else if (!race && !set && source_->current.empty())
    problem = noWeightsMessage();
  if (race && problem.isEmpty()) {
    try {
      request.racers = optim::parseOptimizerSpecs(racers_->text().toStdString());
      if (request.racers.empty()) problem = tr("Name at least one optimizer to race, e.g. %1").arg(kDefaultRacers);
    } catch (const std::invalid_argument& e) {
      problem = tr("Optimizers: %1").arg(QString::fromUtf8(e.what()));
    }
  }
  if (!problem.isEmpty()) {
    status_->setText(problem);
    plot_->clear(problem);
    emit finished();
    return;
  }
  request.source = source_;
  request.raceSteps = uint32_t(raceSteps_->value());
  request.gridPoints = uint32_t(grid_->value());
  request.range = range_->value();
  request.samples = uint32_t(samples_->value());
  request.seed = uint32_t(seed_->value());
  progress_ = std::make_shared<JobProgress>();
  status_->setText(race ? tr("Training %1 optimizers for %2 steps each, then %3 x %3 points on %4 samples…")
                              .arg(request.racers.size())
                              .arg(request.raceSteps)
                              .arg(request.gridPoints)
                              .arg(request.samples)
                   : set ? tr("Placing %1 runs on one plane, then %2 x %2 points on %3 samples…")
                               .arg(source_->runs.size())
                               .arg(request.gridPoints)
                               .arg(request.samples)
                         : tr("Computing %1 x %1 points on %2 samples…").arg(request.gridPoints).arg(request.samples));
  watcher_ = new QFutureWatcher<LandscapeResult>(this);
  connect(watcher_, &QFutureWatcher<LandscapeResult>::finished, this, [this, request] {
    const LandscapeResult result = watcher_->result();
    watcher_->deleteLater();
    watcher_ = nullptr;
    const size_t done = progress_->done, total = progress_->total;
    progress_.reset();
    setRunning(false);
    if (!result.error.empty()) {
      shown_.reset();
      setRaceTabShown(false);
      status_->setText(QString::fromStdString(result.error));
      plot_->clear(status_->text());
      progressBar_->setFormat(tr("failed"));
    } else if (result.cancelled) {
      status_->setText(tr("Cancelled after %1 of %2 points.").arg(done).arg(total) +
                       (shown_ ? tr(" The previous result stays.") : QString()));
      progressBar_->setFormat(tr("cancelled"));
    } else {
      progressBar_->setValue(kProgressSteps);
      progressBar_->setFormat(tr("done: %1 points").arg(total));
      showResult(result, request);
    }
    emit finished();
  });
  watcher_->setFuture(
      QtConcurrent::run([request, progress = progress_] { return computeLandscape(request, *progress); }));
  setRunning(true);
}

void LandscapeView::cancel() {
  if (!progress_) return;
  progress_->cancel = true;
  status_->setText(tr("Cancelling after the current chunk of points…"));
}

void LandscapeView::showResult(const LandscapeResult& result, const LandscapeRequest& request) {
  shown_ = result;
  const analysis::Grid& g = result.grid;
  HeatmapPlot::Field field;
  field.cols = int(g.alphas.size());
  field.rows = int(g.betas.size());
  for (const auto& v : g.values) field.values.push_back(v.loss);
  const bool set = request.plane == LandscapePlane::RunSet;
  const bool race = request.plane == LandscapePlane::Race || set;  // several paths from one start
  const bool pca = request.plane == LandscapePlane::Pca || race;
  const auto percent = [](double f) { return QString::number(100 * f, 'f', 1); };
  // About the common start, "variance" is the paths' spread from it (uncentred PCA).
  field.x = {
      g.alphas.front(), g.alphas.back(),
      pca ? (race ? tr("PC 1: %1% of the paths' spread from the start") : tr("PC 1: %1% of the trajectory's variance"))
                .arg(percent(result.explained[0]))
          : tr("α: random direction 1 (filter-normalised, seed %1)").arg(request.seed)};
  field.y = {
      g.betas.front(), g.betas.back(),
      pca ? (race ? tr("PC 2: %1% of the spread") : tr("PC 2: %1% of the variance")).arg(percent(result.explained[1]))
          : tr("β: random direction 2 (filter-normalised)")};
  field.valueTitle = tr("loss on %1 training samples").arg(result.samples);
  field.log = true;
  field.contours = true;
  plot_->setTitle(set ? tr("%1 runs of the set on one plane, %2 x %3 points")
                            .arg(result.race.size())
                            .arg(field.cols)
                            .arg(field.rows)
                  : race ? tr("%1 optimizers from one start, %2 steps each, %3 x %4 points")
                               .arg(result.race.size())
                               .arg(request.raceSteps)
                               .arg(field.cols)
                               .arg(field.rows)
                         : tr("Loss around the weights at step %1, %2 x %3 points")
                               .arg(request.source->step)
                               .arg(field.cols)
                               .arg(field.rows));
  plot_->setField(std::move(field));
  std::vector<HeatmapPlot::Path> paths;
  plot_->setLegend(race);  // every race path starts at the same point: names there would pile up
  setLineTabShown(!race);
  setRaceTabShown(request.plane == LandscapePlane::Race);
  if (race) {
    if (result.sharedStart)
      plot_->setMarkers({{QPointF(0, 0), tr("common start")}});
    else
      plot_->setMarkers({{QPointF(0, 0), tr("mean of the starts")}});
    for (const RacePath& run : result.race) {
      HeatmapPlot::Path path;
      path.name = QString::fromStdString(run.title);
      path.colour = run.style.color;  // as in the race's loss chart and the lab's other views
      path.pen = run.style.pen;
      for (const auto& p : run.points) path.points.emplace_back(p.x, p.y);
      paths.push_back(std::move(path));
    }
    plot_->setPaths(std::move(paths));
    status_->setText(set ? runSetSummary(result) : raceSummary(result));
    if (!set) showRaceLosses(result);
    return;
  }
  plot_->setMarkers({{QPointF(0, 0), tr("current weights")}});
  double reach = 0;
  if (!result.path.empty()) {
    HeatmapPlot::Path path;
    path.name = tr("trajectory");
    for (const auto& p : result.path) {
      path.points.emplace_back(p.x, p.y);
      reach = std::max({reach, std::abs(p.x), std::abs(p.y)});
    }
    paths.push_back(std::move(path));
  }
  plot_->setPaths(std::move(paths));

  double lowest = INFINITY;
  for (const auto& v : g.values) lowest = std::min(lowest, v.loss);
  QString text =
      tr("%1 points on %2 samples in %3 s on %4. At the current weights: loss %5, accuracy %6%; lowest loss on "
         "the grid %7.")
          .arg(g.values.size() + 1 + (result.line ? result.line->values.size() : 0))
          .arg(result.samples)
          .arg(result.seconds, 0, 'f', 1)
          .arg(QString::fromStdString(result.device))
          .arg(result.centre.loss, 0, 'g', 4)
          .arg(100 * result.centre.accuracy, 0, 'f', 1)
          .arg(lowest, 0, 'g', 4);
  if (!pca && !result.path.empty() && reach < kSmallPath * request.range)
    text +=
        tr(" On random directions the trajectory hardly shows (they are almost orthogonal to it): choose the PCA "
           "plane to see the path.");
  if (!result.note.empty()) text += " " + QString::fromStdString(result.note);
  status_->setText(text);
  showLine(result);
}

QString LandscapeView::runSetSummary(const LandscapeResult& result) const {
  QStringList runs;
  for (const RacePath& run : result.race)
    runs << tr("%1 (step %2)").arg(QString::fromStdString(run.title)).arg(run.steps);
  QString text =
      tr("On one plane through %1: %2.")
          .arg(result.sharedStart ? tr("the runs' common start") : tr("the mean of the runs' starts"), runs.join("; "));
  QStringList off;
  for (const OffPlane& o : result.offPlane)
    off << tr("%1 (%2)").arg(o.style.legend(), QString::fromStdString(o.reason));
  if (!off.isEmpty()) text += " " + tr("Not on this plane: %1.").arg(off.join("; "));
  text += " " + tr("Landscape of %1 points on %2 samples; %3 s in all on %4.")
                    .arg(result.grid.values.size() + 1)
                    .arg(result.samples)
                    .arg(result.seconds, 0, 'f', 1)
                    .arg(QString::fromStdString(result.device));
  if (!result.note.empty()) text += " " + QString::fromStdString(result.note);
  return text;
}

QString LandscapeView::raceSummary(const LandscapeResult& result) const {
  QStringList runs;
  for (const RacePath& run : result.race)
    runs << (run.diverged.empty()
                 ? tr("%1: training loss %2 after %3 steps")
                       .arg(QString::fromStdString(run.title))
                       .arg(run.finalLoss, 0, 'g', 4)
                       .arg(run.steps)
                 : tr("%1 diverged: %2").arg(QString::fromStdString(run.title), QString::fromStdString(run.diverged)));
  QString text = runs.join("; ") + ". " +
                 tr("Landscape of %1 points on %2 samples at the common start's plane; %3 s in all on %4.")
                     .arg(result.grid.values.size() + 1)
                     .arg(result.samples)
                     .arg(result.seconds, 0, 'f', 1)
                     .arg(QString::fromStdString(result.device));
  if (!result.note.empty()) text += " " + QString::fromStdString(result.note);
  return text;
}

// Each optimizer's training loss per step (one point per step, as the run recorded it), in the
// colour of its path on the plane.
void LandscapeView::showRaceLosses(const LandscapeResult& result) {
  raceChart_->removeAllSeries();
  for (QAbstractAxis* axis : raceChart_->axes()) {
    raceChart_->removeAxis(axis);
    delete axis;
  }
  auto* steps = valueAxis(tr("step"), "%.0f");
  auto* loss = valueAxis(tr("training loss (batch mean)"), "%.3g");
  raceChart_->addAxis(steps, Qt::AlignBottom);
  raceChart_->addAxis(loss, Qt::AlignLeft);
  double hi = 0, last = 1;
  for (size_t r = 0; r < result.race.size(); ++r) {
    const RacePath& run = result.race[r];
    auto* series = new QLineSeries;
    series->setName(QString::fromStdString(run.title));
    series->setPen(QPen(run.style.color, 1.6, run.style.pen));
    QList<QPointF> points;
    for (size_t i = 0; i < run.losses.size(); ++i)
      if (std::isfinite(run.losses[i])) points.append({double(i + 1), run.losses[i]}), hi = std::max(hi, run.losses[i]);
    last = std::max(last, double(run.losses.size()));
    series->replace(points);
    raceChart_->addSeries(series);
    series->attachAxis(steps);
    series->attachAxis(loss);
  }
  steps->setRange(1, last);
  loss->setRange(0, hi > 0 ? hi * 1.05 : 1);
  loss->applyNiceNumbers();
  raceChart_->setTitle(tr("Training loss per step, every optimizer on the same batches from the same start"));
  styleChart();
}

// A race has no run of the lab's own, so no line from its initial to its current weights.
void LandscapeView::setLineTabShown(bool shown) {
  tabs_->setTabEnabled(kLineTab, shown);
  tabs_->setTabToolTip(kLineTab, shown ? QString()
                                       : tr("A race has no line from the initial to the current weights: compute a "
                                            "random or PCA plane for it"));
  if (!shown && tabs_->currentIndex() == kLineTab) tabs_->setCurrentIndex(0);
}

// The race tab draws a race's losses per step; a set's runs and a plane of one run have none to draw.
void LandscapeView::setRaceTabShown(bool shown) {
  tabs_->setTabEnabled(kRaceTab, shown);
  tabs_->setTabToolTip(kRaceTab, shown ? QString()
                                       : tr("The training loss of each optimizer of a race: choose the optimizer "
                                            "race as the plane and Compute"));
  if (!shown && tabs_->currentIndex() == kRaceTab) tabs_->setCurrentIndex(0);
}

void LandscapeView::showLine(const LandscapeResult& result) {
  QList<QPointF> loss, accuracy;
  if (result.line)
    for (size_t i = 0; i < result.line->values.size(); ++i) {
      loss.append({result.line->t[i], result.line->values[i].loss});
      accuracy.append({result.line->t[i], 100 * result.line->values[i].accuracy});
    }
  lineLoss_->replace(loss);
  lineAccuracy_->replace(accuracy);
  if (loss.isEmpty()) {
    chart_->setTitle(tr("The line needs the initial weights (the first probe's)"));
    return;
  }
  double lo = INFINITY, hi = -INFINITY;
  for (const QPointF& p : loss)
    if (std::isfinite(p.y())) lo = std::min(lo, p.y()), hi = std::max(hi, p.y());
  const double margin = std::max((hi - lo) * 0.05, 1e-6);
  if (std::isfinite(lo)) {
    lineLossAxis_->setRange(std::max(0.0, lo - margin), hi + margin);
    lineLossAxis_->applyNiceNumbers();
  }
  chart_->setTitle(tr("Loss on %1 training samples along the straight line from the initial to the current weights")
                       .arg(result.samples));
}

void LandscapeView::styleChart() {
  const QPalette& pal = palette();
  for (QChart* chart : {chart_, raceChart_}) {
    chart->setBackgroundBrush(pal.base());
    chart->setTitleBrush(pal.text());
    chart->legend()->setLabelColor(pal.color(QPalette::Text));
    for (QAbstractAxis* axis : chart->axes()) {
      axis->setLabelsBrush(pal.text());
      axis->setTitleBrush(pal.text());
      axis->setLinePenColor(pal.color(QPalette::Mid));
      axis->setGridLineColor(pal.color(QPalette::Midlight));
    }
  }
}

void LandscapeView::changeEvent(QEvent* event) {
  QWidget::changeEvent(event);
  if (event->type() == QEvent::PaletteChange) styleChart();
}

QString LandscapeView::csv() const {
  CsvTable table({"series", "run", "a", "b", "loss", "accuracy"});
  if (!shown_) return table.text();
  const LandscapeResult& r = *shown_;
  auto number = CsvTable::number;
  for (size_t j = 0; j < r.grid.betas.size(); ++j)
    for (size_t i = 0; i < r.grid.alphas.size() && j * r.grid.alphas.size() + i < r.grid.values.size(); ++i)
      table.row({"grid", "", number(r.grid.alphas[i]), number(r.grid.betas[j]), number(r.grid.at(i, j).loss),
                 number(r.grid.at(i, j).accuracy)});
  for (const auto& p : r.path) table.row({"path", "", number(p.x), number(p.y), "", ""});
  for (const RacePath& path : r.race) {
    const QString run = CsvTable::text(QString::fromStdString(path.title));
    for (const auto& p : path.points) table.row({"path", run, number(p.x), number(p.y), "", ""});
    for (size_t s = 0; s < path.losses.size(); ++s)
      table.row({"race_loss", run, QString::number(s + 1), "", number(path.losses[s]), ""});
  }
  if (r.line)
    for (size_t i = 0; i < r.line->values.size() && i < r.line->t.size(); ++i)
      table.row(
          {"line", "", number(r.line->t[i]), "", number(r.line->values[i].loss), number(r.line->values[i].accuracy)});
  return table.text();
}

}  // namespace gradlab::ui

// The "seeing inside" views with real data, offscreen: the loss landscape of a toy MLP trained by
// train::Run (its probes carrying every parameter tensor) has the network's own loss at its
// centre and the trajectory ending there, and stops when cancelled; the receptive-field view
// shows LeNet-5's theoretical fields and an effective field that stays inside its box; the
// gradient check passes a correct MLP. Screenshots of each go to SCREENSHOT_DIR.
#include "analysis/gradient_check_dialog.h"
#include "analysis/heatmap_plot.h"
#include "analysis/landscape_job.h"
#include "analysis/landscape_view.h"
#include "analysis/receptive_field_view.h"
#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "persist/run_setup.h"
#include "support/gpu_test.h"
#include "support/ui_test.h"
#include "train/run.h"
#include "views/color_map.h"

#include <QApplication>
#include <QChart>
#include <QChartView>
#include <QComboBox>
#include <QDir>
#include <QFile>
#include <QHeaderView>
#include <QLabel>
#include <QLineSeries>
#include <QProgressBar>
#include <QSignalSpy>
#include <QTabWidget>
#include <QTableWidget>
#include <QTest>
#include <QValueAxis>

#include <chrono>
#include <cmath>
#include <filesystem>

using namespace gradlab;
using namespace std::chrono_literals;
using ui::AnalysisSource;

namespace {

// Waits for a view's next `finished` (an immediate refusal emits it before anyone waits) and
// consumes it.
bool finishes(QSignalSpy& spy, int timeoutMs = 60000) {
  const bool ok = !spy.isEmpty() || spy.wait(timeoutMs);
  spy.clear();
  return ok;
}

// Fashion-MNIST's first images when installed, else gaussian noise of the same shape.
std::shared_ptr<data::Dataset> images(uint32_t count) {
  if (std::filesystem::exists(data::kFashionMnistDirectory))
    return std::make_shared<data::Dataset>(data::loadFashionMnist("train").head(count));
  auto noise = data::makeGaussianNoise(count, nn::Shape{1, 28, 28}, 3);
  for (uint32_t i = 0; i < count; ++i) noise.labels[i] = i % 10;
  noise.classes = 10;
  return std::make_shared<data::Dataset>(noise);
}

// A network's parameters after initialisation with `seed`, by name, as a probe carries them.
ui::ParameterMap initialParameters(gpu::Context& context, const nn::Graph& graph, uint32_t seed) {
  nn::Network net(context, graph, 1, seed);
  ui::ParameterMap params;
  for (const auto& p : net.parameters()) params[p.name] = p.readValues();
  return params;
}

// Mean loss of `graph` at `params` on the first `samples` samples (unnormalised), evaluation mode,
// in double precision by the layers' references.
double referenceLoss(gpu::Context& context, const nn::Graph& graph, const data::Dataset& d, uint32_t samples,
                     const ui::ParameterMap& params) {
  nn::Network net(context, graph, samples);
  nn::RefTensor input(size_t(samples) * d.sampleSize());
  for (uint32_t s = 0; s < samples; ++s)
    for (uint32_t j = 0; j < d.sampleSize(); ++j) input[size_t(s) * d.sampleSize() + j] = d.raw(s, j);
  std::vector<nn::RefTensor> values;
  for (const auto& p : net.parameters()) values.emplace_back(params.at(p.name).begin(), params.at(p.name).end());
  return net.reference(input, {d.labels.begin(), d.labels.begin() + samples}, values, false, 0).meanLoss;
}

// What the race's plane shows, read off its pixels: every path in its colour with its end disc
// where the engine's path ends, the common start marked, the names in a legend beside the plot
// (not over it), axes spanning the engine's grid, no label shortened.
void checkRacePlaneShows(ui::HeatmapPlot& plot, const ui::LandscapeResult& r, bool sharedStart = true) {
  const QImage shot = plot.grab().toImage();
  const QRectF area = plot.plotRect();
  QCOMPARE(plot.field().x.first, r.grid.alphas.front());
  QCOMPARE(plot.field().x.last, r.grid.alphas.back());
  QCOMPARE(plot.field().y.first, r.grid.betas.front());
  QCOMPARE(plot.field().y.last, r.grid.betas.back());
  int endsSeen = 0;
  for (size_t i = 0; i < r.race.size(); ++i) {
    const QColor colour = plot.paths()[i].colour;
    const int pixels = test::countPixels(shot, area, colour);
    QVERIFY2(pixels > 40, qPrintable(QString("path %1: %2 pixels of %3").arg(i).arg(pixels).arg(colour.name())));
    const QPointF end = plot.toWidget({r.race[i].points.back().x, r.race[i].points.back().y});
    endsSeen += test::countPixels(shot, QRectF(end - QPointF(2, 2), QSizeF(4, 4)), colour) >= 4;
  }
  QVERIFY2(endsSeen >= std::min<int>(2, int(r.race.size())),
           qPrintable(QString::number(endsSeen)));  // one may lie under another
  const QPointF start = plot.toWidget({0, 0});      // the common start, or the mean of the starts
  QVERIFY(test::countPixels(shot, QRectF(start - QPointF(8, 8), QSizeF(16, 16)), Qt::white, 30) > 12);
  QCOMPARE(plot.markers().size(), size_t(1));
  QCOMPARE(plot.markers()[0].label, sharedStart ? QString("common start") : QString("mean of the starts"));
  const QRectF legend = plot.legendRect();
  QVERIFY(!legend.isEmpty());
  QVERIFY(!legend.intersects(area));
  QVERIFY(QRectF(plot.rect()).contains(legend));
  for (size_t i = 0; i < r.race.size(); ++i) QVERIFY(test::countPixels(shot, legend, plot.paths()[i].colour) > 10);
  QVERIFY2(plot.elidedLabels().isEmpty(), qPrintable(plot.elidedLabels().join(" | ")));
}

// What a loss landscape's plane shows, read off its pixels: the axes span the engine's grid; the
// heatmap fills the plot, each cell in the colour map's colour of the engine's loss there (but for
// the few under contours and the path); the colour bar runs from the engine's least loss to its
// largest; the trajectory is drawn (white, the first path); no label is shortened.
void checkLandscapeShows(ui::HeatmapPlot& plot, const ui::LandscapeResult& r) {
  const QImage shot = plot.grab().toImage();
  const QRectF area = plot.plotRect();
  const auto& g = r.grid;
  QCOMPARE(plot.field().x.first, g.alphas.front());
  QCOMPARE(plot.field().x.last, g.alphas.back());
  QCOMPARE(plot.field().y.first, g.betas.front());
  QCOMPARE(plot.field().y.last, g.betas.back());
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& v : g.values) lo = std::min(lo, v.loss), hi = std::max(hi, v.loss);
  QVERIFY(std::isfinite(lo) && hi > lo);
  const QStringList labels = plot.colourBarLabels();
  QVERIFY2(
      std::abs(labels.front().toDouble() - lo) <= 0.01 * lo && std::abs(labels.back().toDouble() - hi) <= 0.01 * hi,
      qPrintable(QString("colour bar %1 for losses %2 .. %3").arg(labels.join(" ")).arg(lo).arg(hi)));
  int matching = 0;
  for (size_t j = 0; j < g.betas.size(); ++j)
    for (size_t i = 0; i < g.alphas.size(); ++i) {
      const double t = (std::log10(g.at(i, j).loss) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
      const QPointF at = plot.toWidget({g.alphas[i], g.betas[j]});
      QVERIFY(area.contains(at));
      matching += test::countPixels(shot, QRectF(at - QPointF(1, 1), QSizeF(2, 2)),
                                    QColor(ui::colorAt(ui::ColorMap::Viridis, t)), 30) > 0;
    }
  const int cells = int(g.values.size());
  QVERIFY2(matching >= cells * 3 / 4,
           qPrintable(QString("%1 of %2 cells in their loss's colour").arg(matching).arg(cells)));
  // The heatmap reaches the plot's corners: each is in its corner cell's colour.
  const size_t n = g.alphas.size() - 1, m = g.betas.size() - 1;
  const std::pair<QPointF, std::pair<size_t, size_t>> corners[] = {{area.bottomLeft() + QPointF(3, -3), {0, 0}},
                                                                   {area.bottomRight() + QPointF(-3, -3), {n, 0}},
                                                                   {area.topLeft() + QPointF(3, 3), {0, m}},
                                                                   {area.topRight() + QPointF(-3, 3), {n, m}}};
  for (const auto& [corner, cell] : corners) {
    const double t =
        (std::log10(g.at(cell.first, cell.second).loss) - std::log10(lo)) / (std::log10(hi) - std::log10(lo));
    const QColor want(ui::colorAt(ui::ColorMap::Viridis, t));
    QVERIFY2(test::countPixels(shot, QRectF(corner - QPointF(1.5, 1.5), QSizeF(3, 3)), want, 30) > 0,
             qPrintable(QString("corner %1,%2 is not %3").arg(corner.x()).arg(corner.y()).arg(want.name())));
  }
  const QPointF end = plot.toWidget({r.path.back().x, r.path.back().y});
  QVERIFY(test::countPixels(shot, QRectF(end - QPointF(8, 8), QSizeF(16, 16)), Qt::white, 30) >
          12);       // the current weights' marker
  double reach = 0;  // how far the trajectory goes on screen: a random plane hardly shows it
  for (const auto& p : r.path) reach = std::max(reach, QLineF(end, plot.toWidget({p.x, p.y})).length());
  const int path = test::countPixels(shot, area, Qt::white, 30);
  QVERIFY2(path >= reach, qPrintable(QString("%1 path pixels for a path reaching %2 pixels").arg(path).arg(reach)));
  QVERIFY2(plot.elidedLabels().isEmpty(), qPrintable(plot.elidedLabels().join(" | ")));
}

// A receptive field's plot draws the engine's theoretical box (orange) along its four sides and
// nowhere else.
void checkBoxShows(ui::HeatmapPlot& plot, const analysis::PixelBox& box) {
  const QImage shot = plot.grab().toImage();
  const QColor orange(255, 127, 14);
  const QRectF drawn =
      QRectF(plot.toWidget({box.left - 0.5, box.top - 0.5}), plot.toWidget({box.right + 0.5, box.bottom + 0.5}))
          .normalized();
  const double band = 3;
  const QRectF sides[] = {QRectF(drawn.left() - band, drawn.top(), 2 * band, drawn.height()),
                          QRectF(drawn.right() - band, drawn.top(), 2 * band, drawn.height()),
                          QRectF(drawn.left(), drawn.top() - band, drawn.width(), 2 * band),
                          QRectF(drawn.left(), drawn.bottom() - band, drawn.width(), 2 * band)};
  int near = 0;
  for (const QRectF& side : sides) {
    const int pixels = test::countPixels(shot, side, orange, 60);
    QVERIFY2(pixels > std::max(side.width(), side.height()) / 2,
             qPrintable(QString("%1 box pixels on a side").arg(pixels)));
  }
  near = test::countPixels(shot, drawn.adjusted(-band, -band, band, band), orange, 60);
  const int all = test::countPixels(shot, plot.rect(), orange, 60);
  QVERIFY2(all - near <= 4, qPrintable(QString("%1 box pixels away from the engine's box").arg(all - near)));
  QVERIFY2(plot.elidedLabels().isEmpty(), qPrintable(plot.elidedLabels().join(" | ")));
}

}  // namespace

class TestAnalysisViews : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;  // for references; the views open their own
  std::shared_ptr<AnalysisSource> toy_;    // a toy MLP trained on moons, with its trajectory

  // `graph` trained `steps` steps on `data` at `learningRate` (batch 32, seed 3: the same initial
  // weights and batches for every rate), a probe copying every parameter every 10 steps.
  ui::RunAnalysis probedRun(const nn::Graph& graph, std::shared_ptr<const data::Dataset> data, double learningRate,
                            uint64_t steps) {
    ui::RunAnalysis out;
    out.graph = graph;
    out.batch = 32;
    out.seed = 3;
    train::RunConfig c;
    c.graph = graph;
    c.train = std::move(data);
    c.options.batch = out.batch;
    c.options.learningRate = learningRate;
    c.options.seed = out.seed;
    c.maxSteps = steps;
    c.probeEvery = 10;
    for (const auto& [name, values] : initialParameters(*context_, c.graph, 0)) c.weightSnapshots.push_back(name);
    {
      // Subscribers may still be called after Finished is reached: the trajectory is read once
      // the run has ended.
      train::Run run(*context_, c);
      run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
        if (s->probes) {
          out.trajectory.push_back(ui::parametersOf(*s->probes));
          out.step = s->probes->step;
        }
      });
      if (!run.waitFor({train::RunState::Ready}, 60s)) return out;
      run.start();
      if (!run.waitFor({train::RunState::Finished}, 120s)) return out;
    }
    if (out.trajectory.empty()) return out;
    out.initial = initialParameters(*context_, graph, out.seed);  // the first probe may come after a step
    out.current = out.trajectory.back();
    return out;
  }

  // A set of `count` runs: the toy run as A, then the toy MLP at other learning rates.
  std::shared_ptr<AnalysisSource> toySet(size_t count) {
    auto set = std::make_shared<AnalysisSource>(*toy_);
    const double rates[] = {0.2, 0.05, 0.8};
    for (size_t i = 0; i < count; ++i) {
      ui::RunAnalysis run;
      if (i == 0) {
        run.graph = toy_->graph, run.batch = 32, run.seed = toy_->seed, run.step = toy_->step;
        run.initial = initialParameters(*context_, toy_->graph, toy_->seed);
        run.current = toy_->current, run.trajectory = toy_->trajectory;
      } else {
        run = probedRun(toy_->graph, toy_->train, rates[i], 150);
      }
      run.style = ui::defaultRunStyle(uint32_t(i));
      run.style.description = i == 0 ? QString("base") : QString("lr=%1").arg(rates[i]);
      set->runs.push_back(std::move(run));
    }
    return set;
  }

 private slots:
  void initTestCase() {
    context_ = test::makeContext();
    // The toy MLP trained 300 steps on moons; every 10 steps a probe copies every parameter.
    auto source = std::make_shared<AnalysisSource>();
    source->graph = test::graphOf(test::networkText("toy_mlp_2d.net"));
    source->train = std::make_shared<data::Dataset>(data::makeToyDataset("moons", {600, 0.15, 2, 1}));
    source->seed = 3;
    const ui::RunAnalysis run = probedRun(source->graph, source->train, 0.2, 300);
    QVERIFY(run.trajectory.size() >= 20);
    source->trajectory = run.trajectory;
    source->step = run.step;
    source->initial = run.trajectory.front();
    source->current = run.current;
    QCOMPARE(source->current.size(), size_t(6));
    toy_ = source;
  }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void landscapeCentreIsTheNetworksLoss() {
    ui::LandscapeView view;
    view.resize(760, 760);
    view.show();
    view.setSource(toy_);
    view.setGridPoints(7);
    view.setSamples(256);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QVERIFY(view.isRunning());
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& r = *view.result();
    QCOMPARE(r.grid.alphas.size(), size_t(7));
    QCOMPARE(r.grid.values.size(), size_t(49));
    QCOMPARE(r.grid.alphas[3], 0.0);
    QCOMPARE(r.grid.betas[3], 0.0);
    // The centre is the trained network's loss on the first 256 samples (double-precision reference).
    const double want = referenceLoss(*context_, toy_->graph, *toy_->train, 256, toy_->current);
    QVERIFY2(std::abs(r.grid.at(3, 3).loss - want) <= 1e-4 * want,
             qPrintable(QString("%1 vs %2").arg(r.grid.at(3, 3).loss).arg(want)));
    QVERIFY(std::abs(r.centre.loss - want) <= 1e-4 * want);
    QVERIFY(r.grid.at(0, 0).loss != r.grid.at(6, 6).loss);
    // The trajectory, one point per probe, ends at the centre: the current weights.
    QCOMPARE(r.path.size(), toy_->trajectory.size());
    QVERIFY(std::abs(r.path.back().x) < 1e-9 && std::abs(r.path.back().y) < 1e-9);
    QVERIFY(std::hypot(r.path.front().x, r.path.front().y) > 1e-3);
    // The plot shows it: the field, contours, the path with the current weights marked.
    QVERIFY(view.plot()->hasField());
    QVERIFY(view.plot()->field().log);
    QVERIFY(view.plot()->contourSegmentCount() > 0);
    QCOMPARE(view.plot()->paths().size(), size_t(1));
    QCOMPARE(view.plot()->paths()[0].points.back(), QPointF(0, 0));
    // The line from the initial to the current weights: 101 points, the reference at both ends.
    QVERIFY(r.line);
    QCOMPARE(view.lineSeries()->count(), 101);
    QVERIFY(std::abs(view.lineSeries()->at(100).y() - want) <= 1e-4 * want);
    const double first = referenceLoss(*context_, toy_->graph, *toy_->train, 256, toy_->initial);
    QVERIFY(std::abs(view.lineSeries()->at(0).y() - first) <= 1e-4 * first);
    QVERIFY(view.statusText().contains("loss"));
    test::screenshot(view, "analysis_landscape_random_7x7", 200);
    checkLandscapeShows(*view.plot(), r);
  }

  void landscapeOnThePcaPlane() {
    ui::LandscapeView view;
    view.resize(760, 780);
    view.show();
    view.setSource(toy_);
    view.setPlane(ui::LandscapePlane::Pca);
    view.setSamples(512);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& r = *view.result();
    QCOMPARE(r.grid.alphas.size(), size_t(31));  // the default grid
    QVERIFY(r.explained[0] > 0.3 && r.explained[0] + r.explained[1] <= 1 + 1e-9);
    QVERIFY(std::abs(r.path.back().x) < 1e-9 && std::abs(r.path.back().y) < 1e-9);
    // The frame holds the whole path.
    for (const auto& p : r.path) {
      QVERIFY(p.x >= r.grid.alphas.front() && p.x <= r.grid.alphas.back());
      QVERIFY(p.y >= r.grid.betas.front() && p.y <= r.grid.betas.back());
    }
    QVERIFY(view.plot()->field().x.title.contains("PC 1"));
    test::screenshot(view, "analysis_landscape_pca", 200);
    checkLandscapeShows(*view.plot(), r);
    if (QTest::currentTestFailed()) return;
    view.findChild<QTabWidget*>()->setCurrentIndex(1);
    test::screenshot(view, "analysis_landscape_line", 200);
    {  // the line from the initial to the current weights is drawn, its values on the axis, labels whole
      QChartView* chart = nullptr;
      for (QChartView* c : view.findChildren<QChartView*>())
        if (c->chart() == view.lineSeries()->chart()) chart = c;
      QVERIFY(chart && chart->isVisible());
      const QImage line = chart->grab().toImage();
      const int pixels = test::countPixels(line, chart->chart()->plotArea(), view.lineSeries()->pen().color(), 40);
      QVERIFY2(pixels > chart->chart()->plotArea().width() / 2, qPrintable(QString::number(pixels)));
      const auto* y = qobject_cast<QValueAxis*>(chart->chart()->axes(Qt::Vertical).front());
      for (const QPointF& p : view.lineSeries()->points()) QVERIFY(p.y() >= y->min() && p.y() <= y->max());
      QVERIFY2(test::elided(test::sceneTexts(*chart->scene())).isEmpty(),
               qPrintable(test::sceneTexts(*chart->scene()).join(" | ")));
    }
    view.findChild<QTabWidget*>()->setCurrentIndex(0);
    view.setPalette(test::darkPalette());
    test::screenshot(view, "analysis_landscape_pca_dark", 200);
    checkLandscapeShows(*view.plot(), r);
  }

  void landscapeCancelStops() {
    // MLP 784-256-10 on 2048 images, 51 x 51 points: minutes on lavapipe unless cancelled.
    auto source = std::make_shared<AnalysisSource>();
    source->graph = test::graphOf(test::networkText("mlp_784_256_10.net"));
    source->train = images(2048);
    source->current = initialParameters(*context_, source->graph, 0);
    ui::LandscapeView view;
    view.resize(700, 700);
    view.show();
    view.setSource(source);
    view.setGridPoints(51);
    view.setSamples(2048);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QTRY_VERIFY_WITH_TIMEOUT(view.progressBar()->value() > 0, 30000);
    const auto cancelled = std::chrono::steady_clock::now();
    view.cancel();
    QVERIFY(finishes(done, 10000));
    QVERIFY(std::chrono::steady_clock::now() - cancelled < 5s);
    QVERIFY(!view.isRunning());
    QVERIFY(!view.result());
    QVERIFY2(view.statusText().startsWith("Cancelled after"), qPrintable(view.statusText()));
    QVERIFY(view.progressBar()->value() < view.progressBar()->maximum());
  }

  // An optimizer race trains what the lab trains: the run setup's schedule, penalties and clipping,
  // at the run's batch (no more than its samples) and seed; settings the run setup refuses are
  // refused in its words.
  void raceTrainsWhatTheLabTrains() {
    AnalysisSource source(*toy_);
    source.training.schedule = "cosine";
    source.training.scheduleValues = {{"T_max", "50"}, {"warmup", "5"}};
    source.training.l2 = 0.01;
    source.training.clipNorm = 2;
    source.batch = 1u << 20;
    source.seed = 7;
    const train::TrainingOptions lab = persist::runSetup(source.training).options;
    const train::TrainingOptions race = ui::raceOptions(source);
    QCOMPARE(race.schedule.kind, optim::ScheduleKind::Cosine);
    QCOMPARE(race.schedule.warmup, lab.schedule.warmup);
    QCOMPARE(race.regularization.l2, 0.01);
    QCOMPARE(race.regularization.clipNorm, 2.0);
    QCOMPARE(race.sgdInBackward, lab.sgdInBackward);
    QCOMPARE(race.batch, source.train->size());
    QCOMPARE(race.seed, 7u);
    source.training.l2 = -1;
    try {
      ui::raceOptions(source);
      QFAIL("a refused penalty was raced");
    } catch (const std::invalid_argument& e) {
      QCOMPARE(std::string(e.what()), std::string("--l2: -1 is out of range [0, 1000000]"));
    }
  }

  // Three optimizers from one start on the toy MLP, no training of the lab's own needed: every path
  // starts at the grid's centre, each ends where its optimizer went, the frame holds them all,
  // and the grid's centre is the initial weights' loss.
  void landscapeOptimizerRace() {
    auto source = std::make_shared<AnalysisSource>(*toy_);
    source->current.clear();  // a race starts from the seed's weights, not the run's
    source->batch = 32;
    ui::LandscapeView view;
    view.resize(760, 800);
    view.show();
    view.setSource(source);
    view.setPlane(ui::LandscapePlane::Race);
    view.setRacers("sgd:lr=0.1; sgd:lr=0.1,momentum=0.9; adam:lr=0.01");
    view.setRaceSteps(60);
    view.setGridPoints(15);
    view.setSamples(256);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QVERIFY(finishes(done, 120000));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& r = *view.result();
    QCOMPARE(r.race.size(), size_t(3));
    for (const auto& run : r.race) {
      QVERIFY(run.diverged.empty());
      QCOMPARE(run.steps, uint64_t(60));
      QVERIFY(std::hypot(run.points.front().x, run.points.front().y) < 1e-6);  // the common start
      QVERIFY(std::hypot(run.points.back().x, run.points.back().y) > 1e-3);
      for (const auto& p : run.points) {
        QVERIFY(p.x >= r.grid.alphas.front() && p.x <= r.grid.alphas.back());
        QVERIFY(p.y >= r.grid.betas.front() && p.y <= r.grid.betas.back());
      }
    }
    QVERIFY(std::hypot(r.race[0].points.back().x - r.race[2].points.back().x,
                       r.race[0].points.back().y - r.race[2].points.back().y) > 1e-3);
    const double start =
        referenceLoss(*context_, toy_->graph, *toy_->train, 256, initialParameters(*context_, toy_->graph, toy_->seed));
    QVERIFY2(std::abs(r.centre.loss - start) <= 1e-4 * start,
             qPrintable(QString("%1 vs %2").arg(r.centre.loss).arg(start)));
    QCOMPARE(view.plot()->paths().size(), size_t(3));
    QCOMPARE(view.plot()->paths()[2].name, QString("Adam lr=0.01"));
    QVERIFY2(view.statusText().contains("SGD lr=0.1 momentum=0.9: training loss"), qPrintable(view.statusText()));
    test::screenshot(view, "analysis_landscape_optimizer_race", 200);
    checkRacePlaneShows(*view.plot(), r);
    if (QTest::currentTestFailed()) return;
    // A race has no line from initial to current weights: its tab is off, not an empty chart.
    QVERIFY(!view.tabs()->isTabEnabled(1));
    // Beside the plane, each optimizer's training loss per step, in its path's colour.
    QCOMPARE(view.raceChart()->series().size(), 3);
    for (int i = 0; i < 3; ++i) {
      auto* series = qobject_cast<QLineSeries*>(view.raceChart()->series()[i]);
      QCOMPARE(series->count(), 60);
      QCOMPARE(series->pen().color(), view.plot()->paths()[size_t(i)].colour);
      QCOMPARE(series->at(59).y(), r.race[size_t(i)].finalLoss);
    }
    view.findChild<QTabWidget*>()->setCurrentIndex(2);
    test::screenshot(view, "analysis_landscape_optimizer_race_losses", 200);
    view.findChild<QTabWidget*>()->setCurrentIndex(0);

    // A mistyped optimizer is named before anything trains.
    view.setRacers("sgd; adamm");
    view.compute();
    QVERIFY(finishes(done, 1000));
    QVERIFY2(view.statusText().contains("unknown optimizer 'adamm'"), qPrintable(view.statusText()));
    QVERIFY(!view.isRunning());
  }

  // A set of three runs of the toy MLP (learning rates 0.2, 0.05, 0.8, from the same initial
  // weights on the same batches) and a fourth of another network: the landscape offers the set's
  // plane first, draws the three paths from one start in their runs' colours and line styles with
  // a legend under the plot, centres the grid on the common start, and names the fourth run as
  // not on this plane. A hidden run is left off.
  void landscapeRunSetOnOnePlane() {
    auto source = toySet(3);
    for (const auto& run : source->runs) QVERIFY(run.trajectory.size() >= 10);
    ui::RunAnalysis variant;
    variant.graph = test::graphOf(
        "input x: 2\nh1 = Linear(x, out_features=8, bias=false)\nbn = BatchNorm1d(h1)\n"
        "a1 = Tanh(bn)\nlogits = Linear(a1, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    variant.initial = variant.current = initialParameters(*context_, variant.graph, 3);
    variant.trajectory = {variant.initial, variant.initial};
    variant.style = ui::defaultRunStyle(3);
    variant.style.description = "BatchNorm1d after h1";
    source->runs.push_back(variant);
    ui::LandscapeView view;
    view.resize(760, 820);
    view.show();
    view.setSource(source);
    view.setGridPoints(15);
    view.setSamples(256);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();  // the set's plane is the first choice
    QVERIFY(finishes(done, 120000));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& r = *view.result();
    QCOMPARE(r.race.size(), size_t(3));
    QVERIFY(r.sharedStart);
    for (size_t i = 0; i < 3; ++i) {
      const auto& run = r.race[i];
      const auto& style = source->runs[i].style;
      QCOMPARE(QString::fromStdString(run.title), style.legend());
      const auto& trajectory = source->runs[i].trajectory;  // with the initial weights first
      QCOMPARE(run.points.size(), trajectory.size() + (trajectory.front() != source->runs[i].initial));
      QVERIFY(std::hypot(run.points.front().x, run.points.front().y) < 1e-9);  // the common start
      QVERIFY(std::hypot(run.points.back().x, run.points.back().y) > 1e-3);
      QCOMPARE(view.plot()->paths()[i].name, style.legend());
      QCOMPARE(view.plot()->paths()[i].colour, ui::runColor(uint32_t(i)));
      QCOMPARE(view.plot()->paths()[i].pen, ui::runPenStyle(uint32_t(i)));
      for (size_t j = 0; j < i; ++j)
        QVERIFY(std::hypot(run.points.back().x - r.race[j].points.back().x,
                           run.points.back().y - r.race[j].points.back().y) > 1e-3);
    }
    QCOMPARE(r.offPlane.size(), size_t(1));
    QCOMPARE(r.offPlane[0].reason, std::string("different network"));
    QVERIFY2(view.statusText().contains("Not on this plane: D: BatchNorm1d after h1 (different network)"),
             qPrintable(view.statusText()));
    // The grid's centre is the common start: the initial weights' loss there.
    const double start = referenceLoss(*context_, toy_->graph, *toy_->train, 256, source->runs[0].initial);
    QVERIFY2(std::abs(r.centre.loss - start) <= 1e-4 * start,
             qPrintable(QString("%1 vs %2").arg(r.centre.loss).arg(start)));
    QVERIFY(!view.tabs()->isTabEnabled(1));
    test::screenshot(view, "analysis_landscape_run_set", 200);
    checkRacePlaneShows(*view.plot(), r);
    if (QTest::currentTestFailed()) return;
    view.setPalette(test::darkPalette());
    test::screenshot(view, "analysis_landscape_run_set_dark", 200);
    checkRacePlaneShows(*view.plot(), r);
    if (QTest::currentTestFailed()) return;

    // Run B hidden: two paths, B's colour nowhere on the plane.
    auto hidden = std::make_shared<AnalysisSource>(*source);
    hidden->runs[1].style.visible = false;
    view.setSource(hidden);
    view.compute();
    QVERIFY(finishes(done, 120000));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    QCOMPARE(view.result()->race.size(), size_t(2));
    QCOMPARE(view.plot()->paths()[1].colour, ui::runColor(2));
    const QImage shot = view.plot()->grab().toImage();
    QCOMPARE(test::countPixels(shot, view.plot()->rect(), ui::runColor(1), 12), 0);
    QVERIFY(test::countPixels(shot, view.plot()->plotRect(), ui::runColor(2)) > 40);

    // A long trajectory is thinned to 33 points, its start and end kept.
    auto longer = std::make_shared<AnalysisSource>(*source);
    longer->runs.resize(2);
    std::vector<ui::ParameterMap> twice;
    for (const auto& t : longer->runs[0].trajectory) twice.insert(twice.end(), {t, t});
    longer->runs[0].trajectory = twice;
    view.setSource(longer);
    view.compute();
    QVERIFY(finishes(done, 120000));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& thinned = view.result()->race[0].points;
    QCOMPARE(thinned.size(), size_t(33));
    QVERIFY(std::hypot(thinned.front().x, thinned.front().y) < 1e-9);
    QVERIFY(std::hypot(thinned.back().x, thinned.back().y) > 1e-3);
    QCOMPARE(view.result()->race[1].points.size(), r.race[1].points.size());
  }

  // Runs that start apart (another initialisation) are drawn about the mean of their starts, and
  // the view says so; a set whose runs have no path yet says what to do.
  void landscapeRunSetStartingApart() {
    auto source = toySet(2);
    for (float& w : source->runs[1].initial["h1.weight"]) w += 0.05f;
    ui::LandscapeView view;
    view.resize(760, 820);
    view.show();
    view.setSource(source);
    view.setGridPoints(9);
    view.setSamples(256);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QVERIFY(finishes(done, 120000));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& r = *view.result();
    QVERIFY(!r.sharedStart);
    QCOMPARE(r.race.size(), size_t(2));
    QVERIFY(std::hypot(r.race[0].points.front().x - r.race[1].points.front().x,
                       r.race[0].points.front().y - r.race[1].points.front().y) > 1e-3);
    QVERIFY2(view.statusText().startsWith("On one plane through the mean of the runs' starts"),
             qPrintable(view.statusText()));
    checkRacePlaneShows(*view.plot(), r, false);
    if (QTest::currentTestFailed()) return;

    auto untrained = std::make_shared<AnalysisSource>(*source);
    for (auto& run : untrained->runs) run.trajectory.clear(), run.current.clear();
    view.setSource(untrained);
    view.compute();
    QVERIFY(finishes(done, 60000));
    QVERIFY2(view.statusText().startsWith("Run A has no path yet"), qPrintable(view.statusText()));
  }

  // In evaluation mode BatchNorm normalises with its running statistics: the landscape uses the
  // run's (a probe copies them with the weights), not fresh ones. Checked against the same
  // network without BatchNorm on inputs normalised by hand with those statistics.
  void landscapeUsesTheRunsRunningStatistics() {
    auto source = std::make_shared<AnalysisSource>(*toy_);
    source->graph = test::graphOf(
        "input x: 2\nbn = BatchNorm1d(x, affine=false)\nlogits = Linear(bn, out_features=2)\n"
        "loss = CrossEntropyLoss(logits)\n");
    source->current = initialParameters(*context_, source->graph, 2);
    source->current["bn.running_mean"] = {0.5f, -0.2f};
    source->current["bn.running_var"] = {2.0f, 0.5f};
    source->trajectory.clear();
    source->initial.clear();
    data::Dataset normalised = *toy_->train;
    for (size_t i = 0; i < normalised.floats.size(); ++i)
      normalised.floats[i] = float((normalised.floats[i] - source->current["bn.running_mean"][i % 2]) /
                                   std::sqrt(double(source->current["bn.running_var"][i % 2]) + 1e-5));
    const double want = referenceLoss(*context_,
                                      test::graphOf("input x: 2\nlogits = Linear(x, out_features=2)\n"
                                                    "loss = CrossEntropyLoss(logits)\n"),
                                      normalised, 256, source->current);
    ui::LandscapeView view;
    view.setSource(source);
    view.setGridPoints(3);
    view.setSamples(256);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    QVERIFY2(std::abs(view.result()->centre.loss - want) <= 1e-4 * want,
             qPrintable(QString("%1 vs %2").arg(view.result()->centre.loss).arg(want)));
    QVERIFY(view.result()->note.empty());
    // Without them (an older probe), the initial statistics are used, and the view says so.
    source->current.erase("bn.running_var");
    view.setSource(source);
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    QVERIFY(std::abs(view.result()->centre.loss - want) > 1e-3 * want);
    QVERIFY2(view.statusText().contains("initial running statistics"), qPrintable(view.statusText()));
  }

  void landscapeWithoutWeightsSaysTrainFirst() {
    auto source = std::make_shared<AnalysisSource>(*toy_);
    source->current.clear();
    ui::LandscapeView view;
    view.setSource(source);
    QSignalSpy done(&view, &ui::LandscapeView::finished);
    view.compute();
    QVERIFY(finishes(done, 1000));
    QVERIFY(view.statusText().startsWith("Train a few steps first"));
    QVERIFY(view.plot()->message().startsWith("Train a few steps first"));
    // A probe that did not copy every tensor is named.
    source->current = toy_->current;
    source->current.erase("h2.bias");
    view.setSource(source);
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.statusText().contains("h2.bias"), qPrintable(view.statusText()));
  }

  void receptiveFieldsOfLeNet() {
    auto source = std::make_shared<AnalysisSource>();
    source->graph = test::graphOf(test::networkText("lenet5.net"));
    source->train = images(256);
    source->current = initialParameters(*context_, source->graph, 5);
    source->step = 0;
    ui::ReceptiveFieldView view;
    view.resize(820, 900);
    view.show();
    view.setSource(source);
    // The table holds analysis::receptiveFields, row for row; c3 sees 14 x 14 pixels.
    const auto want = analysis::receptiveFields(source->graph);
    QCOMPARE(view.table()->rowCount(), int(want.size()));
    int c3 = -1;
    for (int row = 0; row < view.table()->rowCount(); ++row) {
      const auto& f = want[size_t(row)];
      QCOMPARE(view.table()->item(row, 0)->text(), QString::fromStdString(f.node));
      if (f.whole) {
        QCOMPARE(view.table()->item(row, 3)->text(), QString("whole input"));
        continue;
      }
      QCOMPARE(view.table()->item(row, 3)->text(), QString::number(f.rows.size));
      QCOMPARE(view.table()->item(row, 4)->text(), QString::number(f.rows.jump));
      QCOMPARE(view.table()->item(row, 5)->text(), QString::number(f.rows.start));
      if (f.node == "c3") c3 = row;
    }
    QVERIFY(c3 > 0);
    QCOMPARE(view.table()->item(c3, 3)->text(), QString("14"));
    QCOMPARE(view.table()->item(c3, 4)->text(), QString("2"));

    // A click on c3's row picks its centre unit; its effective field lies inside the box.
    QSignalSpy done(&view, &ui::ReceptiveFieldView::finished);
    const QRect cell = view.table()->visualItemRect(view.table()->item(c3, 0));
    QTest::mouseClick(view.table()->viewport(), Qt::LeftButton, {}, cell.center());
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    const auto& erf = view.result()->field;
    QCOMPARE(erf.unit.node, std::string("c3"));
    QCOMPARE(erf.unit.y, 5u);  // c3 is 16x10x10
    const auto box = analysis::inputBox(want[size_t(c3)], 5, 5, source->graph.inputs[0].shape);
    QCOMPARE(erf.box.top, box.top);
    QCOMPARE(erf.box.right, box.right);
    QCOMPARE(box.bottom - box.top + 1, 14);
    int inside = 0;
    for (uint32_t y = 0; y < erf.height; ++y)
      for (uint32_t x = 0; x < erf.width; ++x) {
        if (!box.contains(int(y), int(x)))
          QCOMPARE(erf.at(y, x), 0.0);
        else
          inside += erf.at(y, x) > 0;
      }
    QVERIFY(inside > 14 * 14 / 2);
    QCOMPARE(view.result()->insideShare, 1.0);
    QVERIFY(view.statusText().contains("100.0%"));
    QVERIFY(view.fieldPlot()->hasField());
    QVERIFY(view.inputPlot()->hasField());
    test::screenshot(view, "analysis_receptive_field_lenet_c3", 200);
    checkBoxShows(*view.inputPlot(), box);
    checkBoxShows(*view.fieldPlot(), box);
    if (QTest::currentTestFailed()) return;

    // On gaussian noise the field stays in the box as well.
    view.setNoise(true);
    view.setUnit(3, 2, 7);
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    QCOMPARE(view.result()->field.unit.x, 7u);
    QCOMPARE(view.result()->insideShare, 1.0);
    QVERIFY(view.statusText().contains("gaussian noise"));
    view.setPalette(test::darkPalette());
    test::screenshot(view, "analysis_receptive_field_lenet_noise_dark", 200);
    checkBoxShows(*view.inputPlot(), view.result()->field.box);
    checkBoxShows(*view.fieldPlot(), view.result()->field.box);
  }

  // Nothing to measure: the table has the whole view (docked at 1280 x 720, 300 pixels high),
  // every row of it in sight, not a strip of two rows over empty plots.
  void receptiveFieldOfDenseNetworkIsWhole() {
    ui::ReceptiveFieldView view;
    view.resize(1280, 300);
    view.setSource(toy_);
    QVERIFY(!view.selectLayer("h1"));
    QVERIFY(!view.canMeasure());
    QVERIFY(view.statusText().contains("whole input"));
    for (int row = 1; row < view.table()->rowCount(); ++row)
      QCOMPARE(view.table()->item(row, 3)->text(), QString("whole input"));
    view.show();
    test::screenshot(view, "analysis_receptive_field_dense", 200);
    const QRect seen = view.table()->viewport()->rect();
    for (int row = 0; row < view.table()->rowCount(); ++row) {
      const QRect cell = view.table()->visualItemRect(view.table()->item(row, 0));
      QVERIFY2(seen.contains(cell),
               qPrintable(QString("row %1 of %2 out of sight").arg(row).arg(view.table()->rowCount())));
    }
  }

  // With a set, the dialog checks the run chosen in its combo: its own network (a variant without
  // h1's bias and one hidden layer has 3 tensors, not 6) and its own weights, and says which run it checked.
  void gradientCheckPerRun() {
    auto source = std::make_shared<AnalysisSource>(*toy_);
    ui::RunAnalysis a;
    a.graph = toy_->graph, a.seed = toy_->seed, a.current = toy_->current, a.step = toy_->step;
    a.style = ui::defaultRunStyle(0);
    ui::RunAnalysis b;
    b.graph = test::graphOf(
        "input x: 2\nh1 = Linear(x, out_features=8, bias=false)\na1 = Tanh(h1)\n"
        "logits = Linear(a1, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    b.seed = 5;
    b.style = ui::defaultRunStyle(1);
    b.style.description = "no bias in h1";
    source->runs = {a, b};
    ui::GradientCheckDialog dialog;
    dialog.show();
    dialog.setSource(source);
    QVERIFY(dialog.runChoice()->isVisible());
    QCOMPARE(dialog.runChoice()->count(), 2);
    QCOMPARE(dialog.runChoice()->itemText(1), QString("B: no bias in h1"));
    QSignalSpy done(&dialog, &ui::GradientCheckDialog::finished);
    dialog.runChoice()->setCurrentIndex(1);
    dialog.start();
    QVERIFY(finishes(done));
    QVERIFY2(dialog.result(), qPrintable(dialog.verdictText()));
    QCOMPARE(dialog.table()->rowCount(), 3);
    QVERIFY(dialog.result()->initialWeights);  // B has not trained
    QVERIFY2(dialog.verdictText().startsWith("Pass") && dialog.verdictText().contains("run B: no bias in h1"),
             qPrintable(dialog.verdictText()));
    test::screenshot(dialog, "analysis_gradient_check_run_b", 200);
    // A new source keeps the chosen run.
    dialog.setSource(source);
    QCOMPARE(dialog.runChoice()->currentIndex(), 1);
    dialog.runChoice()->setCurrentIndex(0);
    dialog.start();
    QVERIFY(finishes(done));
    QVERIFY2(dialog.result(), qPrintable(dialog.verdictText()));
    QCOMPARE(dialog.table()->rowCount(), 6);
    QVERIFY(!dialog.result()->initialWeights);
    // Without a set there is no choice to make.
    dialog.setSource(toy_);
    QVERIFY(!dialog.runChoice()->isVisible());
  }

  // With a set, the receptive-field view shows the chosen run's network: LeNet-5 for A, a 3x3
  // convolution for B, and measures on B's network when B is chosen.
  void receptiveFieldPerRun() {
    auto source = std::make_shared<AnalysisSource>();
    source->graph = test::graphOf(test::networkText("lenet5.net"));
    source->train = images(64);
    ui::RunAnalysis a;
    a.graph = source->graph;
    a.style = ui::defaultRunStyle(0);
    ui::RunAnalysis b;
    b.graph = test::graphOf(
        "input x: 1x28x28\nc1 = Conv2d(x, out_channels=4, kernel_size=3)\na1 = ReLU(c1)\n"
        "flat = Flatten(a1)\nlogits = Linear(flat, out_features=10)\nloss = CrossEntropyLoss(logits)\n");
    b.style = ui::defaultRunStyle(1);
    b.style.description = "one 3x3 convolution";
    source->runs = {a, b};
    ui::ReceptiveFieldView view;
    view.resize(820, 900);
    view.show();
    view.setSource(source);
    QVERIFY(view.runChoice()->isVisible());
    QCOMPARE(view.table()->rowCount(), int(analysis::receptiveFields(a.graph).size()));
    view.runChoice()->setCurrentIndex(1);
    const auto want = analysis::receptiveFields(b.graph);
    QCOMPARE(view.table()->rowCount(), int(want.size()));
    QCOMPARE(view.table()->item(1, 0)->text(), QString("c1"));
    QCOMPARE(view.table()->item(1, 3)->text(), QString("3"));
    QVERIFY(view.selectLayer("c1"));
    QVERIFY(!view.selectLayer("c3"));  // A's layer: not in B's network
    QSignalSpy done(&view, &ui::ReceptiveFieldView::finished);
    view.compute();
    QVERIFY(finishes(done));
    QVERIFY2(view.result(), qPrintable(view.statusText()));
    QCOMPARE(view.result()->field.unit.node, std::string("c1"));
    QCOMPARE(view.result()->field.box.bottom - view.result()->field.box.top + 1, 3);
    QVERIFY2(view.statusText().startsWith("Run B: one 3x3 convolution: c1"), qPrintable(view.statusText()));
    test::screenshot(view, "analysis_receptive_field_run_b", 200);
  }

  void gradientCheckPassesForTheMlp() {
    ui::GradientCheckDialog dialog;
    dialog.show();
    dialog.setSource(toy_);
    QSignalSpy done(&dialog, &ui::GradientCheckDialog::finished);
    dialog.start();
    QVERIFY(dialog.isRunning());
    QVERIFY(finishes(done));
    QVERIFY2(dialog.result(), qPrintable(dialog.verdictText()));
    QVERIFY2(dialog.result()->report.passed(), qPrintable(dialog.verdictText()));
    QVERIFY(!dialog.result()->initialWeights);
    QVERIFY(dialog.verdictText().startsWith("Pass"));
    QCOMPARE(dialog.table()->rowCount(), 6);
    for (int row = 0; row < 6; ++row) {
      QVERIFY(dialog.table()->item(row, 6)->text().startsWith("pass"));
      QVERIFY(dialog.table()->item(row, 4)->text().toDouble() <= analysis::kGradientFailAbove);
    }
    QCOMPARE(dialog.table()->item(0, 0)->text(), QString("h1"));
    QVERIFY(dialog.table()->toolTip().contains("1e-7"));
    test::screenshot(dialog, "analysis_gradient_check_mlp", 200);
    // What the picture shows: every row in sight with its cells' texts whole, each verdict cell in
    // its band's colour, and the verdict line whole under the table.
    const QImage shot = dialog.grab().toImage();
    QTableWidget& table = *dialog.table();
    const QRect seen = table.viewport()->rect();
    for (int row = 0; row < table.rowCount(); ++row) {
      for (int col = 0; col < table.columnCount(); ++col) {
        const QTableWidgetItem* item = table.item(row, col);
        if (!item) continue;
        const QRect cell = table.visualItemRect(item);
        QVERIFY2(seen.contains(cell), qPrintable(QString("row %1, column %2 out of sight").arg(row).arg(col)));
        QVERIFY2(table.fontMetrics().horizontalAdvance(item->text()) <= cell.width(),
                 qPrintable(QString("'%1' in %2 pixels").arg(item->text()).arg(cell.width())));
      }
      const QTableWidgetItem* verdict = table.item(row, 6);
      const QRectF cell =
          QRectF(table.visualItemRect(verdict)).translated(test::rectIn(*table.viewport(), dialog).topLeft());
      const QColor colour = verdict->background().color(), base = table.palette().color(QPalette::Base);
      const double a = colour.alphaF();  // a translucent band over the table's base
      const QColor shown(int(std::lround(base.red() * (1 - a) + colour.red() * a)),
                         int(std::lround(base.green() * (1 - a) + colour.green() * a)),
                         int(std::lround(base.blue() * (1 - a) + colour.blue() * a)));
      const int band = test::countPixels(shot, cell, shown, 12);
      QVERIFY2(band > cell.width() * cell.height() / 2,
               qPrintable(QString("row %1: %2 pixels of its band").arg(row).arg(band)));
    }
    QLabel* verdict = nullptr;
    for (QLabel* label : dialog.findChildren<QLabel*>())
      if (label->isVisible() && label->text() == dialog.verdictText()) verdict = label;
    QVERIFY(verdict);
    QVERIFY(QRectF(dialog.rect()).contains(test::rectIn(*verdict, dialog)));
    QVERIFY(verdict->heightForWidth(verdict->width()) <= verdict->height());
  }
};

QTEST_MAIN(TestAnalysisViews)
#include "test_analysis_views.moc"

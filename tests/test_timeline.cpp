// The timeline: the moments a run keeps (all early ones, log-spaced later, within a memory budget
// counted in bytes of the objects really held), and the lab's views taken back to a moment drawing
// exactly what they drew live then (pixel for pixel: loss chart, histograms, decision boundary),
// for a run alone and for a set of two; Play goes on live. Screenshots go to build/screenshots/.
#include "demos.h"
#include "main_window.h"
#include "persist/autosave.h"
#include "persist/experiment_file.h"
#include "support/ui_test.h"
#include "timeline/snapshot_store.h"
#include "timeline/timeline_bar.h"
#include "training_charts.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/internals_view.h"
#include "views/layer_histograms_view.h"
#include "views/sharpness_view.h"
#include "window/document_files.h"
#include "window/presentation.h"
#include "window/run_views.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QLabel>
#include <QSignalSpy>
#include <QSlider>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QToolButton>

#include <cmath>
#include <filesystem>
#include <set>

using gradlab::ui::MainWindow;
namespace train = gradlab::train;
namespace ui = gradlab::ui;

namespace {

constexpr uint64_t kRunId = 7;

// A snapshot of `member` at `step` as a run publishes it while running: the records since `from`,
// and every `probeEvery` steps a probe report carrying `weightFloats` floats of weights.
std::shared_ptr<const train::Snapshot> snapshotAt(uint32_t member, uint64_t from, uint64_t step, uint64_t probeEvery,
                                                  size_t weightFloats) {
  auto s = std::make_shared<train::Snapshot>();
  s->runId = kRunId;
  s->member = member;
  s->state = train::RunState::Running;
  s->step = step;
  for (uint64_t i = from; i < step; ++i) s->records.push_back({i, 2.0 / (1.0 + 0.01 * double(i)), 0.5});
  if (probeEvery && step % probeEvery == 0) {
    auto report = std::make_shared<train::ProbeReport>();
    report->step = step;
    report->weights.push_back(
        {"h1.weight", gradlab::nn::Shape{uint32_t(weightFloats)}, std::vector<float>(weightFloats, float(step))});
    s->probes = report;
  }
  return s;
}

// Bytes of every distinct object the store's moments hold, counted here from the moments.
size_t bytesHeld(const ui::SnapshotStore& store) {
  std::set<const void*> seen;
  size_t bytes = 0;
  auto count = [&](const auto& object) {
    if (object && seen.insert(object.get()).second) bytes += ui::bytesOf(*object);
  };
  for (size_t i = 0; i < store.size(); ++i)
    for (const auto& [member, m] : store.moment(i).members) {
      count(m.snapshot);
      count(m.probes);
      count(m.boundary);
      count(m.parameters);
    }
  return bytes;
}

// Two moons and the small 2-D MLP: builds and trains in moments on lavapipe, with probes every 10
// steps and a decision boundary every 25.
gradlab::persist::Experiment moons(size_t runs) {
  auto e = ui::defaultExperiment();
  e.title = "Moons on the timeline";
  e.training.dataset = "moons";
  e.training.probeInterval = 10;
  e.training.epochs = 1000;  // the tests pause runs, never finish them
  e.network = ui::builtInNetwork("toy_mlp_2d");
  for (size_t i = 1; i < runs; ++i) {
    gradlab::persist::RunVariant run;
    run.label = std::string(1, char('A' + i));
    run.colour = uint32_t(i);
    run.changes = {{"lr", "0.3"}};
    e.comparisons.push_back(run);
  }
  return e;
}

struct Lab {
  QTemporaryDir autosave;
  MainWindow window{{}, autosave.path()};
  explicit Lab(const gradlab::persist::Experiment& e) {
    window.resize(1280, 720);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
  }
  ui::RunViews& views() { return *window.findChild<ui::RunViews*>(); }
  QAction* action(const QString& text) {
    for (QAction* a : window.findChildren<QAction*>())
      if (a->text() == text) return a;
    return nullptr;
  }
  void trainTo(uint64_t steps) {
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= steps, 60000);
    window.controller().pause();
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Paused, 10000);
    QTest::qWait(300);  // the last snapshots reach the views
  }
};

// The views the timeline must redraw exactly, as images, after their repaint timers ran.
struct Grabs {
  QImage charts, histograms, depth, boundary;
};

Grabs grabViews(MainWindow& window) {
  auto* histograms = window.findChild<ui::LayerHistogramsView*>();
  histograms->refresh();
  auto* depth = window.findChild<ui::DepthStatsView*>();
  depth->refresh();
  QTest::qWait(200);  // the boundary's and the charts' timers
  return {window.findChild<ui::TrainingCharts*>()->grab().toImage(), histograms->grab().toImage(),
          depth->grab().toImage(), window.findChild<ui::DecisionBoundaryView*>()->grab().toImage()};
}

int differingPixels(const QImage& a, const QImage& b) {
  if (a.size() != b.size()) return a.width() * a.height() + 1;
  const QImage x = a.convertToFormat(QImage::Format_ARGB32), y = b.convertToFormat(QImage::Format_ARGB32);
  int differ = 0;
  for (int row = 0; row < x.height(); ++row)
    for (int col = 0; col < x.width(); ++col) differ += x.pixel(col, row) != y.pixel(col, row);
  return differ;
}

void compareGrabs(const Grabs& replayed, const Grabs& live, const QString& name) {
  const std::pair<const char*, std::pair<QImage, QImage>> views[] = {
      {"charts", {replayed.charts, live.charts}},
      {"histograms", {replayed.histograms, live.histograms}},
      {"by depth", {replayed.depth, live.depth}},
      {"boundary", {replayed.boundary, live.boundary}}};
  for (const auto& [view, images] : views) {
    const int differ = differingPixels(images.first, images.second);
    if (differ) {
      images.first.save(QString(SCREENSHOT_DIR) + "/" + name + "_" + view + "_replayed.png");
      images.second.save(QString(SCREENSHOT_DIR) + "/" + name + "_" + view + "_live.png");
    }
    QVERIFY2(differ == 0, qPrintable(QString("%1: %2 pixels differ from the live view").arg(view).arg(differ)));
  }
}

// The test can fail: training on changed what each view draws.
void verifyViewsMoved(const Grabs& before, const Grabs& after) {
  QVERIFY(differingPixels(before.charts, after.charts) > 100);
  QVERIFY(differingPixels(before.histograms, after.histograms) > 100);
  QVERIFY(differingPixels(before.depth, after.depth) > 100);
  QVERIFY(differingPixels(before.boundary, after.boundary) > 100);
}

// Drags the timeline to the moment at the first run's `step`, as a user would.
void dragTo(Lab& lab, uint64_t step) {
  const ui::SnapshotStore& store = lab.views().moments();
  int index = -1;
  for (size_t i = 0; i < store.size(); ++i)
    if (store.moment(i).step() == step) index = int(i);
  QVERIFY2(index >= 0, qPrintable(QString("no moment at step %1").arg(step)));
  auto* slider = lab.window.findChild<QSlider*>("timeline");
  QVERIFY(slider && slider->isEnabled() && index < slider->maximum());
  slider->setValue(index);
  QVERIFY(!lab.window.findChild<ui::TimelineBar*>()->live());
}

// The Sharpness tab raised and the Internals view floating beside it: both shown, both measured.
void showInstruments(MainWindow& window) {
  QDockWidget* internals = window.dock("internals");
  internals->setFloating(true);
  internals->resize(900, 640);
  internals->show();
  window.dock("sharpness")->show();
  window.dock("sharpness")->raise();
  QTRY_VERIFY(window.findChild<ui::InternalsView*>()->isVisible() &&
              window.findChild<ui::SharpnessView*>()->isVisible());
}

// Live at a step, trained on, dragged back: the same pixels; Play goes on live.
void replayMatchesLive(const gradlab::persist::Experiment& e, const QString& name) {
  Lab lab(e);
  lab.trainTo(40);
  const uint64_t moment = lab.window.step();
  const Grabs live = grabViews(lab.window);
  gradlab::test::screenshot(lab.window, name + "_live", 100);
  lab.trainTo(moment + 60);
  const Grabs later = grabViews(lab.window);
  verifyViewsMoved(live, later);
  dragTo(lab, moment);
  QVERIFY(lab.window.findChild<ui::TimelineBar*>()->text().contains(QString::number(moment)));
  compareGrabs(grabViews(lab.window), live, name);
  gradlab::test::screenshot(lab.window, name + "_replayed", 100);
  // Play goes on from the live run: every view follows it again.
  const uint64_t stopped = lab.window.step();
  lab.action("Play")->trigger();
  QVERIFY(lab.window.findChild<ui::TimelineBar*>()->live());
  QVERIFY(!lab.window.findChild<ui::TrainingCharts*>()->replaying());
  QTRY_VERIFY_WITH_TIMEOUT(lab.window.step() > stopped + 10, 30000);
  lab.window.controller().pause();
  QTRY_VERIFY_WITH_TIMEOUT(lab.window.controller().state() == train::RunState::Paused, 10000);
}

}  // namespace

class TestTimeline : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // Every moment is kept while they fit; a long run thins them log-spaced: the early steps all
  // stay, later decades hold fewer moments per step, and the bytes held (counted object by object,
  // and the reports still alive anywhere) stay under the budget.
  void longRunStaysWithinBudget() {
    constexpr size_t kBudget = size_t(8) << 20, kFloats = 16384;  // a 64 KiB report every 25 steps
    ui::SnapshotStore store(kBudget);
    std::vector<std::weak_ptr<const train::ProbeReport>> reports;
    uint64_t last = 0;
    for (uint64_t step = 5; step <= 50000; step += 5) {
      auto s = snapshotAt(0, last, step, 25, kFloats);
      if (s->probes) reports.push_back(s->probes);
      store.add(std::move(s));
      last = step;
      QVERIFY2(store.bytes() <= kBudget, qPrintable(QString("%1 bytes at step %2").arg(store.bytes()).arg(step)));
    }
    QCOMPARE(store.bytes(), bytesHeld(store));
    size_t alive = 0;
    for (const auto& report : reports)
      if (const auto r = report.lock()) alive += ui::bytesOf(*r);
    QVERIFY2(alive <= kBudget, qPrintable(QString("%1 bytes of reports alive").arg(alive)));
    QVERIFY(alive > kBudget / 2);  // the budget is used, not wasted
    // Every early step (5, 10, ... 100), though 8 MiB holds barely 128 of the 2000 reports.
    for (uint64_t step = 5, i = 0; step <= 100; step += 5, ++i) QCOMPARE(store.moment(i).position, step);
    QCOMPARE(store.moment(store.size() - 1).position, uint64_t(50000));  // and the latest
    auto between = [&](uint64_t lo, uint64_t hi) {
      size_t n = 0;
      for (size_t i = 0; i < store.size(); ++i) n += store.moment(i).position >= lo && store.moment(i).position < hi;
      return n;
    };
    // Log-spaced: about as many moments from 5000 to 50000 as from 500 to 5000, far from 10x.
    const size_t middle = between(500, 5000), late = between(5000, 50000);
    QVERIFY2(late > 0 && late < 2 * middle,
             qPrintable(QString("%1 moments in 500..5000, %2 in 5000..50000").arg(middle).arg(late)));
    // A smaller budget thins at once.
    store.setBudget(kBudget / 4);
    QVERIFY(store.bytes() <= kBudget / 4 && store.bytes() == bytesHeld(store));
    QCOMPARE(store.moment(0).position, uint64_t(5));
  }

  // A save writes what fits its cap, thinned as the timeline thins (the first and the latest kept),
  // and leaves the timeline as it was; a file's moments come back as they were saved.
  void savingKeepsWhatFitsTheCap() {
    constexpr size_t kBudget = size_t(8) << 20, kCap = size_t(2) << 20, kFloats = 16384;
    ui::SnapshotStore store(kBudget);
    uint64_t last = 0;
    for (uint64_t step = 5; step <= 10000; step += 5) {
      store.add(snapshotAt(0, last, step, 25, kFloats));
      last = step;
    }
    const size_t kept = store.size();
    const gradlab::persist::SavedTimeline saved = store.saved(kCap);
    QCOMPARE(store.size(), kept);
    QVERIFY2(saved.moments.size() > 20 && saved.moments.size() < kept,
             qPrintable(QString("%1 of %2 moments saved").arg(saved.moments.size()).arg(kept)));
    QCOMPARE(saved.moments.front().position, uint64_t(5));
    QCOMPARE(saved.moments.back().position, uint64_t(10000));
    std::set<const void*> reports;
    size_t bytes = 0;
    for (const auto& moment : saved.moments)
      for (const auto& m : moment.members)
        if (m.probes && reports.insert(m.probes.get()).second) bytes += ui::bytesOf(*m.probes);
    QVERIFY2(bytes <= kCap && bytes > kCap / 2, qPrintable(QString("%1 bytes of reports saved").arg(bytes)));
    gradlab::persist::Experiment e;
    e.moments.saved = std::make_shared<const gradlab::persist::SavedTimeline>(saved);
    const size_t fileBytes = gradlab::persist::toBytes(e).size();
    qInfo("%zu bytes of reports take %zu bytes in the file", bytes, fileBytes);
    QVERIFY(fileBytes < bytes * 3 / 2);  // base64 of the values, and little else
    ui::SnapshotStore reopened;
    reopened.restore(*gradlab::persist::fromBytes(gradlab::persist::toBytes(e), "t").moments.saved);
    QCOMPARE(reopened.size(), saved.moments.size());
    for (size_t i = 0; i < reopened.size(); ++i) {
      QCOMPARE(reopened.moment(i).position, saved.moments[i].position);
      QCOMPARE(reopened.moment(i).step(), saved.moments[i].members[0].step);
      QCOMPARE(bool(reopened.moment(i).members.at(0).probes), bool(saved.moments[i].members[0].probes));
    }
  }

  // A set of two: a moment holds both runs; a run that stopped publishing is carried forward as it
  // stopped; a publish that does not advance replaces the moment before it; a reset starts afresh.
  void setOfTwo() {
    ui::SnapshotStore store;
    uint64_t last = 0;
    for (uint64_t step = 5; step <= 50; step += 5, last = step - 5) {
      store.add(snapshotAt(0, last, step, 25, 16));
      if (step <= 30) store.add(snapshotAt(1, last, step, 25, 16));  // run B stops at 30
    }
    QCOMPARE(store.size(), size_t(10));
    const ui::Moment& end = store.moment(9);
    QCOMPARE(end.members.size(), size_t(2));
    QCOMPARE(end.members.at(0).snapshot->step, uint64_t(50));
    QCOMPARE(end.members.at(1).snapshot->step, uint64_t(30));
    QCOMPARE(end.members.at(0).probes->step, uint64_t(50));
    QCOMPARE(end.members.at(1).probes->step, uint64_t(25));  // its last probe, carried forward
    QCOMPARE(store.probesUpTo(9, 0).size(), size_t(2));
    QCOMPARE(store.indexAt(33), size_t(5));  // the moment at 30
    auto paused = std::make_shared<train::Snapshot>(*snapshotAt(0, 50, 50, 0, 0));
    paused->state = train::RunState::Paused;
    paused->parameters = std::make_shared<const std::vector<train::WeightSnapshot>>();
    store.add(paused);
    QCOMPARE(store.size(), size_t(10));
    QVERIFY(store.moment(9).members.at(0).parameters);
    QCOMPARE(store.bytes(), bytesHeld(store));
    auto reset = std::make_shared<train::Snapshot>(*snapshotAt(0, 0, 0, 0, 0));
    reset->generation = 1;
    store.add(reset);
    QCOMPARE(store.size(), size_t(1));
    QCOMPARE(store.bytes(), bytesHeld(store));
  }

  // The loss chart at a moment is the chart as drawn live then, though the run went on far past it
  // and its losses rose above anything drawn before (both axes moved).
  void chartsReplayExactly() {
    ui::TrainingCharts charts;
    charts.resize(900, 380);
    charts.show();
    charts.follow(kRunId, 0);
    auto feed = [&](uint64_t from, uint64_t to, double rise) {
      train::Snapshot s;
      s.runId = kRunId;
      s.state = train::RunState::Paused;
      s.step = to;
      for (uint64_t i = from; i < to; ++i)
        s.records.push_back({i, 2.0 / (1 + 0.02 * double(i)) + rise * double(i), 0.4});
      if (to % 50 == 0) s.validation = train::Evaluation{1.5, 0.5, 100};
      charts.add(s);
    };
    for (uint64_t step = 0; step < 100; step += 20) feed(step, step + 20, 0);  // as snapshots come
    QTest::qWait(50);
    const QImage live = charts.grab().toImage();
    feed(100, 400, 0.01);
    QTest::qWait(50);
    const QImage later = charts.grab().toImage();
    QVERIFY(differingPixels(live, later) > 100);
    charts.showMoment({{0, 100}});
    QTest::qWait(50);
    QVERIFY(charts.replaying());
    QCOMPARE(differingPixels(charts.grab().toImage(), live), 0);
    feed(400, 420, 0.01);  // training on meanwhile changes nothing shown
    QTest::qWait(50);
    QCOMPARE(differingPixels(charts.grab().toImage(), live), 0);
    charts.showLive();
    QCOMPARE(charts.lossPoints(), size_t(420));
    QVERIFY(differingPixels(charts.grab().toImage(), later) > 0);  // the 20 steps more
  }

  void replayOfARunAlone() { replayMatchesLive(moons(1), "timeline_run_alone"); }
  void replayOfASetOfTwo() { replayMatchesLive(moons(2), "timeline_set_of_two"); }

  // Saved with the experiment, opened again (the window's own moments are gone then) and dragged
  // back to a saved moment: every view draws what it drew at that moment before saving, for both
  // runs of a set.
  void savedMomentsReplayAfterReopening() {
    QTemporaryDir dir;
    const std::string path = dir.path().toStdString() + "/moments.gradlab";
    Lab lab(moons(2));
    lab.trainTo(40);
    const uint64_t moment = lab.window.step();
    lab.trainTo(moment + 60);
    const Grabs later = grabViews(lab.window);
    dragTo(lab, moment);
    const Grabs replayed = grabViews(lab.window);
    verifyViewsMoved(replayed, later);
    gradlab::persist::saveExperiment(lab.window.experiment(), path);

    const gradlab::persist::Experiment opened = gradlab::persist::loadExperiment(path);
    QVERIFY(!opened.moments.empty());
    QSignalSpy ready(&lab.window, &MainWindow::demoReady);
    lab.window.openExperiment(opened);
    QVERIFY(ready.wait(120000));  // opening leaves the docks as they are: the grabs compare in one layout
    QTest::qWait(300);            // the continued run's first snapshot takes the saved moments over
    QVERIFY2(lab.views().moments().size() > 2, qPrintable(QString::number(lab.views().moments().size())));
    dragTo(lab, moment);
    compareGrabs(grabViews(lab.window), replayed, "timeline_reopened");
    gradlab::test::screenshot(lab.window, "timeline_reopened", 100);
  }

  // The sharpness and internals a set measured while both views were shown are saved with each
  // run's moments and come back in a fresh window: each run's sharpness points, the internals of
  // every probe by step and value; a saved moment draws them up to its step.
  void instrumentsReopenInAFreshWindow() {
    QTemporaryDir dir;
    const QString path = dir.filePath("instruments.gradlab");
    QList<QPointF> sharpness[2];
    QString internalsCsv;
    {
      auto adam = moons(2);  // an optimizer with state to look at
      adam.training.optimizer = "adam";
      adam.training.optimizerValues = {{"lr", "0.01"}};
      adam.comparisons[0].changes = {{"lr", "0.03"}};
      Lab lab(adam);
      showInstruments(lab.window);
      lab.trainTo(45);
      auto* view = lab.window.findChild<ui::SharpnessView*>();
      for (int run = 0; run < 2; ++run) {
        sharpness[run] = view->sharpnessPoints(run);
        QVERIFY2(sharpness[run].size() >= 4, qPrintable(QString::number(sharpness[run].size())));
      }
      QVERIFY(sharpness[0] != sharpness[1]);  // run B trains at another rate
      internalsCsv = lab.window.findChild<ui::InternalsView*>()->csv();
      for (const QString& run : {"A", "B"})
        for (const QString& step : {"10", "40"})
          QVERIFY2(internalsCsv.contains("\n" + run + "," + step + ",rms exp_avg,") &&
                       internalsCsv.contains("\n" + run + "," + step + ",distinct units,"),
                   qPrintable(run + " " + step + ":\n" + internalsCsv.left(400)));
      QString error;
      QVERIFY2(lab.window.saveFile(path, &error), qPrintable(error));
    }
    Lab fresh(gradlab::persist::loadExperiment(path.toStdString()));
    showInstruments(fresh.window);
    QTest::qWait(300);  // the continued run's first snapshot takes the saved moments over
    auto* view = fresh.window.findChild<ui::SharpnessView*>();
    auto* internals = fresh.window.findChild<ui::InternalsView*>();
    for (int run = 0; run < 2; ++run) QCOMPARE(view->sharpnessPoints(run), sharpness[run]);
    QCOMPARE(internals->csv(), internalsCsv);
    internals->refresh();
    gradlab::test::screenshot(fresh.window, "instruments_reopened", 100);
    gradlab::test::screenshot(*internals, "instruments_reopened_internals", 100);

    const uint64_t moment = uint64_t(sharpness[0][1].x());  // the second probe's
    dragTo(fresh, moment);
    for (int run = 0; run < 2; ++run) QCOMPARE(view->sharpnessPoints(run), sharpness[run].mid(0, 2));
    const QString replayed = internals->csv();
    QVERIFY2(
        replayed.contains(QString("\nA,%1,").arg(moment)) && !replayed.contains(QString("\nA,%1,").arg(moment + 10)),
        qPrintable(replayed.left(400)));
    for (const QString& line : replayed.split('\n'))  // histograms: of the step shown alone
      QVERIFY2(line.contains(",histogram ") || internalsCsv.contains(line), qPrintable(line));
  }

  // The internals cost a probe 15-30 ms: a run measures them only while the Internals view is shown.
  void internalsAreMeasuredOnlyWhileShown() {
    Lab lab(moons(1));
    lab.window.dock("internals")->close();  // whatever layout the settings gave the window
    QTRY_VERIFY(!lab.window.findChild<ui::InternalsView*>()->isVisible());
    std::vector<std::shared_ptr<const train::ProbeReport>> probes;
    connect(&lab.window.controller(), &ui::TrainingController::snapshot, this,
            [&](std::shared_ptr<const train::Snapshot> s) {
              if (s->probes && s->step > 0) probes.push_back(s->probes);
            });
    lab.trainTo(35);
    QVERIFY2(probes.size() >= 3, qPrintable(QString::number(probes.size())));
    for (const auto& p : probes) QVERIFY2(!p->internals, qPrintable(QString("step %1").arg(p->step)));
    probes.clear();
    showInstruments(lab.window);
    lab.trainTo(lab.window.step() + 35);
    QVERIFY2(probes.size() >= 3, qPrintable(QString::number(probes.size())));
    for (size_t i = 1; i < probes.size(); ++i)  // the first may have been measured before the view showed
      QVERIFY2(probes[i]->internals, qPrintable(QString("step %1").arg(probes[i]->step)));
  }

  // Presentation mode shows the timeline under the view, and gives it back to the window after.
  void presentationShowsTheTimeline() {
    Lab lab(moons(1));
    auto* bar = lab.window.findChild<ui::TimelineBar*>();
    QWidget* home = bar->parentWidget();
    lab.window.setPresenting(true);
    QVERIFY(lab.window.presentation() && lab.window.presentation()->isAncestorOf(bar));
    QVERIFY(bar->isVisible());
    lab.window.setPresenting(false);
    QTRY_VERIFY(lab.window.presentation() == nullptr);
    QCOMPARE(bar->parentWidget(), home);
    QVERIFY(bar->isVisible());
  }

  // Dragging the timeline while training pauses the run on the moment; Step goes on from the live
  // run, one step past where it stopped, and the views follow it again.
  void draggingWhileTrainingPauses() {
    Lab lab(moons(1));
    lab.window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(lab.views().moments().size() >= 4, 60000);
    lab.window.findChild<QSlider*>("timeline")->setValue(1);
    QVERIFY(lab.views().replaying());
    QTRY_VERIFY_WITH_TIMEOUT(lab.window.controller().state() == train::RunState::Paused, 10000);
    QTest::qWait(200);  // the pause's snapshot arrives: the moment stays on screen
    QVERIFY(lab.views().replaying() && lab.window.findChild<ui::TrainingCharts*>()->replaying());
    const uint64_t stopped = lab.window.step();
    lab.action("Step")->trigger();
    QVERIFY(!lab.views().replaying() && lab.window.findChild<ui::TimelineBar*>()->live());
    QTRY_COMPARE_WITH_TIMEOUT(lab.window.step(), stopped + 1, 10000);
  }

  // While an earlier moment is shown the status bar says so, and where the live run is; live
  // again, it shows the run's step alone.
  void statusBarSaysWhatIsReplayed() {
    Lab lab(moons(1));
    lab.trainTo(30);
    const uint64_t live = lab.window.step();
    auto progress = [&] {
      for (QLabel* label : lab.window.statusBar()->findChildren<QLabel*>())
        if (label->text().contains("epoch")) return label->text();
      return QString();
    };
    QVERIFY2(progress().startsWith(QString("step %1 ").arg(live)), qPrintable(progress()));
    const ui::SnapshotStore& store = lab.views().moments();
    dragTo(lab, store.moment(2).step());
    const QString replaying = QString("replaying step %1 (moment 3 of %2) · live: step %3 ")
                                  .arg(store.moment(2).step())
                                  .arg(store.size())
                                  .arg(live);
    QVERIFY2(progress().startsWith(replaying), qPrintable(progress() + " is not " + replaying));
    QTest::qWait(200);  // a snapshot arriving meanwhile keeps it so
    QVERIFY2(progress().startsWith(replaying), qPrintable(progress()));
    lab.views().showLive();
    QVERIFY2(progress().startsWith(QString("step %1 ").arg(live)), qPrintable(progress()));
  }

  // The autosave (every 30 s) keeps at most kAutosaveMomentBytes of the moments, the first and the
  // latest among them; a Save keeps up to its own, larger cap. Both are written to a temporary
  // renamed over the file, so neither leaves a torn file or a temporary behind.
  void autosaveKeepsFewerMoments() {
    Lab lab(moons(1));
    uint64_t last = 0;
    for (uint64_t step = 5; step <= 3000; step += 5, last = step - 5)
      lab.views().record(snapshotAt(0, last, step, 25, 32768));  // 128 KiB of weights every 25 steps
    const size_t held = lab.views().moments().bytes();
    QVERIFY2(held > 3 * ui::kAutosaveMomentBytes / 2, qPrintable(QString::number(held)));
    auto reportBytes = [](const gradlab::persist::Experiment& e) {
      std::set<const void*> seen;
      size_t bytes = 0;
      for (const auto& moment : e.moments.saved->moments)
        for (const auto& m : moment.members)
          if (m.probes && seen.insert(m.probes.get()).second) bytes += ui::bytesOf(*m.probes);
      return bytes;
    };
    lab.window.autosaveNow();
    const std::filesystem::path autosaved = lab.window.autosaveSlot()->autosaveFile();
    QTRY_VERIFY_WITH_TIMEOUT(std::filesystem::exists(autosaved), 30000);  // renamed into place whole
    const gradlab::persist::Experiment fromAutosave = gradlab::persist::loadExperiment(autosaved);
    const size_t autosavedBytes = reportBytes(fromAutosave);
    qInfo("%zu bytes of reports held, %zu autosaved in a file of %zu bytes", held, autosavedBytes,
          size_t(std::filesystem::file_size(autosaved)));
    QVERIFY2(autosavedBytes <= ui::kAutosaveMomentBytes && autosavedBytes > ui::kAutosaveMomentBytes / 2,
             qPrintable(QString::number(autosavedBytes)));
    QCOMPARE(fromAutosave.moments.saved->moments.front().position, uint64_t(5));
    QCOMPARE(fromAutosave.moments.saved->moments.back().position, uint64_t(3000));
    QTemporaryDir dir;
    QString error;
    QVERIFY2(lab.window.saveFile(dir.filePath("saved.gradlab"), &error), qPrintable(error));
    const size_t savedBytes =
        reportBytes(gradlab::persist::loadExperiment(dir.filePath("saved.gradlab").toStdString()));
    QVERIFY2(savedBytes > ui::kAutosaveMomentBytes, qPrintable(QString::number(savedBytes)));
    for (const QString& folder : {dir.path(), QString::fromStdString(autosaved.parent_path().string())})
      for (const QString& name : QDir(folder).entryList(QDir::Files | QDir::Hidden))
        QVERIFY2(!name.contains(".tmp-"), qPrintable(folder + ": " + name));
  }

  // The status bar says what the moments take of the budget.
  void statusBarShowsTheBudget() {
    Lab lab(moons(1));
    lab.trainTo(30);
    QToolButton* memory = lab.views().timelineMemory();
    QVERIFY(memory->isVisible());
    QVERIFY2(memory->text().contains("of 512 MiB"), qPrintable(memory->text()));
    lab.views().setMomentBudget(size_t(16) << 20);
    QVERIFY2(memory->text().contains("of 16 MiB"), qPrintable(memory->text()));
  }
};

QTEST_MAIN(TestTimeline)
#include "test_timeline.moc"

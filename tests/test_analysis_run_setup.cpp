// The lab's analysis jobs work on what the lab trains: the source the lab hands its analysis views
// carries the very settings each run of the set was built from (the controller's member settings,
// which persist::runSetup turned into the run), so an optimizer race trains with the run's
// schedule, penalties and clipping, and a view that analyses run B of a set gets B's settings,
// not A's, nor settings the lab put together on its own.
#include "analysis/landscape_job.h"
#include "analysis/landscape_view.h"
#include "demos.h"
#include "main_window.h"
#include "persist/run_setup.h"
#include "training_controller.h"

#include <QDockWidget>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>

using gradlab::ui::MainWindow;

namespace {

// Two moons and a small MLP with settings none of them default, and a run B with penalties of its own.
gradlab::persist::Experiment experimentWithItsOwnSettings() {
  auto e = gradlab::ui::defaultExperiment();
  e.training.dataset = "moons";
  e.training.epochs = 1000;
  e.network = gradlab::ui::builtInNetwork("toy_mlp_2d");
  e.training.schedule = "cosine";
  e.training.scheduleValues = {{"T_max", "50"}, {"warmup", "5"}};
  e.training.l2 = 0.01;
  e.training.clipNorm = 2;
  e.training.seed = 7;
  e.training.batch = 16;
  gradlab::persist::RunVariant b;
  b.label = "B";
  b.colour = 1;
  b.changes = {{"l2", "0.002"}, {"lr", "0.05"}};
  e.comparisons = {b};
  return e;
}

}  // namespace

class TestAnalysisRunSetup : public QObject {
  Q_OBJECT

 private slots:
  void analysisSourceCarriesEachRunsSetup() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(experimentWithItsOwnSettings());
    QVERIFY(ready.wait(120000));
    const auto& setups = window.controller().memberSetups();
    QCOMPARE(setups.size(), size_t(2));
    QCOMPARE(setups[0].training.l2, 0.01);
    QCOMPARE(setups[1].training.l2, 0.002);

    auto* view = window.findChild<gradlab::ui::LandscapeView*>();
    QVERIFY(view);
    window.dock("landscape")->show();
    window.dock("landscape")->raise();
    QTRY_VERIFY_WITH_TIMEOUT(view->source() && view->source()->runs.size() == 2, 20000);
    const gradlab::ui::AnalysisSource& source = *view->source();
    QVERIFY(source.training == setups[0].training);
    for (size_t k = 0; k < setups.size(); ++k) {
      QVERIFY2(source.runs[k].training == setups[k].training, qPrintable(QString("run %1").arg(k)));
      QVERIFY2(source.forRun(k).training == setups[k].training, qPrintable(QString("run %1 chosen").arg(k)));
    }

    // The race trains as run A does, at its batch and seed.
    const gradlab::train::TrainingOptions run = gradlab::persist::runSetup(setups[0].training).options;
    const gradlab::train::TrainingOptions race = gradlab::ui::raceOptions(source);
    QCOMPARE(race.schedule.kind, gradlab::optim::ScheduleKind::Cosine);
    QCOMPARE(race.schedule.kind, run.schedule.kind);
    QCOMPARE(race.schedule.warmup, run.schedule.warmup);
    QCOMPARE(race.regularization.l2, run.regularization.l2);
    QCOMPARE(race.regularization.clipNorm, run.regularization.clipNorm);
    QCOMPARE(race.normalization, run.normalization);
    QCOMPARE(race.sgdInBackward, run.sgdInBackward);
    QCOMPARE(race.seed, run.seed);
    QCOMPARE(race.batch, run.batch);
    // Run B's race would train with B's penalty.
    QCOMPARE(gradlab::ui::raceOptions(source.forRun(1)).regularization.l2, 0.002);
  }
};

QTEST_MAIN(TestAnalysisRunSetup)
#include "test_analysis_run_setup.moc"

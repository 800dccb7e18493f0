// The lab's analysis jobs work on what the lab trains: the source the lab hands its analysis views
// carries the very settings each run of the set was built from (the controller's member settings,
// which persist::runSetup turned into the run), so an optimizer race trains with the run's
// schedule, penalties and clipping, and a view that analyses run B of a set gets B's settings,
// not A's, nor settings the lab put together on its own.
#include "analysis/gradient_check_job.h"
#include "analysis/landscape_job.h"
#include "analysis/landscape_view.h"
#include "analysis/receptive_field_job.h"
#include "demos.h"
#include "main_window.h"
#include "nn/network_text.h"
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

// A run of a small convolutional network on 16 random 8x8 images whose lab settings compute the
// convolution with `convolution`.
std::shared_ptr<const gradlab::ui::AnalysisSource> convolutionalRun(const std::string& convolution) {
  auto parsed = gradlab::nn::parseNetwork(
      "input x: 1x8x8\n"
      "c1 = Conv2d(x, out_channels=2, kernel_size=3)\n"
      "flat = Flatten(c1)\n"
      "logits = Linear(flat, out_features=3)\n"
      "loss = CrossEntropyLoss(logits)\n");
  if (!parsed.ok()) throw std::runtime_error(parsed.errors[0].text());
  auto images = std::make_shared<gradlab::data::Dataset>();
  images->name = "noise";
  images->sampleShape = {1, 8, 8};
  images->classes = 3;
  for (uint32_t i = 0; i < 16; ++i) {
    for (uint32_t j = 0; j < 64; ++j) images->floats.push_back(float((i * 37 + j * 11) % 17) / 17.0f - 0.5f);
    images->labels.push_back(i % 3);
  }
  auto source = std::make_shared<gradlab::ui::AnalysisSource>();
  source->graph = parsed.graph;
  source->train = images;
  source->batch = 4;
  // Weights to analyse at: the landscape is drawn around them.
  for (const auto& [name, count] :
       {std::pair{"c1.weight", 18}, {"c1.bias", 2}, {"logits.weight", 216}, {"logits.bias", 3}})
    for (int k = 0; k < count; ++k) source->current[name].push_back(float((k * 7) % 5) / 10.0f - 0.2f);
  source->training.dataset = "spiral";
  source->training.convolution = convolution;
  return source;
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

  // The gradient check, the receptive field and the landscape compute the convolutions as the run
  // does, whatever GRADLAB_CONV says: each way round, so neither can pass by the environment's
  // choice or auto's (auto takes the direct path for a 3x3 kernel).
  void jobsComputeConvolutionsAsTheRunDoes() {
    for (const auto& [environment, run] : {std::pair{"direct", "fft"}, std::pair{"fft", "direct"}}) {
      qputenv("GRADLAB_CONV", environment);
      const auto source = convolutionalRun(run);
      const std::string want = std::string("c1 ") + run;

      const gradlab::ui::GradientCheckResult check = gradlab::ui::computeGradientCheck({source, 2, 4});
      QVERIFY2(check.error.empty(), check.error.c_str());
      QCOMPARE(check.convolution, want);

      gradlab::ui::ReceptiveFieldRequest field;
      field.source = source;
      field.unit = {"c1", 0, 3, 3};
      field.batch = 2;
      const gradlab::ui::ReceptiveFieldResult fieldResult = gradlab::ui::computeReceptiveField(field);
      QVERIFY2(fieldResult.error.empty(), fieldResult.error.c_str());
      QCOMPARE(fieldResult.convolution, want);

      gradlab::ui::LandscapeRequest landscape;
      landscape.source = source;
      landscape.gridPoints = 3;
      landscape.samples = 8;
      gradlab::ui::JobProgress progress;
      const gradlab::ui::LandscapeResult plane = gradlab::ui::computeLandscape(landscape, progress);
      QVERIFY2(plane.error.empty(), plane.error.c_str());
      QCOMPARE(plane.convolution, want);
    }
    qunsetenv("GRADLAB_CONV");
  }

  // Settings the lab would refuse are refused by the jobs in the run setup's words.
  void jobsRefuseARunSettingTheLabRefuses() {
    const auto source = convolutionalRun("winograd");
    const gradlab::ui::GradientCheckResult check = gradlab::ui::computeGradientCheck({source, 2, 4});
    QVERIFY(check.error.find("--conv") != std::string::npos);
  }
};

QTEST_MAIN(TestAnalysisRunSetup)
#include "test_analysis_run_setup.moc"

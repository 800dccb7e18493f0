// The internals view (ui/views/internals_view.h) on three real runs of a comparison (Adam and RAdam
// with BatchNorm, Adam with a constant initialisation and none): every chart shows every run's
// colour (the third's where it has BatchNorm), the y-ranges hold the engine's numbers, the constant
// run's hidden layer is one unit of four, no label is elided, and a report of an earlier step (a
// timeline moment) draws the run's history up to it.
#include "data/dataset_choice.h"
#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "demos.h"
#include "export/view_export.h"
#include "persist/run_setup.h"
#include "persist/run_variant.h"
#include "support/gpu_test.h"
#include "support/ui_test.h"
#include "train/internals.h"
#include "train/training_session.h"
#include "views/internals_view.h"
#include "views/layer_histograms_view.h"

#include <QApplication>
#include <QTest>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>

#include <filesystem>

using namespace gradlab;
using gradlab::ui::HistogramPanel;
using gradlab::ui::InternalsView;

namespace {

// Ten probes, every fifth step, of a 2-4-3 network with a BatchNorm or, for `constant`, a
// constant initialisation everywhere and no BatchNorm (a BatchNorm's zero-sum gradient there is
// rounding noise, which Adam's division by sqrt(v) would blow up into distinct units).
std::vector<std::shared_ptr<const train::ProbeReport>> probeRun(gpu::Context& context, bool constant,
                                                                const std::string& optimizer) {
  const std::string init = constant ? ", init=constant, init_value=0.2, bias_init=zeros" : "";
  const std::string text = "input x: 2\nh = Linear(x, out_features=4" + init + ")\n" +
                           (constant ? "a = Tanh(h)\n" : "bn = BatchNorm1d(h)\na = Tanh(bn)\n") +
                           "logits = Linear(a, out_features=3" + init + ")\nloss = CrossEntropyLoss(logits)\n";
  const auto data = data::makeToyDataset("blobs", {300, 0.5, 3, 2});
  train::TrainingOptions options;
  options.batch = 30;
  train::TrainingSession session(context, test::graphOf(text), data, nullptr, options,
                                 optim::createOptimizer(context, optimizer, {{"lr", "0.02"}}));
  std::vector<std::shared_ptr<const train::ProbeReport>> reports;
  for (int i = 0; i < 10; ++i) {
    session.train(4);
    reports.push_back(std::make_shared<const train::ProbeReport>(session.probeStep()));
  }
  return reports;
}

// The largest RMS of the step and of the step without bias corrections, both drawn for "step".
double largestStepRms(const std::vector<std::shared_ptr<const train::ProbeReport>>& reports) {
  double largest = 0;
  for (const auto& r : reports)
    for (const char* name : {"step", "uncorrected_step"})
      if (const auto* s = r->internals->optimizer.tensors[0].find(name))
        largest = std::max(largest, s->norm / std::sqrt(double(s->stats.count)));
  return largest;
}

// The points of the optimizer chart's line whose name starts with `run`'s legend and ends with `what`.
QList<QPointF> linePoints(const InternalsView& view, const QString& legend, const QString& what) {
  for (auto* series : view.chartView(InternalsView::Optimizer)->chart()->series())
    if (series->name() == legend + " " + what) return static_cast<const QLineSeries*>(series)->points();
  return {};
}

}  // namespace

class TestInternalsView : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }

  void drawsEveryRunAndReplays() {
    const auto a = probeRun(*context_, false, "adam");
    const auto b = probeRun(*context_, false, "radam");
    const auto c = probeRun(*context_, true, "adam");
    InternalsView view;
    view.resize(1100, 760);
    view.setRunStyles({ui::defaultRunStyle(0), ui::defaultRunStyle(1), ui::defaultRunStyle(2)});
    for (size_t i = 0; i < a.size(); ++i) view.setReport(a[i], 0), view.setReport(b[i], 1), view.setReport(c[i], 2);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.choose("h.weight", "step");
    test::screenshot(view, "internals_view", 150);

    const QImage image = view.grab().toImage();
    for (auto chart :
         {InternalsView::Optimizer, InternalsView::BatchNorm, InternalsView::ModeGap, InternalsView::Distinct})
      for (uint32_t run : {0u, 1u, 2u}) {
        if (run == 2 && (chart == InternalsView::BatchNorm || chart == InternalsView::ModeGap)) continue;  // none
        const int pixels = test::countPixels(image, test::rectIn(*view.chartView(chart), view), ui::runColor(run));
        QVERIFY2(pixels > 40, qPrintable(QString("chart %1 run %2: %3 pixels").arg(int(chart)).arg(run).arg(pixels)));
      }
    const double largest = std::max({largestStepRms(a), largestStepRms(b), largestStepRms(c)});
    const auto [lo, hi] = view.yRange(InternalsView::Optimizer);
    QVERIFY2(lo == 0 && hi >= largest && hi <= 2.5 * largest, qPrintable(QString("%1 vs %2").arg(hi).arg(largest)));
    const auto& gap = *a.back()->internals->modeGap;
    QVERIFY(view.yRange(InternalsView::ModeGap).second >= std::max(gap.trainLoss, gap.evalLoss));
    QVERIFY2(test::elided(view.chartTexts()).isEmpty(), qPrintable(test::elided(view.chartTexts()).join(" | ")));
    QVERIFY(view.readout().contains("RAdam r_t"));
    QVERIFY(view.readout().contains("1-β1^t"));

    QVERIFY(ui::isExportable(&view));
    QCOMPARE(ui::exportName(&view), QString("Internals"));
    const QString csv = ui::viewCsv(&view);
    QCOMPARE(csv, view.csv());
    QVERIFY(csv.contains("A,50,distinct units,h.weight,4\n"));
    QVERIFY(csv.contains("C,50,distinct units,h.weight,1\n"));  // a constant init: one unit of four
    // A moment of the timeline: run A's history up to step 25 only.
    view.setReport(a[4], 0);
    view.refresh();
    QVERIFY(view.csv().contains("A,25,"));
    QVERIFY(!view.csv().contains("A,30,"));
    QVERIFY(view.csv().contains("B,50,"));

    // A long run's history is thinned, its latest step kept: 2000 probes leave at most 512.
    view.clear();
    for (uint64_t step = 1; step <= 2000; ++step) {
      auto report = std::make_shared<train::ProbeReport>();
      report->step = step;
      report->internals = a.back()->internals;
      view.setReport(report, 0);
    }
    view.refresh();
    const QStringList rows = view.csv().split('\n').filter(",distinct units,h.weight,");
    QVERIFY2(rows.size() > 256 && rows.size() <= 512, qPrintable(QString::number(rows.size())));
    QVERIFY(rows.first().startsWith("A,1,") && rows.last().startsWith("A,2000,"));
  }

  // Adam, RAdam and AdaBelief (all with BatchNorm): the histogram strip has a row per run, each
  // panel's bars in its run's colour on the column's shared axis (AdaBelief's second column is its
  // sqrt(s)); the step is drawn beside the step without bias corrections, which is larger in the
  // first steps; RAdam's r_t is drawn over the steps and said to switch on at its first rectified
  // probe; a run without v draws its s; BatchNorm's variance (unbiased batch vs running) is a chart.
  void drawsHistogramsCorrectionsRectificationAndVariance() {
    const auto a = probeRun(*context_, false, "adam");
    const auto b = probeRun(*context_, false, "radam");
    const auto c = probeRun(*context_, false, "adabelief");
    InternalsView view;
    view.resize(1100, 1000);
    view.setRunStyles({ui::defaultRunStyle(0), ui::defaultRunStyle(1), ui::defaultRunStyle(2)});
    for (size_t i = 0; i < a.size(); ++i) view.setReport(a[i], 0), view.setReport(b[i], 1), view.setReport(c[i], 2);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.choose("h.weight", "step");
    view.chooseBatchNorm("bn", 1, true);
    test::screenshot(view, "internals_view_histograms", 150);
    QImage image = view.grab().toImage();

    QCOMPARE(view.histogramRows(), 3);
    const QStringList titles[] = {
        {"A: m", "A: √v", "A: step"}, {"B: m", "B: √v", "B: step"}, {"C: m", "C: √s", "C: step"}};
    const std::vector<std::shared_ptr<const train::ProbeReport>>* reports[] = {&a, &b, &c};
    for (int run = 0; run < 3; ++run)
      for (int column = 0; column < InternalsView::kHistogramColumns; ++column) {
        const HistogramPanel& panel = view.histogramPanel(run, column);
        QCOMPARE(panel.title(), titles[run][column]);
        QCOMPARE(panel.sampleCount(), uint64_t(8));  // h.weight: 4 x 2
        const int pixels = test::countPixels(image, test::rectIn(panel, view), ui::runColor(uint32_t(run)));
        QVERIFY2(pixels > 100, qPrintable(QString("%1: %2 pixels").arg(panel.title()).arg(pixels)));
        const QString names[] = {"exp_avg", run == 2 ? "sqrt_exp_avg_var" : "sqrt_exp_avg_sq", "step"};
        const auto* state = (*reports[run]).back()->internals->optimizer.tensors[0].find(names[column].toStdString());
        QVERIFY(state);
        QVERIFY(panel.binMin() <= state->stats.min && panel.binMax() >= state->stats.max);
      }

    // Adam's first probe (step 5): without the corrections m is 1 - 0.9^5 = 0.41 of m^ and sqrt(v)
    // sqrt(1 - 0.999^5) = 0.071 of sqrt(v^), so the uncorrected step is 5.8 times the one taken.
    const auto corrected = linePoints(view, ui::defaultRunStyle(0).legend(), "step");
    const auto raw = linePoints(view, ui::defaultRunStyle(0).legend(), "uncorrected_step");
    QCOMPARE(raw.size(), qsizetype(10));
    QCOMPARE(corrected.size(), qsizetype(10));
    const double ratio = raw[0].y() / corrected[0].y();
    QVERIFY2(ratio > 5.6 && ratio < 6.0, qPrintable(QString::number(ratio)));
    QCOMPARE(linePoints(view, ui::defaultRunStyle(2).legend(), "uncorrected_step").size(), qsizetype(10));
    QVERIFY(linePoints(view, ui::defaultRunStyle(1).legend(), "uncorrected_step").isEmpty());  // RAdam: none

    view.choose("h.weight", InternalsView::rectificationChoice());
    const auto rt = linePoints(view, ui::defaultRunStyle(1).legend(), InternalsView::rectificationChoice());
    QCOMPARE(rt.size(), qsizetype(10));
    QCOMPARE(rt[0].y(), 0.0);  // step 5: not rectified (from step 6)
    QVERIFY(rt[1].y() > 0);
    QVERIFY(view.yRange(InternalsView::Optimizer).second >= rt.back().y());
    QVERIFY2(view.readout().contains("rectified from step 10"), qPrintable(view.readout()));
    image = view.grab().toImage();
    QVERIFY(test::countPixels(image, test::rectIn(*view.chartView(InternalsView::Optimizer), view), ui::runColor(1)) >
            40);

    view.choose("h.weight", "sqrt_exp_avg_sq");  // AdaBelief keeps s, not v: its line is sqrt(s)
    image = view.grab().toImage();
    QVERIFY(linePoints(view, ui::defaultRunStyle(2).legend(), "sqrt_exp_avg_sq").size() == 10);
    QVERIFY(test::countPixels(image, test::rectIn(*view.chartView(InternalsView::Optimizer), view), ui::runColor(2)) >
            40);

    const auto& bn = c.back()->internals->batchNorms.at(0);
    const double unbiased = bn.batchVar[1] * bn.samplesPerChannel / (bn.samplesPerChannel - 1.0);
    const auto [lo, hi] = view.yRange(InternalsView::BatchNorm);
    QVERIFY(lo <= std::min(unbiased, bn.runningVar[1]) && hi >= std::max(unbiased, bn.runningVar[1]));
    for (uint32_t run : {0u, 1u, 2u})
      QVERIFY(test::countPixels(image, test::rectIn(*view.chartView(InternalsView::BatchNorm), view),
                                ui::runColor(run)) > 40);
    QVERIFY(view.chartTexts().contains("BatchNorm var: bn"));
    QVERIFY2(test::elided(view.chartTexts()).isEmpty(), qPrintable(test::elided(view.chartTexts()).join(" | ")));
    QVERIFY(view.csv().contains(",histogram exp_avg,h.weight ["));
  }

  // Demos > Batch norm: batch 8 vs 128 says A's batch variance scatters far around its running one
  // and B's stays close: after 50 steps from the same weights, probed every 10, A's unbiased batch
  // variance strays from its running variance (relative, summed over bn1's channels) more than
  // twice as far as B's (sampling theory: sqrt(2 / 7) vs sqrt(2 / 127), 4.3 times).
  void batchSizeDemoShowsNoisyBatchStatistics() {
    if (!std::filesystem::exists(data::kFashionMnistDirectory)) QSKIP("no Fashion-MNIST");
    const ui::Demo* demo = nullptr;
    for (const ui::Demo& d : ui::demos())
      if (d.menu == "Batch norm: batch 8 vs 128") demo = &d;
    QVERIFY(demo);
    QCOMPARE(demo->view, QString("internals"));
    const persist::Experiment& base = demo->experiment;
    QCOMPARE(base.comparisons.size(), size_t(1));
    const data::DatasetChoice data = data::chooseDataset(persist::runSetup(base.training).dataset);
    double stray[2] = {0, 0};
    for (size_t r = 0; r < 2; ++r) {
      const persist::Experiment e = r == 0 ? base : persist::variantExperiment(base, base.comparisons[0]);
      const persist::RunSetup setup = persist::runSetup(e.training);
      QCOMPARE(setup.options.batch, r == 0 ? 8u : 128u);
      train::TrainingSession session(*context_, test::graphOf(e.network), data.train, nullptr, setup.options,
                                     optim::createOptimizer(*context_, setup.optimizer, setup.optimizerValues));
      session.train(50);  // the running variance forgets its initial 1 (0.9^50 = 0.5%)
      for (int probe = 0; probe < 10; ++probe) {
        session.train(9);
        const auto report = session.probeStep();
        const auto& bn = report.internals->batchNorms.at(0);
        QCOMPARE(bn.node, std::string("bn1"));
        const double n = bn.samplesPerChannel;
        for (size_t c = 0; c < bn.batchVar.size(); ++c)
          stray[r] += std::abs(bn.batchVar[c] * n / (n - 1) - bn.runningVar[c]) / bn.runningVar[c];
      }
    }
    qInfo("batch variance off the running one, summed over 10 probes x 64 channels: A %.1f, B %.1f", stray[0],
          stray[1]);
    QVERIFY2(stray[0] > 2 * stray[1], qPrintable(QString("A %1, B %2").arg(stray[0]).arg(stray[1])));
  }
};

QTEST_MAIN(TestInternalsView)
#include "test_internals_view.moc"

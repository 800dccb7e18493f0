// The internals view (ui/views/internals_view.h) on three real runs of a comparison (Adam and RAdam
// with BatchNorm, Adam with a constant initialisation and none): every chart shows every run's
// colour (the third's where it has BatchNorm), the y-ranges hold the engine's numbers, the constant
// run's hidden layer is one unit of four, no label is elided, and a report of an earlier step (a
// timeline moment) draws the run's history up to it.
#include "data/toy_datasets.h"
#include "export/view_export.h"
#include "support/gpu_test.h"
#include "support/ui_test.h"
#include "train/internals.h"
#include "train/training_session.h"
#include "views/internals_view.h"

#include <QApplication>
#include <QTest>
#include <QtCharts/QChartView>

using namespace gradlab;
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

double largestStepRms(const std::vector<std::shared_ptr<const train::ProbeReport>>& reports) {
  double largest = 0;
  for (const auto& r : reports) {
    const auto* s = r->internals->optimizer.tensors[0].find("step");
    largest = std::max(largest, s->norm / std::sqrt(double(s->stats.count)));
  }
  return largest;
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
};

QTEST_MAIN(TestInternalsView)
#include "test_internals_view.moc"

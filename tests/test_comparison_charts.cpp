// The loss and accuracy charts of a run set, fed synthetic snapshots: every visible run drawn in
// its colour (asserted on the pixels), hidden runs neither drawn nor stretching the axes, the
// legend whole, samples seen on x when the batches differ, a kept reference that survives a reset,
// and series whose point count stays bounded however long the run. Screenshots go to
// SCREENSHOT_DIR for people to look at.
#include "demos.h"
#include "main_window.h"
#include "support/ui_test.h"
#include "training_charts.h"
#include "training_controller.h"
#include "views/run_style.h"

#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QLabel>
#include <QPushButton>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTest>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QScatterSeries>

#include <cmath>

using namespace gradlab;

namespace {

constexpr uint64_t kRunId = 7;

// Member `member`'s loss at step `step`: each run its own level, so each curve has its own place;
// member 3 (hidden in these tests) far above the others.
double lossOf(uint32_t member, uint64_t step) {
  return 0.4 + (member < 3 ? 0.5 * member : 20.0) + std::exp(-double(step) / 40.0);
}

// `steps` steps of `member` in snapshots of 10, a validation pass every 50; the last one Paused.
void feed(ui::TrainingCharts& charts, uint32_t member, uint64_t steps, uint64_t generation = 0,
          double (*loss)(uint32_t, uint64_t) = lossOf) {
  for (uint64_t first = 0; first < steps; first += 10) {
    train::Snapshot s;
    s.runId = kRunId;
    s.generation = generation;
    s.member = member;
    s.step = std::min(first + 10, steps);
    s.state = s.step == steps ? train::RunState::Paused : train::RunState::Running;
    for (uint64_t step = first; step < s.step; ++step)
      s.records.push_back({step, loss(member, step), 0.5 + 0.1 * member});
    if (s.step % 50 == 0) s.validation = train::Evaluation{loss(member, s.step) + 0.05, 0.45 + 0.1 * member};
    charts.add(s);
  }
}

QPushButton* keepReferenceButton(const QWidget& w) {
  for (QPushButton* button : w.findChildren<QPushButton*>())
    if (button->text() == "Keep as reference") return button;
  return nullptr;
}

QChartView* chartView(const ui::TrainingCharts& charts, const QString& title) {
  for (QChartView* view : charts.findChildren<QChartView*>())
    if (view->chart()->title() == title) return view;
  return nullptr;
}

QXYSeries* series(QChartView* view, const QString& name) {
  for (QAbstractSeries* s : view->chart()->series())
    if (s->name() == name) return qobject_cast<QXYSeries*>(s);
  return nullptr;
}

ui::RunStyles threeRunsAndAHiddenOne() {
  ui::RunStyles styles;
  const char* descriptions[] = {"base", "lr=0.3, optimizer=adam, schedule=cosine", "init=xavier_normal", "l2=0.01"};
  for (uint32_t i = 0; i < 4; ++i) {
    styles.push_back(ui::defaultRunStyle(i));
    styles.back().description = descriptions[i];
  }
  styles[3].visible = false;
  return styles;
}

// Every text of the charts' scenes and the legend label whole, and the label tall enough to show
// all its wrapped lines.
void verifyTextsWhole(const ui::TrainingCharts& charts) {
  for (QChartView* view : charts.findChildren<QChartView*>()) {
    const QStringList shortened = test::elided(test::sceneTexts(*view->scene()));
    QVERIFY2(shortened.isEmpty(), qPrintable(shortened.join(" | ")));
  }
  for (const QLabel* label : charts.findChildren<QLabel*>()) {
    if (!label->isVisible() || !label->wordWrap()) continue;
    QVERIFY2(
        label->height() >= label->heightForWidth(label->width()),
        qPrintable(
            QString("legend %1 px high, needs %2").arg(label->height()).arg(label->heightForWidth(label->width()))));
  }
}

}  // namespace

class ComparisonChartsTest : public QObject {
  Q_OBJECT
 private slots:
  // Three visible runs and a hidden one: each visible run's average in its colour inside the loss
  // plot, the hidden one's nowhere and outside the axis, every legend whole and under the plot.
  void everyVisibleRunInItsColour() {
    ui::TrainingCharts charts;
    charts.resize(1000, 420);
    charts.show();
    const ui::RunStyles styles = threeRunsAndAHiddenOne();
    charts.setRunStyles(styles);
    charts.follow(kRunId, 0);
    for (uint32_t member = 0; member < 4; ++member) feed(charts, member, 120);
    QTest::qWait(50);
    QChartView* view = chartView(charts, "Loss");
    QVERIFY(view);
    const QImage image = view->grab().toImage();
    test::screenshot(charts, "comparison_charts_three_runs", 100);
    const QRectF plot = view->chart()->plotArea();
    for (const ui::RunStyle& style : styles) {
      const int pixels = test::countPixels(image, plot, style.color, 30);
      if (style.visible)
        QVERIFY2(pixels > plot.width() / 3, qPrintable(QString("%1: %2 pixels").arg(style.legend()).arg(pixels)));
      else
        QVERIFY2(pixels == 0, qPrintable(QString("hidden %1: %2 pixels").arg(style.legend()).arg(pixels)));
    }
    // Each visible run's series hold its own steps; the hidden run has none.
    for (const ui::RunStyle& style : styles) {
      QXYSeries* average = series(view, style.label + " training (average)");
      QCOMPARE(average != nullptr, style.visible);
      if (!average) continue;
      QCOMPARE(average->count(), qsizetype(120));
      QCOMPARE(series(view, style.label + " training (each step)")->at(119), QPointF(120, lossOf(style.member, 119)));
      QCOMPARE(series(view, style.label + " validation")->count(), qsizetype(2));
    }
    // The loss axis spans the visible runs' losses (and validation), not the hidden run's.
    const double lo = lossOf(0, 119), hi = lossOf(2, 0);
    const auto [yMin, yMax] = charts.lossAxisRange();
    QVERIFY2(yMin <= lo && yMax >= hi && yMax < lossOf(3, 119) && yMax - yMin < 2 * (hi - lo),
             qPrintable(QString("loss axis %1..%2 for losses %3..%4").arg(yMin).arg(yMax).arg(lo).arg(hi)));
    const auto [xMin, xMax] = charts.stepAxisRange();
    QVERIFY2(xMin == 0 && xMax >= 120 && xMax <= 1.25 * 120,
             qPrintable(QString("step axis %1..%2").arg(xMin).arg(xMax)));
    QCOMPARE(charts.stepAxisTitle(), QString("step"));
    QCOMPARE(charts.accuracyAxisRange(), (std::pair<double, double>(0, 100)));
    // One legend under both charts: each visible run's whole description, not the hidden one's.
    const QString legend = charts.legendText();
    for (const ui::RunStyle& style : styles)
      QVERIFY2(legend.contains(style.legend()) == style.visible, qPrintable(legend));
    QVERIFY(!view->chart()->legend()->isVisible());  // nothing over the plot
    verifyTextsWhole(charts);
  }

  // Hiding a run later takes its colour off the chart; showing it brings it back with its curve.
  void hidingARunTakesItOff() {
    ui::TrainingCharts charts;
    charts.resize(900, 380);
    charts.show();
    ui::RunStyles styles = threeRunsAndAHiddenOne();
    styles.resize(2);
    charts.setRunStyles(styles);
    charts.follow(kRunId, 0);
    for (uint32_t member = 0; member < 2; ++member) feed(charts, member, 80);
    QChartView* view = chartView(charts, "Loss");
    const QRectF plot = view->chart()->plotArea();
    QVERIFY(test::countPixels(view->grab().toImage(), plot, styles[1].color, 30) > plot.width() / 3);
    styles[1].visible = false;
    charts.setRunStyles(styles);
    QCOMPARE(test::countPixels(view->grab().toImage(), plot, styles[1].color, 30), 0);
    QVERIFY(!charts.legendText().contains(styles[1].legend()));
    styles[1].visible = true;
    charts.setRunStyles(styles);
    QVERIFY(test::countPixels(view->grab().toImage(), plot, styles[1].color, 30) > plot.width() / 3);
  }

  // Runs with different batches are compared by samples seen: x = step x batch, and the axis says so.
  void differentBatchesGiveSamplesSeen() {
    ui::TrainingCharts charts;
    charts.resize(1000, 420);
    charts.show();
    ui::RunStyles styles = threeRunsAndAHiddenOne();
    styles.resize(2);
    styles[1].description = "batch=64";
    charts.setRunStyles(styles);
    charts.setRunBatches({32, 64});
    charts.follow(kRunId, 0);
    feed(charts, 0, 200);  // lockstep by samples: the batch-32 run takes two steps per tick
    feed(charts, 1, 100);
    QChartView* view = chartView(charts, "Loss");
    QCOMPARE(charts.stepAxisTitle(), QString("samples seen"));
    const auto [xMin, xMax] = charts.stepAxisRange();
    QVERIFY2(xMin == 0 && xMax >= 200 * 32 && xMax <= 1.25 * 200 * 32,
             qPrintable(QString("x axis %1..%2").arg(xMin).arg(xMax)));
    const QXYSeries* a = series(view, "A training (each step)");
    const QXYSeries* b = series(view, "B training (each step)");
    QCOMPARE(a->at(a->count() - 1).x(), 200.0 * 32);
    QCOMPARE(b->at(b->count() - 1).x(), 100.0 * 64);
    QCOMPARE(series(view, "B validation")->at(0).x(), 50.0 * 64);
    // Both runs end at the same place on the plot, as they saw the same samples.
    const double aEnd = view->chart()->mapToPosition(a->at(a->count() - 1), const_cast<QXYSeries*>(a)).x();
    const double bEnd = view->chart()->mapToPosition(b->at(b->count() - 1), const_cast<QXYSeries*>(b)).x();
    QVERIFY(std::abs(aEnd - bEnd) < 1);
    test::screenshot(charts, "comparison_charts_samples_seen", 100);
    verifyTextsWhole(charts);
    // The same batch again: steps.
    charts.setRunBatches({64, 64});
    QCOMPARE(charts.stepAxisTitle(), QString("step"));
    QCOMPARE(a->at(a->count() - 1).x(), 200.0);
    QVERIFY(charts.stepAxisRange().second <= 1.25 * 200);
  }

  // A kept reference stays through a reset (clear) and the next run, faded and labelled
  // "reference"; clearing it takes it off.
  void referenceSurvivesReset() {
    ui::TrainingCharts charts;
    charts.resize(900, 380);
    charts.show();
    charts.follow(kRunId, 0);
    feed(charts, 0, 100);
    QPushButton* keep = keepReferenceButton(charts);
    QVERIFY(keep && keep->isEnabled());
    QTest::mouseClick(keep, Qt::LeftButton);
    QVERIFY(charts.hasReference());
    charts.clear();  // Reset
    charts.follow(kRunId, 1);
    feed(charts, 0, 40, 1, [](uint32_t, uint64_t step) { return 2.0 - double(step) / 100; });
    QChartView* view = chartView(charts, "Loss");
    QVERIFY(series(view, "reference"));
    QCOMPARE(series(view, "reference")->count(), qsizetype(100));
    const QRectF plot = view->chart()->plotArea();
    const QColor faded(165, 200, 225);  // the lone run's blue washed out
    const QImage image = view->grab().toImage();
    test::screenshot(charts, "comparison_charts_reference_after_reset", 100);
    const int reference = test::countPixels(image, plot, faded, 20);
    QVERIFY2(reference > plot.width() / 2, qPrintable(QString("%1 reference pixels").arg(reference)));
    QVERIFY(test::countPixels(image, plot, QColor(31, 119, 180), 60) > 20);  // the new run too
    QVERIFY2(charts.legendText().contains("reference"), qPrintable(charts.legendText()));
    QVERIFY(!view->chart()->legend()->isVisible());  // the legend, now longer, went under the charts
    const auto [xMin, xMax] = charts.stepAxisRange();
    QVERIFY(xMax >= 100 && xMax <= 125);  // the reference's 100 steps fit
    verifyTextsWhole(charts);
    // Right of the new run's 40 steps only the reference is drawn (the new line's soft edges match its colour).
    auto beyondTheRun = [&] {
      const double right = view->chart()->mapToPosition(QPointF(40, 0), series(view, "training (each step)")).x() + 6;
      return QRectF(QPointF(right, plot.top()), plot.bottomRight());
    };
    QVERIFY(test::countPixels(image, beyondTheRun(), faded, 20) > beyondTheRun().width() / 2);
    charts.clearReference();
    QVERIFY(!charts.hasReference() && !series(view, "reference"));
    const int left = test::countPixels(view->grab().toImage(), beyondTheRun(), faded, 20);
    QVERIFY2(left == 0, qPrintable(QString("%1 reference pixels after clearing").arg(left)));
    QVERIFY(!charts.legendText().contains("reference"));  // the lone run's legend again
  }

  // In a set, the reference keeps each run's colour, faded, and its legend entry says "reference".
  void referenceOfASet() {
    ui::TrainingCharts charts;
    charts.resize(1000, 420);
    charts.show();
    ui::RunStyles styles = threeRunsAndAHiddenOne();
    styles.resize(2);
    charts.setRunStyles(styles);
    charts.follow(kRunId, 0);
    for (uint32_t member = 0; member < 2; ++member) feed(charts, member, 100);
    charts.keepReference();
    charts.clear();
    charts.follow(kRunId, 1);
    for (uint32_t member = 0; member < 2; ++member)
      feed(charts, member, 60, 1, [](uint32_t member, uint64_t step) { return 2.5 + member - double(step) / 100; });
    QVERIFY(charts.legendText().contains("reference " + styles[1].legend()));
    QChartView* view = chartView(charts, "Loss");
    QVERIFY(series(view, "reference A") && series(view, "reference B"));
    const QRectF plot = view->chart()->plotArea();
    const QImage image = view->grab().toImage();
    for (const ui::RunStyle& style : styles) {
      const QColor faded(int(style.color.red() + (255 - style.color.red()) * 0.6),
                         int(style.color.green() + (255 - style.color.green()) * 0.6),
                         int(style.color.blue() + (255 - style.color.blue()) * 0.6));
      const int pixels = test::countPixels(image, plot, faded, 20);
      QVERIFY2(pixels > plot.width() / 4, qPrintable(QString("reference %1: %2 pixels").arg(style.label).arg(pixels)));
    }
    test::screenshot(charts, "comparison_charts_reference_of_a_set", 100);
    verifyTextsWhole(charts);
  }

  // A long run draws a bounded number of points per series, and the envelope keeps a lone spike.
  void longRunsDrawBoundedPoints() {
    ui::TrainingCharts charts;
    charts.resize(900, 380);
    charts.show();
    charts.follow(kRunId, 0);
    constexpr uint64_t kSteps = 100000, kSpike = 54321;
    train::Snapshot s;
    s.runId = kRunId;
    s.state = train::RunState::Paused;
    for (uint64_t step = 0; step < kSteps; ++step)
      s.records.push_back({step, step == kSpike ? 50.0 : 1.0 + 1e-6 * double(step % 7), 0.5});
    s.step = kSteps;
    charts.add(s);
    QChartView* view = chartView(charts, "Loss");
    const QXYSeries* raw = series(view, "training (each step)");
    QVERIFY2(raw->count() <= qsizetype(2 * ui::ThinnedSeries::kBuckets + 1), qPrintable(QString::number(raw->count())));
    QVERIFY(series(view, "training (average)")->count() <= qsizetype(ui::ThinnedSeries::kBuckets));
    QCOMPARE(raw->at(raw->count() - 1).x(), double(kSteps));  // ends where the run is
    bool spike = false;
    for (const QPointF& p : raw->points()) spike = spike || (p.x() == kSpike + 1 && p.y() == 50.0);
    QVERIFY(spike);
    QVERIFY(charts.lossAxisRange().second >= 50);
    QCOMPARE(charts.lossPoints(), size_t(kSteps));  // what is saved stays whole
    std::vector<persist::MetricPoint> validations;  // a validation pass every 10 steps
    for (uint64_t step = 10; step <= kSteps; step += 10) validations.push_back({step, 1.0, 0.5});
    charts.setHistory({}, validations);
    QVERIFY(series(view, "validation")->count() <= qsizetype(ui::ThinnedSeries::kBuckets));
    QCOMPARE(charts.validationPoints(), validations.size());
    // Back to a short run (a reset): the step axis shrinks at once, its ticks with it.
    QElapsedTimer clock;
    clock.start();
    charts.clear();
    charts.setHistory({{0, 1.0, 0.5}}, {});
    QVERIFY2(clock.elapsed() < 2000, qPrintable(QString("%1 ms").arg(clock.elapsed())));
    QCOMPARE(charts.stepAxisRange(), (std::pair<double, double>(0, 12.5)));
  }

  // In the lab, a kept reference belongs to its experiment: opening another one drops it.
  void openingAnotherExperimentDropsTheReference() {
    QTemporaryDir autosave;
    ui::MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    persist::Experiment e = ui::defaultExperiment();
    e.training.dataset = "spiral";  // quick to build, and no data set to install
    e.network =
        "input x: 2\nh = Linear(x, out_features=32)\na = ReLU(h)\nlogits = Linear(a, out_features=2)\n"
        "loss = CrossEntropyLoss(logits)\n";
    for (uint64_t step = 0; step < 50; ++step) e.trainingHistory.push_back({step, 2.0 - double(step) / 50, 0.5});
    QSignalSpy ready(&window, &ui::MainWindow::demoReady);
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
    QPushButton* keep = keepReferenceButton(window);
    QVERIFY(keep && keep->isEnabled());
    QTest::mouseClick(keep, Qt::LeftButton);
    QVERIFY(window.charts().hasReference());
    e.trainingHistory.clear();
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
    QVERIFY(!window.charts().hasReference());
  }

  // A comparison demo in the lab at a projector's size: both runs' averages in their colours in
  // the loss chart, the set's legend under the charts whole.
  void comparisonDemoInTheLab() {
    QTemporaryDir autosave;
    ui::MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    const ui::Demo* demo = nullptr;
    for (const auto& d : ui::demos())
      if (d.menu.startsWith("Dropout")) demo = &d;
    QVERIFY(demo);
    QSignalSpy ready(&window, &ui::MainWindow::demoReady);
    window.openDemo(*demo);
    QVERIFY(ready.wait(120000));
    const ui::RunStyles styles = window.charts().runStyles();
    QCOMPARE(styles.size(), size_t(2));
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.charts().lossPoints(1) >= 60, 60000);
    window.controller().pause();
    QTest::qWait(300);
    window.dock("loss")->raise();
    QChartView* view = chartView(window.charts(), "Loss");
    QVERIFY(view);
    test::screenshot(window, "comparison_charts_dropout_demo_1280x720", 300);
    const QImage image = view->grab().toImage();
    const QRectF plot = view->chart()->plotArea();
    for (const ui::RunStyle& style : styles) {
      const int pixels = test::countPixels(image, plot, style.color, 30);
      QVERIFY2(pixels > plot.width() / 4, qPrintable(QString("%1: %2 pixels").arg(style.legend()).arg(pixels)));
      QVERIFY2(window.charts().legendText().contains(style.legend()), qPrintable(window.charts().legendText()));
    }
    verifyTextsWhole(window.charts());
  }

  // With no run styles, a lone run: its own legend inside the chart, no set legend.
  void loneRunKeepsItsLegend() {
    ui::TrainingCharts charts;
    charts.resize(900, 380);
    charts.show();
    charts.follow(kRunId, 0);
    feed(charts, 0, 60);
    feed(charts, 1, 60, 0, [](uint32_t, uint64_t) { return 100.0; });  // another member: not drawn without styles
    QChartView* view = chartView(charts, "Loss");
    QVERIFY(series(view, "training (each step)") && series(view, "training (average)") && series(view, "validation"));
    QCOMPARE(series(view, "training (each step)")->count(), qsizetype(60));
    QVERIFY2(charts.legendText().contains("this run"), qPrintable(charts.legendText()));
    QVERIFY(!view->chart()->legend()->isVisible());  // under both charts, where it wraps whole
    QCOMPARE(charts.lossPoints(1), size_t(60));
    QVERIFY(charts.lossAxisRange().second < 100);  // member 1 is neither drawn nor on the axis
  }
};

QTEST_MAIN(ComparisonChartsTest)
#include "test_comparison_charts.moc"

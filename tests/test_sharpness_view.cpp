// The lab's curvature and step-size instruments and theory overlays (issue 21): the Sharpness view
// draws each run's lambda_max in its colour with its 2 / lr dashed in the same colour; the Update
// ratios view draws each weight tensor's ratio on a log scale over the rule of thumb's band; both
// follow the timeline and export what they draw; the By depth view draws the std the init theory
// predicts, dashed, over the measured one. The edge-of-stability demo, trained as the lab trains it (the
// controller, its run and the sharpness its probes measure), ends with its sharpness at 2 / lr.
#include "analysis/init_theory.h"
#include "analysis/quadratic_contraction.h"
#include "analysis/sharpness_limit.h"
#include "demos.h"
#include "export/view_export.h"
#include "main_window.h"
#include "support/gpu_test.h"
#include "support/ui_test.h"
#include "surface_race_runner.h"
#include "training_controller.h"
#include "views/depth_stats_view.h"
#include "views/sharpness_view.h"
#include "views/surface_race_panel.h"
#include "views/surface_view.h"
#include "views/update_ratio_view.h"

#include <QAction>
#include <QDockWidget>
#include <QSignalSpy>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLogValueAxis>

#include <cmath>

using namespace gradlab;
using namespace gradlab::ui;

namespace {

train::ProbeReport sharpnessReport(uint64_t step, double lambda, double lr) {
  train::ProbeReport r;
  r.step = step;
  r.sharpness = train::SharpnessReading{lambda, 1e-5, lr, 40, 0.012};
  return r;
}

// The share of pixel columns between steps `from` and `to` in which `colour` appears within 2 px
// of the chart position of (step, y(step)): ~1 for a solid line there, well below for a dashed one.
template <class Y>
double columnCoverage(const QImage& image, const QChartView& view, const QColor& colour, double from, double to, Y y) {
  QChart* chart = view.chart();
  const double left = chart->mapToPosition(QPointF(from, y(from))).x(),
               right = chart->mapToPosition(QPointF(to, 0)).x();
  int columns = 0, hit = 0;
  for (double x = std::ceil(left); x <= right; ++x, ++columns) {
    const double step = chart->mapToValue(QPointF(x, 0)).x();
    const QPointF at = view.viewport()->mapTo(
        view.window(), view.mapFromScene(chart->mapToScene(chart->mapToPosition(QPointF(step, y(step))))));
    hit += test::countPixels(image, QRectF(at.x() - 0.5, at.y() - 2.5, 1, 5), colour) > 0;
  }
  return columns ? double(hit) / columns : 0;
}

}  // namespace

class TestSharpnessView : public QObject {
  Q_OBJECT

 private slots:
  // Two runs: A at lr 0.2 (limit 10) sharpening from 2 to 10, B at lr 1 (limit 2) from 0.5 to 2.
  // Each lambda_max line solid in its run's colour, each 2 / lr dashed in the same colour at 2 / lr.
  void drawsEachRunsSharpnessAndItsLimit() {
    SharpnessView view;
    view.resize(760, 480);
    view.setRunStyles({defaultRunStyle(0), defaultRunStyle(1)});
    QSignalSpy wanted(&view, &SharpnessView::measuringWanted);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    QCOMPARE(wanted.count(), 1);
    QCOMPARE(wanted.at(0).at(0).toBool(), true);
    const auto rising = [](double step, double top) { return top * std::min(1.0, 0.2 + 0.8 * step / 500); };
    for (uint64_t step = 0; step <= 1000; step += 20) {
      view.addReport(sharpnessReport(step, rising(double(step), 10), 0.2), 0);
      view.addReport(sharpnessReport(step, rising(double(step), 2), 1.0), 1);
    }
    view.addReport(train::ProbeReport{}, 0);  // no reading: nothing changes
    QCOMPARE(view.sharpnessPoints(0).size(), 51);
    QCOMPARE(view.limitPoints(1).size(), 51);
    QCOMPARE(view.limitPoints(0).front().y(), 10.0);
    QCOMPARE(view.limitPoints(1).back().y(), 2.0);
    const auto [ylo, yhi] = view.yRange();
    QVERIFY2(ylo == 0 && yhi >= 10 && yhi <= 15, qPrintable(QString("%1 %2").arg(ylo).arg(yhi)));
    QCOMPARE(view.xRange().second, 1000.0);
    QVERIFY2(view.costText().contains("40 gradient passes, 12 ms"), qPrintable(view.costText()));
    test::screenshot(view, "sharpness_view", 200);
    const QImage image = view.grab().toImage();
    const QChartView& chart = *view.chartView();
    for (int run = 0; run < 2; ++run) {
      const QColor colour = runColor(uint32_t(run));
      const double top = run == 0 ? 10 : 2;
      // Where the sharpness is well below the limit (steps 40-300), the two lines are apart.
      const double solid = columnCoverage(image, chart, colour, 40, 300, [&](double s) { return rising(s, top); });
      const double dashed = columnCoverage(image, chart, colour, 40, 300, [&](double) { return top; });
      qInfo("run %d: sharpness line covers %.2f of its columns, the 2/lr line %.2f", run, solid, dashed);
      QVERIFY2(solid > 0.95, qPrintable(QString::number(solid)));
      QVERIFY2(dashed > 0.3 && dashed < 0.85, qPrintable(QString::number(dashed)));
    }
    QVERIFY2(test::elided(view.chartTexts()).isEmpty(), qPrintable(test::elided(view.chartTexts()).join(", ")));
    const QStringList rows = view.csv().trimmed().split('\n');
    QCOMPARE(rows.size(), 1 + 2 * 51);
    QCOMPARE(rows[0],
             QString("run,step,sharpness,two_over_lr,learning_rate,relative_change,stability_limit,limit_rule"));
    QVERIFY2(rows[1].startsWith("A,0,2,10,0.2,"), qPrintable(rows[1]));

    // The timeline: a moment shows the readings up to its steps; live, all again.
    view.showMoment({{0, 300}, {1, 200}});
    QCOMPARE(view.sharpnessPoints(0).size(), 16);
    QCOMPARE(view.sharpnessPoints(1).size(), 11);
    view.showLive();
    QCOMPARE(view.sharpnessPoints(0).size(), 51);
    // A reset run starts its curve again; hidden, the view no longer asks for measurements.
    view.addReport(sharpnessReport(20, 3, 0.2), 0);
    QCOMPARE(view.sharpnessPoints(0).size(), 2);
    view.hide();
    QCOMPARE(wanted.last().at(0).toBool(), false);
  }

  // Each run's dashed line is its optimizer's limit: A (SGD, momentum 0.9, lr 0.1) at (2 + 2β) / lr
  // = 38, B (Adam, lr 0.1) at 2 / lr = 20 named as not Adam's limit; the readout under the chart
  // gives each run's last estimate with its convergence (the power iteration's last relative change).
  void drawsEachOptimizersStabilityLimit() {
    SharpnessView view;
    view.resize(760, 480);
    view.setRunStyles({defaultRunStyle(0), defaultRunStyle(1)});
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setStabilityRule(0, analysis::stabilityRule("sgd", {{"momentum", "0.9"}, {"lr", "0.1"}}));
    view.setStabilityRule(1, analysis::stabilityRule("adam", {{"lr", "0.1"}}));
    for (uint64_t step = 0; step <= 500; step += 20) {
      train::ProbeReport a = sharpnessReport(step, 5 + step / 50.0, 0.1), b = sharpnessReport(step, 3, 0.1);
      b.sharpness->relativeChange = 0.02;
      view.addReport(a, 0);
      view.addReport(b, 1);
    }
    QCOMPARE(view.limitPoints(0).size(), 26);
    for (const QPointF& p : view.limitPoints(0)) QVERIFY(std::abs(p.y() - 38) < 1e-9);
    for (const QPointF& p : view.limitPoints(1)) QVERIFY(std::abs(p.y() - 20) < 1e-9);
    const auto [ylo, yhi] = view.yRange();
    QVERIFY2(ylo == 0 && yhi >= 38 && yhi <= 50, qPrintable(QString("%1 %2").arg(ylo).arg(yhi)));
    test::screenshot(view, "sharpness_momentum_limit", 200);
    const QImage image = view.grab().toImage();
    const QChartView& chart = *view.chartView();
    const double a = columnCoverage(image, chart, runColor(0), 40, 460, [](double) { return 38.0; });
    const double b = columnCoverage(image, chart, runColor(1), 40, 460, [](double) { return 20.0; });
    qInfo("the momentum run's limit at 38 covers %.2f of its columns, Adam's 2/lr at 20 %.2f", a, b);
    QVERIFY2(a > 0.3 && a < 0.85, qPrintable(QString::number(a)));
    QVERIFY2(b > 0.3 && b < 0.85, qPrintable(QString::number(b)));
    const QStringList texts = view.chartTexts();
    QVERIFY2(texts.contains("A (2 + 2β) / lr, β 0.9") && texts.contains("B 2 / lr: not Adam's limit"),
             qPrintable(texts.join(" | ")));
    QVERIFY2(test::elided(texts).isEmpty(), qPrintable(test::elided(texts).join(", ")));
    QVERIFY2(view.costText().contains("λmax 15 (converged to 1e-05) · limit 38 = (2 + 2β) / lr, β 0.9") &&
                 view.costText().contains("λmax 3 (converged to 0.02) · limit 20 = 2 / lr: not Adam's limit"),
             qPrintable(view.costText()));
    const QStringList rows = view.csv().trimmed().split('\n');
    QVERIFY2(rows[1].startsWith("A,0,5,20,0.1,1e-05,") && std::abs(rows[1].section(',', 6, 6).toDouble() - 38) < 1e-9 &&
                 rows[1].contains("(2 + 2β) / lr"),
             qPrintable(rows[1]));
  }

  // Three weight tensors moving 1e-5, 1e-3 and 1e-1 of themselves per step: each line at its
  // value in its colour, the band from 10^-3.5 to 10^-2.5 shaded and named in the legend.
  void drawsUpdateRatiosOverTheBand() {
    UpdateRatioView view;
    view.resize(760, 480);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    for (uint64_t step = 0; step <= 500; step += 25) {
      train::ProbeReport r;
      r.step = step;
      r.parameters = {
          {"h1.weight", 1, 1, 1e-5}, {"h1.bias", 1, 1, 0.5}, {"h2.weight", 1, 1, 1e-3}, {"logits.weight", 1, 1, 1e-1}};
      view.addReport(r, 0);
    }
    QCOMPARE(view.tensors(), QStringList({"h1.weight", "h2.weight", "logits.weight"}));  // weights only
    QCOMPARE(view.ratioPoints(0, 0).size(), 20);                                         // step 0 has no update yet
    QCOMPARE(view.ratioPoints(0, 2).back().y(), 0.1);
    const auto [lo, hi] = view.yRange();
    QVERIFY2(lo <= 1e-5 && hi >= 0.1 && hi <= 1, qPrintable(QString("%1 %2").arg(lo).arg(hi)));
    QVERIFY(std::abs(view.bandRange().first - std::pow(10.0, -3.5)) < 1e-12);
    QVERIFY(std::abs(view.bandRange().second - std::pow(10.0, -2.5)) < 1e-12);
    test::screenshot(view, "update_ratio_view", 200);
    const QImage image = view.grab().toImage();
    const QChartView& chart = *view.chartView();
    for (int tensor = 0; tensor < 3; ++tensor) {
      const double ratio = view.ratioPoints(0, tensor).back().y();
      const double coverage =
          columnCoverage(image, chart, view.lineColour(0, tensor), 50, 450, [&](double) { return ratio; });
      QVERIFY2(coverage > 0.95, qPrintable(QString("%1: %2").arg(tensor).arg(coverage)));
    }
    // The band: the grey shade fills the plot between its bounds, not outside them.
    const auto at = [&](double y) {
      const QPointF position = chart.chart()->mapToScene(chart.chart()->mapToPosition(QPointF(100, y)));
      return chart.viewport()->mapTo(&view, chart.mapFromScene(position));
    };
    const QPointF inside = at(std::pow(10.0, -3.2)), outside = at(std::pow(10.0, -4));
    const QColor shaded = image.pixelColor(inside.toPoint()), plain = image.pixelColor(outside.toPoint());
    QVERIFY2(shaded.lightness() < plain.lightness() - 8,
             qPrintable(QString("%1 vs %2").arg(shaded.name(), plain.name())));
    QVERIFY(view.chartTexts().contains("rule of thumb: ~1e-3"));
    QVERIFY2(test::elided(view.chartTexts()).isEmpty(), qPrintable(test::elided(view.chartTexts()).join(", ")));
    QCOMPARE(view.csv().trimmed().split('\n').size(), 1 + 3 * 20);
    view.showMoment({{0, 100}});
    QCOMPARE(view.ratioPoints(0, 1).size(), 4);
  }

  // Five layers of a tanh MLP initialised N(0, 0.05): the theory's std (analysis/init_theory.h)
  // drawn dashed at each layer, apart from a measured std set at half of it; exported as a column.
  // The gradient's likewise, back from the logits' measured 0.01, the measured one 0.01 above it.
  void depthViewDrawsTheInitTheory() {
    const nn::Graph graph = test::graphOf(
        "input x: 64\nh1 = Linear(x, out_features=64, init=normal, init_std=0.05)\na1 = Tanh(h1)\n"
        "h2 = Linear(a1, out_features=64, init=normal, init_std=0.05)\na2 = Tanh(h2)\n"
        "logits = Linear(a2, out_features=3)\nloss = CrossEntropyLoss(logits)\n");
    const auto predicted = analysis::predictActivations(graph, {0, 4});
    QCOMPARE(predicted.size(), size_t(5));
    const auto gradients = analysis::predictGradients(predicted, "logits", 0.01);
    QCOMPARE(gradients.size(), size_t(5));
    auto report = std::make_shared<train::ProbeReport>();
    for (const analysis::PredictedLayer& l : predicted) {
      train::LayerProbe probe;
      probe.node = l.node;
      probe.type = l.node.starts_with("a") ? "Tanh" : "Linear";
      probe.activation.count = 64;
      probe.activation.std = l.output.std() / 2;
      probe.gradient.count = 64;
      probe.gradient.std = l.node == "logits" ? 0.01 : gradients[report->layers.size()].std + 0.01;
      report->layers.push_back(probe);
    }
    DepthStatsView view;
    view.resize(1100, 420);
    view.setReport(report);
    view.setPrediction(predicted);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.refresh();
    const QList<QPointF> points = view.predictedStd();
    QCOMPARE(points.size(), 5);
    for (int i = 0; i < 5; ++i) QCOMPARE(points[i].y(), predicted[size_t(i)].output.std());
    test::screenshot(view, "depth_init_theory", 200);
    const QImage image = view.grab().toImage();
    const QChartView& chart = *view.chartView(0);
    const auto along = [&](const QList<QPointF>& line) {
      return [line](double x) {
        const int i = std::clamp(int(x), 0, int(line.size()) - 2);
        return line[i].y() + (line[i + 1].y() - line[i].y()) * (x - i);
      };
    };
    const QColor blue(31, 119, 180);
    const double theory = columnCoverage(image, chart, blue, 0.1, 3.9, along(points));
    const double measured = columnCoverage(image, chart, blue, 0.1, 3.9, along(view.activationStd()));
    qInfo("the theory's line covers %.2f of its columns, the measured std %.2f", theory, measured);
    QVERIFY2(theory > 0.25 && theory < 0.85, qPrintable(QString::number(theory)));
    QVERIFY2(measured > 0.95, qPrintable(QString::number(measured)));
    QVERIFY(test::sceneTexts(*chart.scene()).contains("init theory"));
    const QStringList rows = view.csv().trimmed().split('\n');
    QVERIFY(rows[0].endsWith(",predicted_std,predicted_gradient_std"));
    QVERIFY2(
        rows[1].endsWith("," + CsvTable::number(predicted[0].output.std()) + "," + CsvTable::number(gradients[0].std)),
        qPrintable(rows[1]));
    const QList<QPointF> gradientPoints = view.predictedGradientStd();
    QCOMPARE(gradientPoints.size(), 5);
    for (int i = 0; i < 5; ++i) QCOMPARE(gradientPoints[i].y(), gradients[size_t(i)].std);
    // The two meet at the logits, where the theory starts: compared up to the layer before.
    const QColor red(214, 39, 40);
    const QChartView& gradientChart = *view.chartView(1);
    const double gradientTheory = columnCoverage(image, gradientChart, red, 0.1, 2.9, along(gradientPoints));
    const double gradientMeasured = columnCoverage(image, gradientChart, red, 0.1, 2.9, along(view.gradientStd()));
    qInfo("the gradient theory covers %.2f of its columns, the measured std %.2f", gradientTheory, gradientMeasured);
    QVERIFY2(gradientTheory > 0.25 && gradientTheory < 0.85, qPrintable(QString::number(gradientTheory)));
    QVERIFY2(gradientMeasured > 0.95, qPrintable(QString::number(gradientMeasured)));
    QVERIFY(test::sceneTexts(*gradientChart.scene()).contains("init theory"));
  }

  // The optimizer race on the quadratic says what theory predicts per step for each optimizer, as
  // analysis/quadratic_contraction computes it; on another surface, nothing.
  void raceShowsTheQuadraticsContraction() {
    SurfaceRacePanel panel("");
    panel.resize(1000, 560);
    panel.setSurface("quadratic");
    panel.setOptimizers("sgd:lr=0.1\nsgd:lr=0.05,momentum=0.5\nadam:lr=0.1\nsgd:lr=0.3");
    const QString text = panel.theoryText();
    const surface::FunctionParams params;
    const auto momentum = analysis::quadraticContraction(params, 0.05, 0.5);
    QVERIFY2(text.contains("sgd: × 0.9000 (|1 − lr·λ| 0.900 and 0.000)"), qPrintable(text));
    QVERIFY2(text.contains(QString("sgd momentum 0.5: × %1").arg(momentum.rate, 0, 'f', 4)), qPrintable(text));
    QVERIFY2(text.contains("adam: no closed form"), qPrintable(text));
    QVERIFY2(text.contains("sgd: × 2.0000 (|1 − lr·λ| 0.700 and 2.000): diverges"), qPrintable(text));
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    test::screenshot(panel, "race_quadratic_theory", 100);
    panel.setSurface("rosenbrock");
    QVERIFY(panel.theoryText().isEmpty());
  }

  // The race on the quadratic draws each racer's distance to the minimum on a log axis in the
  // racer's colour: plain SGD's predicted curve on its measured one, heavy ball at Polyak's setting
  // with its sqrt(beta)^t envelope, Adam measured alone. The axis holds the numbers drawn in whole
  // decades.
  void raceDrawsEachRacersDistanceToTheMinimum() {
    SurfaceRacePanel panel("");
    panel.resize(1100, 720);
    panel.setSurface("quadratic");
    const surface::FunctionParams params;
    const double sq = std::sqrt(params.kappa), lr = std::pow(2 / (1 + sq), 2), beta = std::pow((sq - 1) / (sq + 1), 2);
    panel.setOptimizers(
        QString("sgd:lr=0.05\nsgd:lr=%1,momentum=%2\nadam:lr=0.1").arg(lr, 0, 'g', 9).arg(beta, 0, 'g', 9));
    panel.setSteps(120);
    panel.view()->setAnimationSpeed(0);
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    QSignalSpy finished(panel.runner(), &SurfaceRaceRunner::finished);
    panel.play();
    QVERIFY(finished.wait(60000));
    QVERIFY(panel.distanceChart()->isVisible());
    const QList<QPointF> gd = panel.distancePoints(0, false), gdTheory = panel.distancePoints(0, true);
    QCOMPARE(gd.size(), 121);
    QCOMPARE(gdTheory.size(), 121);
    for (int t = 0; t < gd.size(); ++t)
      QVERIFY2(std::abs(gd[t].y() - gdTheory[t].y()) <= 1e-4 * gdTheory[t].y(),
               qPrintable(QString("step %1: %2 vs %3").arg(t).arg(gd[t].y()).arg(gdTheory[t].y())));
    const QList<QPointF> heavy = panel.distancePoints(1, false), envelope = panel.distancePoints(1, true);
    QVERIFY(!heavy.isEmpty() && !envelope.isEmpty());
    const double fall = std::pow(std::sqrt(beta), 10);  // Polyak's double root: the modulus to ~1e-8
    QVERIFY(std::abs(envelope[10].y() / envelope[0].y() - fall) < 1e-6 * fall);
    QVERIFY(panel.distancePoints(2, true).isEmpty() && panel.distancePoints(2, false).size() == 121);  // Adam

    double lo = INFINITY, hi = 0;
    for (int racer = 0; racer < 3; ++racer)
      for (bool predicted : {false, true})
        for (const QPointF& p : panel.distancePoints(racer, predicted))
          lo = std::min(lo, p.y()), hi = std::max(hi, p.y());
    const auto* axis = qobject_cast<QLogValueAxis*>(panel.distanceChart()->chart()->axes(Qt::Vertical).value(0));
    QVERIFY(axis);
    const auto [bottom, top] = panel.distanceRange();
    qInfo("distances %.3g..%.3g drawn on a log axis %.3g..%.3g", lo, hi, bottom, top);
    // Labelled every `base` (a power of ten): the numbers reach into the lowest and the highest label step.
    QVERIFY2(bottom <= lo && lo < axis->base() * bottom && top >= hi && hi > top / axis->base(),
             qPrintable(QString("%1..%2 on %3..%4, base %5").arg(lo).arg(hi).arg(bottom).arg(top).arg(axis->base())));
    QCOMPARE(std::log10(bottom), std::round(std::log10(bottom)));                                 // whole decades
    QVERIFY(panel.distanceStepRange().second >= 120 && panel.distanceStepRange().second <= 150);  // nice ticks

    test::screenshot(panel, "race_distance_to_minimum", 200);
    const QImage image = panel.grab().toImage();
    const QRectF chart = test::rectIn(*panel.distanceChart(), panel);
    for (int racer = 0; racer < 3; ++racer) {
      const int pixels = test::countPixels(image, chart, panel.view()->pathColour(racer), 16);
      qInfo("racer %d: %d pixels of its colour in the distance chart", racer, pixels);
      QVERIFY2(pixels > 60, qPrintable(QString("racer %1: %2 pixels").arg(racer).arg(pixels)));
    }
    const QStringList texts = test::sceneTexts(*panel.distanceChart()->scene());
    QVERIFY2(test::elided(texts).isEmpty(), qPrintable(test::elided(texts).join(", ")));
    panel.setSurface("rosenbrock");
    QVERIFY(!panel.distanceChart()->isVisible());
  }

  // In the window: the demo brings the Sharpness view forward, which asks the run to measure; both
  // runs' curves fill with each probe, at their 2 / lr. Closed, it no longer asks: the probes stop
  // measuring (and the training stops paying for it).
  void theWindowMeasuresWhileTheViewIsShown() {
    MainWindow window;
    window.resize(1280, 800);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const Demo* demo = nullptr;
    for (const Demo& d : demos())
      if (d.menu.startsWith("Edge of stability")) demo = &d;
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDemo(*demo);
    QVERIFY(ready.wait(120000));
    auto* view = window.findChild<SharpnessView*>();
    QVERIFY(view && view->isVisible());
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(view->sharpnessPoints(0).size() >= 5 && view->sharpnessPoints(1).size() >= 5, 60000);
    QVERIFY(std::abs(view->limitPoints(0).front().y() - 20) < 1e-4);
    QVERIFY(std::abs(view->limitPoints(1).front().y() - 10) < 1e-4);
    test::screenshot(window, "sharpness_in_window", 100);
    window.dock("sharpness")->close();  // the dock's close button
    QTRY_VERIFY(!view->isVisible());
    QTest::qWait(300);  // probes measured before the tab changed arrive
    const qsizetype measured = view->sharpnessPoints(0).size();
    const uint64_t step = window.step();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= step + 200, 60000);
    window.controller().pause();
    QCOMPARE(view->sharpnessPoints(0).size(), measured);
  }

  // The window tells the view each run's optimizer: in the optimizers demo, A (plain SGD) gets
  // 2 / lr, B (momentum 0.9) (2 + 2β) / lr, C (Adam) 2 / lr marked as not its limit. At 1280 x 720
  // the race tab holds its controls and the distance chart of a quadratic race.
  void theWindowDrawsEachRunsOwnLimit() {
    MainWindow window;
    window.resize(1280, 720);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const Demo* demo = nullptr;
    for (const Demo& d : demos())
      if (d.experiment.comparisons.size() == 2 && d.experiment.comparisons[1].changes.count("optimizer") &&
          d.experiment.comparisons[1].changes.at("optimizer").starts_with("adam"))
        demo = &d;
    QVERIFY(demo);
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDemo(*demo);
    QVERIFY(ready.wait(120000));
    auto* view = window.findChild<SharpnessView*>();
    QVERIFY(view);
    // Each name: the run's label, then the formula.
    QVERIFY2(view->limitName(0).endsWith(" 2 / lr"), qPrintable(view->limitName(0)));
    QVERIFY2(view->limitName(1).endsWith(" (2 + 2β) / lr, β 0.9"), qPrintable(view->limitName(1)));
    QVERIFY2(view->limitName(2).endsWith(" 2 / lr: not Adam's limit"), qPrintable(view->limitName(2)));

    window.dock("surface")->raise();
    auto* race = window.findChild<SurfaceRacePanel*>();
    QVERIFY(race);
    race->setSurface("quadratic");
    race->setOptimizers("sgd:lr=0.1\nsgd:lr=0.05,momentum=0.5");
    race->setSteps(60);
    QSignalSpy finished(race->runner(), &SurfaceRaceRunner::finished);
    race->play();
    QVERIFY(finished.wait(60000));
    QTRY_VERIFY(race->distanceChart()->isVisible());
    test::screenshot(window, "race_distance_in_window_1280x720", 200);
    const int chartHeight = race->distanceChart()->height();
    qInfo("race tab %d px tall (at least %d), the distance chart %d px", race->height(),
          race->minimumSizeHint().height(), chartHeight);
    QVERIFY2(
        race->height() >= race->minimumSizeHint().height() && chartHeight >= 150,
        qPrintable(QString("%1 %2 %3").arg(race->height()).arg(race->minimumSizeHint().height()).arg(chartHeight)));
  }

  // The demo as the lab runs it: the controller builds its two runs, the Sharpness view being shown
  // asks for the measurement, and full-batch GD drives each run's sharpness up to its 2 / lr: the
  // last readings within 20% of it (CLI: ~19.8 at lr 0.1, ~10.3 at lr 0.2), the first ones well below.
  void edgeOfStabilityDemoReachesTwoOverLr() {
    const ui::Demo* demo = nullptr;
    for (const ui::Demo& d : ui::demos())
      if (d.menu.startsWith("Edge of stability")) demo = &d;
    QVERIFY(demo);
    QCOMPARE(demo->view, QString("sharpness"));
    ui::TrainingController controller;
    QSignalSpy ready(&controller, &ui::TrainingController::ready);
    std::map<uint32_t, std::vector<train::SharpnessReading>> readings;
    bool finished = false;
    connect(&controller, &ui::TrainingController::snapshot, this, [&](std::shared_ptr<const train::Snapshot> s) {
      if (s->probes && s->probes->sharpness) readings[s->member].push_back(*s->probes->sharpness);
      finished = finished || s->state == train::RunState::Finished;
    });
    controller.setSharpnessMeasured(true);
    controller.load(demo->experiment);
    QVERIFY(ready.wait(60000));
    controller.play();
    QTRY_VERIFY_WITH_TIMEOUT(finished, 120000);
    QCOMPARE(readings.size(), size_t(2));
    for (const auto& [member, series] : readings) {
      QVERIFY2(series.size() >= 90, qPrintable(QString::number(series.size())));
      const double limit = 2 / series.back().learningRate;
      QVERIFY2(std::abs(limit - (member == 0 ? 20.0 : 10.0)) < 1e-5,
               qPrintable(QString::number(limit)));  // lr as float
      qInfo("run %u: sharpness %.3f at the start, %.3f at the end; 2/lr %.3f", member, series.front().lambdaMax,
            series.back().lambdaMax, limit);
      QVERIFY2(series.front().lambdaMax < 0.8 * limit, qPrintable(QString::number(series.front().lambdaMax)));
      for (size_t i = series.size() - 10; i < series.size(); ++i)
        QVERIFY2(std::abs(series[i].lambdaMax - limit) <= 0.2 * limit,
                 qPrintable(QString::number(series[i].lambdaMax)));
    }
  }
};

QTEST_MAIN(TestSharpnessView)
#include "test_sharpness_view.moc"

// The probe views with the runs of a comparison: three runs of one ReLU network on moons that
// differ in their initialisation (A kaiming, B xavier, C N(0, 3) and hidden), trained in lockstep
// as one train::Run set and probed, each member's snapshots fed to the views by Snapshot::member
// as the lab feeds them. Each view must draw the
// visible runs in their colours, side by side or overlaid, on axes that hold the runs' own
// numbers, and leave the hidden run out. Screenshots go to SCREENSHOT_DIR.
#include "data/toy_datasets.h"
#include "support/gpu_test.h"
#include "support/toy_networks.h"
#include "support/ui_test.h"
#include "train/run.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/layer_histograms_view.h"
#include "views/run_style.h"

#include <QCheckBox>
#include <QLabel>
#include <QSignalSpy>
#include <QTabBar>
#include <QTest>
#include <QtCharts/QChartView>

#include <chrono>
#include <cmath>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kSteps = 60;

// The ReLU network with `init` added to its Linear layers' options.
std::string reluNet(const std::string& init) {
  std::string text = test::kReluNet;
  for (size_t at = 0; (at = text.find("out_features=12)", at)) != std::string::npos; at += 16)
    text.replace(at, 16, "out_features=12" + init + ")");
  return text;
}

// Trains a set of one member per network in lockstep to its step limit and keeps each member's
// last probe and decision boundary, by Snapshot::member.
std::vector<std::shared_ptr<train::Snapshot>> trainedSet(gpu::Context& context,
                                                         const std::vector<std::string>& networks,
                                                         std::shared_ptr<const data::Dataset> moons) {
  std::vector<train::RunConfig> members;
  for (const std::string& network : networks) {
    train::RunConfig c;
    c.graph = test::graphOf(network);
    c.train = moons;
    c.options.batch = 40;
    c.options.learningRate = 0.05;
    c.maxSteps = kSteps;
    c.probeEvery = kSteps;
    c.boundaryEvery = kSteps;
    members.push_back(std::move(c));
  }
  std::vector<std::shared_ptr<train::Snapshot>> last;
  for (size_t m = 0; m < networks.size(); ++m) last.push_back(std::make_shared<train::Snapshot>());
  {
    train::Run run(context, std::move(members));
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      if (s->probes) last.at(s->member)->probes = s->probes;
      if (s->boundary) last.at(s->member)->boundary = s->boundary;
    });
    if (!run.waitFor({train::RunState::Ready, train::RunState::Failed}, 60s) || run.state() == train::RunState::Failed)
      throw std::runtime_error("run failed: " + run.latest()->error);
    run.start();
    if (!run.waitFor({train::RunState::Finished}, 120s)) throw std::runtime_error("run did not finish");
  }  // the destructor joins the worker, after its last subscriber call
  return last;
}

// Where a widget inside `view` is in a screenshot of `view`, as a union over `widgets`.
template <class W>
QRectF unionIn(const std::vector<const W*>& widgets, const QWidget& view) {
  QRectF area;
  for (const W* w : widgets) area |= test::rectIn(*w, view);
  return area;
}

// A word-wrapped label whose text does not fit its height is cut off at the bottom.
bool labelWhole(const QLabel& label) { return label.heightForWidth(label.width()) <= label.height(); }

}  // namespace

class TestComparisonViews : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  std::shared_ptr<const data::Dataset> moons_;
  std::vector<std::shared_ptr<train::Snapshot>> runs_;  // members 0, 1, 2
  ui::RunStyles styles_;

  const train::ProbeReport& probes(size_t member) const { return *runs_.at(member)->probes; }

  // The row of `layer` of `report`'s non-loss layers.
  static const train::LayerProbe& layerAt(const train::ProbeReport& report, int row) {
    return report.layers.at(size_t(row));
  }

  // Every row of `view`: its panels on one axis and one set of bins; the axis the union of the
  // shown runs' [min, max] for that layer on an axis of its own, and the union over the rows on
  // the shared axis otherwise; each panel's statistics the engine's; nothing elided.
  void checkRows(const ui::LayerHistogramsView& view, bool gradients) {
    const int rows = view.panelCount() / view.columnCount();
    double sharedLo = INFINITY, sharedHi = -INFINITY;
    std::vector<std::pair<double, double>> ranges;
    for (int r = 0; r < rows; ++r) {
      double lo = INFINITY, hi = -INFINITY;
      for (int c = 0; c < view.columnCount(); ++c) {
        const auto& p = view.panel(r, c);
        const auto& layer = layerAt(probes(size_t(c)), r);
        const auto& want = gradients ? layer.gradient : layer.activation;
        QVERIFY2(p.title().startsWith(QString::fromStdString(layer.node) + " ("), qPrintable(p.title()));
        QCOMPARE(p.stats().min, want.min);
        QCOMPARE(p.stats().max, want.max);
        QVERIFY2(p.elidedTexts().isEmpty(), qPrintable(p.elidedTexts().join(" | ")));
        if (!want.count) continue;
        lo = std::min(lo, want.min), hi = std::max(hi, want.max);
        QCOMPARE(p.axisMin(), view.panel(r, 0).axisMin());
        QCOMPARE(p.axisMax(), view.panel(r, 0).axisMax());
        QVERIFY(p.binsOnAxis());
        QCOMPARE(p.binMin(), p.axisMin());
        QCOMPARE(p.binMax(), p.axisMax());
        double total = 0;
        for (float b : p.drawnBins()) total += b;
        QVERIFY2(std::abs(total - double(want.count)) < 1e-3 * double(want.count),
                 qPrintable(QString("%1: %2 of %3 counts drawn").arg(p.title()).arg(total).arg(want.count)));
      }
      ranges.push_back({lo, hi});
      if (std::isfinite(lo) && !view.panel(r, 0).ownAxis())
        sharedLo = std::min(sharedLo, lo), sharedHi = std::max(sharedHi, hi);
    }
    for (int r = 0; r < rows; ++r) {
      if (!std::isfinite(ranges[size_t(r)].first)) continue;
      const auto& p = view.panel(r, 0);
      const bool own = p.ownAxis() || !view.findChild<QCheckBox*>()->isChecked();
      QCOMPARE(p.axisMin(), own ? ranges[size_t(r)].first : sharedLo);
      QCOMPARE(p.axisMax(), own ? ranges[size_t(r)].second : sharedHi);
    }
  }

  // Each shown run's colour in its own column of bars and nowhere else in the grid; the hidden
  // run's nowhere; the headers the runs' legends, whole, in their colours.
  void checkColumns(ui::LayerHistogramsView& view) {
    const QImage shot = view.grab().toImage();
    const int rows = view.panelCount() / view.columnCount();
    for (int c = 0; c < view.columnCount(); ++c) {
      std::vector<const ui::HistogramPanel*> column;
      for (int r = 0; r < rows; ++r) column.push_back(&view.panel(r, c));
      const QRectF area = unionIn(column, view);
      for (int other = 0; other < view.columnCount(); ++other) {
        const int pixels = test::countPixels(shot, area, styles_[size_t(other)].color, 0);
        if (other == c)
          QVERIFY2(pixels > 300, qPrintable(QString("run %1: %2 pixels").arg(c).arg(pixels)));
        else
          QCOMPARE(pixels, 0);
      }
      const QLabel& header = *view.headers().at(size_t(c));
      QCOMPARE(header.text(), styles_[size_t(c)].legend());
      QVERIFY2(labelWhole(header), qPrintable(header.text()));
      QVERIFY(test::countPixels(shot, test::rectIn(header, view), styles_[size_t(c)].color, 60) > 5);
    }
    QCOMPARE(test::countPixels(shot, view.rect(), styles_[2].color, 24), 0);
  }

 private slots:
  void initTestCase() {
    context_ = test::makeContext();
    moons_ = std::make_shared<data::Dataset>(data::makeToyDataset("moons", {400, 0.1, 2, 2}));
    runs_ = trainedSet(*context_, {reluNet(""), reluNet(", init=xavier_normal"), reluNet(", init=normal, init_std=3")},
                       moons_);
    for (const auto& run : runs_) QVERIFY(run->probes && run->boundary && run->probes->step == kSteps);
    const char* descriptions[] = {"base", "init=xavier_normal", "init=normal, init_std=3"};
    for (uint32_t m = 0; m < 3; ++m) {
      styles_.push_back(ui::defaultRunStyle(m));
      styles_.back().description = descriptions[m];
    }
    styles_[2].visible = false;
    // C's values reach beyond A's and B's: were the hidden run counted, the axes would show it.
    bool wider = false;
    for (size_t l = 0; l < probes(2).layers.size(); ++l)
      wider = wider || probes(2).layers[l].activation.max >
                           1.5 * std::max(probes(0).layers[l].activation.max, probes(1).layers[l].activation.max);
    QVERIFY(wider);
  }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // One row per layer, one column per shown run, the same bins and axis across a row.
  void histogramsSideBySide() {
    ui::LayerHistogramsView view;
    view.resize(900, 960);
    view.show();
    view.setRunStyles(styles_);
    for (uint32_t m = 0; m < 3; ++m) view.setReport(runs_[m]->probes, m);
    view.refresh();
    QTest::qWait(50);  // the grid lays the new panels out
    QCOMPARE(view.columnCount(), 2);
    QCOMPARE(view.panelCount(), 2 * (int(probes(0).layers.size()) - 1));
    QCOMPARE(int(view.headers().size()), 2);
    test::screenshot(view, "comparison_histograms_activations", 100);
    checkRows(view, false);
    checkColumns(view);
    view.setShowGradients(true);
    QTest::qWait(50);
    checkRows(view, true);
    checkColumns(view);
    test::screenshot(view, "comparison_histograms_gradients", 100);
    // Each layer on its own axis: still one axis per row, the union of its runs'.
    view.findChild<QCheckBox*>()->setChecked(false);
    checkRows(view, true);
    // C shown too: a third column, and its range now counts.
    styles_[2].visible = true;
    view.setRunStyles(styles_);
    styles_[2].visible = false;
    view.refresh();
    QCOMPARE(view.columnCount(), 3);
    QVERIFY(view.panel(2, 2).axisMax() >= layerAt(probes(2), 2).gradient.max);
    // A full set of four at the width of a 1280-pixel lab's dock: every panel's text whole.
    ui::RunStyles four = styles_;
    four[2].visible = true;
    four.push_back(ui::defaultRunStyle(3));
    four.back().description = "init=xavier_normal, seed=2";
    view.setRunStyles(four);
    view.setReport(runs_[1]->probes, 3);
    view.setShowGradients(false);
    view.resize(900, 960);
    view.refresh();
    QTest::qWait(50);
    QCOMPARE(view.columnCount(), 4);
    test::screenshot(view, "comparison_histograms_four", 100);
    for (int i = 0; i < view.panelCount(); ++i)
      QVERIFY2(view.panel(i).elidedTexts().isEmpty(), qPrintable(view.panel(i).elidedTexts().join(" | ")));
    for (const QLabel* header : view.headers()) QVERIFY2(labelWhole(*header), qPrintable(header->text()));
  }

  // A run alone (no styles) fills the grid as a single run's view does: four panels a row, no headers, the
  // palette's highlight for bars, each panel's own bins.
  void histogramsOfOneRunAlone() {
    ui::LayerHistogramsView view;
    view.resize(900, 600);
    view.show();
    view.setReport(runs_[1]->probes, 1);  // another member's report is not drawn
    view.setReport(runs_[0]->probes);
    view.refresh();
    QCOMPARE(view.columnCount(), 1);
    QVERIFY(view.headers().empty());
    QCOMPARE(view.panel(0).stats().min, probes(0).layers[0].activation.min);
    QVERIFY(!view.panel(0).binsOnAxis());
    QCOMPARE(view.panel(0).barColor(), view.panel(0).palette().color(QPalette::Highlight));
  }

  // Every shown run's lines overlaid in its colour, the hidden one's nowhere, one legend of runs.
  void depthStatsOverlaid() {
    ui::DepthStatsView view;
    view.resize(1200, 480);
    view.show();
    view.setRunStyles(styles_);
    for (uint32_t m = 0; m < 3; ++m) view.setReport(runs_[m]->probes, m);
    view.refresh();
    QTest::qWait(100);  // the charts lay out
    QCOMPARE(view.runCount(), 2);
    for (int c = 0; c < 2; ++c) {
      const auto stds = view.activationStd(c);
      QCOMPARE(int(stds.size()), int(probes(size_t(c)).layers.size()) - 1);
      for (int i = 0; i < stds.size(); ++i) QCOMPARE(stds[i].y(), probes(size_t(c)).layers[size_t(i)].activation.std);
    }
    test::screenshot(view, "comparison_depth_stats", 100);
    auto checkCharts = [&] {
      for (int chart = 0; chart < 3; ++chart) {
        const QChartView& chartView = *view.chartView(chart);
        const QImage shot = const_cast<QChartView&>(chartView).grab().toImage();
        const QRectF plot = chartView.chart()->plotArea();
        for (int c = 0; c < 2; ++c) {
          const int pixels = test::countPixels(shot, plot, styles_[size_t(c)].color);
          QVERIFY2(pixels > 30, qPrintable(QString("chart %1, run %2: %3 pixels").arg(chart).arg(c).arg(pixels)));
        }
        QCOMPARE(test::countPixels(shot, QRectF(shot.rect()), styles_[2].color), 0);
      }
      const QStringList shortened = test::elided(view.chartTexts());
      QVERIFY2(shortened.isEmpty(), qPrintable(shortened.join(" | ")));
    };
    checkCharts();
    const QString legend = view.runLegend();
    QVERIFY2(legend.contains(styles_[0].legend()) && legend.contains(styles_[1].legend()), qPrintable(legend));
    QVERIFY2(!legend.contains(styles_[2].legend()), qPrintable(legend));
    QVERIFY(labelWhole(*view.findChild<QLabel*>()));
    view.setGradientLogScale(true);
    QTest::qWait(100);
    for (int c = 0; c < 2; ++c) QVERIFY(!view.gradientStd(c).isEmpty());
    checkCharts();
    test::screenshot(view, "comparison_depth_stats_log", 100);
  }

  // One panel per shown run, titled with its legend and framed in its colour, each with its own
  // run's cells; the hidden run nowhere; nothing elided; panels apart and in the view.
  void decisionBoundariesSideBySide() {
    ui::DecisionBoundaryView view;
    view.resize(900, 480);
    view.show();
    view.setData(moons_);
    view.setRunStyles(styles_);
    for (uint32_t m = 0; m < 3; ++m) view.setBoundary(runs_[m]->boundary, m);
    QTest::qWait(60);
    QCOMPARE(view.panelCount(), 2);
    test::screenshot(view, "comparison_decision_boundaries", 100);
    checkBoundaryPanels(view);
    // All three shown in a narrower view: the panels still apart, whole and titled.
    styles_[2].visible = true;
    view.setRunStyles(styles_);
    styles_[2].visible = false;
    view.resize(700, 640);
    QTest::qWait(60);
    QCOMPARE(view.panelCount(), 3);
    QCOMPARE(view.boundary(2), runs_[2]->boundary.get());
    test::screenshot(view, "comparison_decision_boundaries_three", 100);
    const QImage shot = view.grab().toImage();
    for (int i = 0; i < 3; ++i) {
      QVERIFY(QRectF(view.rect()).contains(view.plotRect(i)));
      for (int j = 0; j < i; ++j) QVERIFY(!view.plotRect(i).intersects(view.plotRect(j)));
      QVERIFY(test::countPixels(shot, view.panelTitleRect(i), ui::runColor(uint32_t(i)), 60) > 10);
    }
    QVERIFY2(view.elidedLabels().isEmpty(), qPrintable(view.elidedLabels().join(" | ")));
  }

  // A run alone (no styles) is drawn as a single run's view: one untitled panel with a plain frame.
  void decisionBoundaryOfOneRunAlone() {
    ui::DecisionBoundaryView view;
    view.resize(520, 460);
    view.show();
    view.setData(moons_);
    view.setBoundary(runs_[1]->boundary, 1);  // another member's boundary is not drawn
    QCOMPARE(view.boundary(), nullptr);
    view.setBoundary(runs_[0]->boundary);
    QCOMPARE(view.panelCount(), 1);
    QCOMPARE(view.boundary(), runs_[0]->boundary.get());
    QVERIFY(view.panelTitleRect(0).isEmpty());
    const QImage shot = view.grab().toImage();
    QCOMPARE(test::countPixels(shot, view.rect(), styles_[0].color, 12), 0);
  }

  // A tab per shown run, labelled with its legend in its colour; a tab draws its run's filters
  // tile for tile as a view of that run alone does; a report of a run not shown is kept for its
  // tab; the hidden run has no tab.
  void filtersATabPerRun() {
    auto report = [](uint32_t seed) {  // a first convolution's filters, as a probe delivers them
      auto r = std::make_shared<train::ProbeReport>();
      r->weights.push_back({"c1.weight", nn::Shape{6, 1, 5, 5}, test::randomFloats(150, seed)});
      return std::shared_ptr<const train::ProbeReport>(std::move(r));
    };
    ui::FilterGridView view;
    view.resize(760, 420);
    view.show();
    view.setRunStyles(styles_);
    for (uint32_t m = 0; m < 3; ++m) view.showWeights(report(m + 1), "c1.weight", m);
    const QTabBar& tabs = view.runTabs();
    QVERIFY(tabs.isVisible());
    QCOMPARE(tabs.count(), 2);
    for (int t = 0; t < 2; ++t) {
      QCOMPARE(tabs.tabText(t), styles_[size_t(t)].legend());
      QCOMPARE(tabs.tabTextColor(t), styles_[size_t(t)].color);
    }
    for (int t : {1, 0}) {
      view.showRun(t);
      QCOMPARE(view.shownMember(), uint32_t(t));
      ui::FilterGridView alone;  // the same run's filters, drawn at once
      alone.setWeights(report(uint32_t(t) + 1)->weights[0]);
      QCOMPARE(view.tileCount(), 6);
      for (int i = 0; i < 6; ++i) QVERIFY(view.tile(i) == alone.tile(i));
      QVERIFY2(view.caption().startsWith(styles_[size_t(t)].legend()), qPrintable(view.caption()));
      test::screenshot(view, QString("comparison_filters_run_%1").arg(t), 100);
      const QImage shot = view.grab().toImage();
      for (int other = 0; other < 2; ++other)  // each tab's label in its run's colour
        QVERIFY(
            test::countPixels(shot,
                              test::rectIn(tabs, view)
                                  .intersected(QRectF(tabs.tabRect(other).translated(tabs.mapTo(&view, QPoint(0, 0))))),
                              styles_[size_t(other)].color, 60) > 5);
      QCOMPARE(test::countPixels(shot, view.rect(), styles_[2].color, 24), 0);
      for (int tab = 0; tab < 2; ++tab)
        QVERIFY(tabs.tabRect(tab).width() >= tabs.fontMetrics().horizontalAdvance(tabs.tabText(tab)));
    }
    // Spectra follow the tab: each run's own, computed when its tab is shown.
    QSignalSpy spectra(&view, &ui::FilterGridView::spectraUpdated);
    view.setSpectrumDevice(context_.get());
    view.setDisplay(ui::FilterGridView::Display::Both);
    QVERIFY(spectra.wait(30000));
    QTRY_VERIFY_WITH_TIMEOUT(view.spectraReady(), 10000);
    const QImage spectrumA = view.spectrumTile(0);
    view.showRun(1);
    QVERIFY(spectra.wait(30000));
    QTRY_VERIFY_WITH_TIMEOUT(view.spectraReady(), 10000);
    QVERIFY(view.spectrumTile(0) != spectrumA);
    test::screenshot(view, "comparison_filters_spectra_run_1", 100);
    // A run alone: no tabs, member 0 drawn.
    view.setRunStyles({});
    QVERIFY(!tabs.isVisible());
    QCOMPARE(view.shownMember(), 0u);
    QVERIFY(!view.caption().startsWith(styles_[0].legend()));
  }

  // Clearing forgets every run's filters, not only the shown tab's.
  void filtersClearEveryRun() {
    ui::FilterGridView view;
    view.setRunStyles(styles_);
    for (uint32_t m = 0; m < 2; ++m)
      view.setWeights({"c1.weight", nn::Shape{6, 1, 5, 5}, test::randomFloats(150, m + 1)}, m);
    QCOMPARE(view.tileCount(), 6);
    view.clear();
    for (int t : {1, 0}) {
      view.showRun(t);
      QCOMPARE(view.shownMember(), uint32_t(t));
      QCOMPARE(view.tileCount(), 0);
    }
  }

  // A variant with a layer the base lacks (BatchNorm after h1): its row sits where the variant
  // has it and the base's panel there says the run has no such layer; the other rows still line
  // up layer by layer; the by-depth x-axis names each layer once.
  void variantLayersMergeIntoRows() {
    auto layer = [](const std::string& node, const std::string& type, double lo, double hi) {
      train::LayerProbe l;
      l.node = node, l.type = type;
      auto& s = l.activation;
      s.count = 320, s.min = lo, s.max = hi, s.mean = (lo + hi) / 2, s.std = (hi - lo) / 4;
      s.histogram.assign(train::kHistogramBins, 10.0f);
      return l;
    };
    auto base = std::make_shared<train::ProbeReport>();
    base->layers = {layer("h1", "Linear", -1, 1), layer("a1", "ReLU", 0, 1), layer("logits", "Linear", -2, 2)};
    auto variant = std::make_shared<train::ProbeReport>();
    variant->layers = {layer("h1", "Linear", -1, 1), layer("bn1", "BatchNorm1d", -3, 3), layer("a1", "ReLU", 0, 3),
                       layer("logits", "Linear", -2, 2)};
    ui::RunStyles styles = {ui::defaultRunStyle(0), ui::defaultRunStyle(1)};
    styles[0].description = "base";
    styles[1].description = "BatchNorm1d after every Linear but the last";
    ui::LayerHistogramsView view;
    view.resize(900, 760);
    view.show();
    view.setRunStyles(styles);
    view.setReport(base, 0);
    view.setReport(variant, 1);
    view.findChild<QCheckBox*>()->setChecked(false);  // each row on its own axis
    view.refresh();
    QTest::qWait(50);
    QCOMPARE(view.panelCount(), 8);
    const QStringList rows = {"h1 (Linear)", "bn1 (BatchNorm1d)", "a1 (ReLU)", "logits (Linear)"};
    for (int r = 0; r < 4; ++r) QCOMPARE(view.panel(r, 1).title(), rows[r]);
    QCOMPARE(view.panel(1, 0).title(), rows[1]);
    QCOMPARE(view.panel(1, 0).sampleCount(), uint64_t(0));
    QCOMPARE(view.panel(1, 0).emptyText(), QString("not in this run"));
    QCOMPARE(view.panel(2, 0).axisMin(), 0.0);  // a1: the union of [0, 1] and [0, 3]
    QCOMPARE(view.panel(2, 0).axisMax(), 3.0);
    QCOMPARE(view.panel(2, 1).axisMax(), 3.0);
    for (int i = 0; i < view.panelCount(); ++i) QVERIFY(view.panel(i).elidedTexts().isEmpty());
    for (const QLabel* header : view.headers()) QVERIFY2(labelWhole(*header), qPrintable(header->text()));
    test::screenshot(view, "comparison_histograms_variant", 100);

    ui::DepthStatsView depth;
    depth.resize(1200, 480);
    depth.show();
    depth.setRunStyles(styles);
    depth.setReport(base, 0);
    depth.setReport(variant, 1);
    depth.refresh();
    QCOMPARE(depth.layerCount(), 4);
    QCOMPARE(depth.activationStd(0), (QList<QPointF>{{0, 0.5}, {2, 0.25}, {3, 1.0}}));
    QCOMPARE(depth.activationStd(1), (QList<QPointF>{{0, 0.5}, {1, 1.5}, {2, 0.75}, {3, 1.0}}));
    test::screenshot(depth, "comparison_depth_stats_variant", 100);
  }

  // Runs of different batch sizes are probed at different steps over the same samples: each
  // view says each run's step instead of one for all.
  void viewsSayEachRunsStepWhenTheyDiffer() {
    auto probesB = std::make_shared<train::ProbeReport>(probes(1));
    probesB->step = kSteps / 2;
    auto boundaryB = std::make_shared<train::DecisionBoundary>(*runs_[1]->boundary);
    boundaryB->step = kSteps / 2;
    const QString steps = QString("steps %1 (A), %2 (B)").arg(kSteps).arg(kSteps / 2);

    ui::LayerHistogramsView histograms;
    histograms.setRunStyles(styles_);
    histograms.setReport(runs_[0]->probes, 0);
    histograms.setReport(probesB, 1);
    histograms.refresh();
    QVERIFY2(histograms.caption().contains("at " + steps), qPrintable(histograms.caption()));

    ui::DepthStatsView depth;
    depth.setRunStyles(styles_);
    depth.setReport(runs_[0]->probes, 0);
    depth.setReport(probesB, 1);
    depth.refresh();
    QVERIFY2(depth.runLegend().contains(steps), qPrintable(depth.runLegend()));
    for (const QString& text : depth.chartTexts()) QVERIFY2(!text.contains("(step "), qPrintable(text));

    ui::DecisionBoundaryView boundaries;
    boundaries.resize(900, 480);
    boundaries.setData(moons_);
    boundaries.setRunStyles(styles_);
    boundaries.setBoundary(runs_[0]->boundary, 0);
    boundaries.setBoundary(boundaryB, 1);
    QVERIFY2(!boundaries.titleText().contains("step"), qPrintable(boundaries.titleText()));
    QVERIFY2(boundaries.panelTitle(1).endsWith(QString("step %1").arg(kSteps / 2)),
             qPrintable(boundaries.panelTitle(1)));
    QVERIFY2(boundaries.panelTitle(0).endsWith(QString("step %1").arg(kSteps)), qPrintable(boundaries.panelTitle(0)));
    boundaries.show();
    test::screenshot(boundaries, "comparison_decision_boundaries_steps", 100);
    QVERIFY2(boundaries.elidedLabels().isEmpty(), qPrintable(boundaries.elidedLabels().join(" | ")));
    // The same steps: one for all, in the title.
    boundaries.setBoundary(runs_[1]->boundary, 1);
    QCOMPARE(boundaries.panelTitle(1), styles_[1].legend());
    QVERIFY(boundaries.titleText().contains(QString("at step %1").arg(kSteps)));
  }

 private:
  void checkBoundaryPanels(ui::DecisionBoundaryView& view) {
    const QImage shot = view.grab().toImage();
    QVERIFY(!view.plotRect(0).intersects(view.plotRect(1)));
    for (int i = 0; i < 2; ++i) {
      const QColor colour = styles_[size_t(i)].color;
      const QRectF plot = view.plotRect(i);
      QVERIFY(QRectF(view.rect()).contains(plot));
      QCOMPARE(view.boundary(i), runs_[size_t(i)]->boundary.get());
      // The frame: a strip of the run's colour along each side of the plot.
      for (const QRectF& strip : {QRectF(plot.left() - 4, plot.top() - 4, plot.width() + 8, 4),
                                  QRectF(plot.left() - 4, plot.bottom(), plot.width() + 8, 4),
                                  QRectF(plot.left() - 4, plot.top(), 4, plot.height()),
                                  QRectF(plot.right(), plot.top(), 4, plot.height())}) {
        const int pixels = test::countPixels(shot, strip, colour, 12);
        QVERIFY2(pixels > std::max(strip.width(), strip.height()) * 0.8,
                 qPrintable(QString("panel %1 frame: %2 pixels").arg(i).arg(pixels)));
      }
      const QRectF title = view.panelTitleRect(i);
      QVERIFY(title.bottom() <= plot.top());
      QVERIFY2(test::countPixels(shot, title, colour, 60) > 10, qPrintable(styles_[size_t(i)].legend()));
      // The run's own cells, away from the data points.
      const auto& b = *runs_[size_t(i)]->boundary;
      int checked = 0;
      for (uint32_t cell : {0u, 63u, 64u * 63, 64u * 64 - 1, 64u * 32 + 5}) {
        const QPointF at = view.toWidget(b.cellX(cell % 64), b.cellY(cell / 64), i);
        bool nearPoint = false;
        for (uint32_t s = 0; s < moons_->size() && !nearPoint; ++s)
          nearPoint = QLineF(view.toWidget(moons_->raw(s, 0), moons_->raw(s, 1), i), at).length() < 8;
        if (nearPoint) continue;
        ++checked;
        const QColor want = view.cellColor(b.cellClass[cell], b.confidence[cell], b.classes);
        QVERIFY2(test::countPixels(shot, QRectF(at, QSizeF(1, 1)), want, 8) >= 1,
                 qPrintable(QString("panel %1 cell %2").arg(i).arg(cell)));
      }
      QVERIFY(checked >= 3);
    }
    QCOMPARE(test::countPixels(shot, view.rect(), styles_[2].color, 24), 0);
    QVERIFY2(view.elidedLabels().isEmpty(), qPrintable(view.elidedLabels().join(" | ")));
  }
};

QTEST_MAIN(TestComparisonViews)
#include "test_comparison_views.moc"

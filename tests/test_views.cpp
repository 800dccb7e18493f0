// The live views with real data: probes of networks trained by train::Run feed the layer
// histograms and depth statistics, LeNet's and an MLP's learned weights the filter grid (with
// VkFFT spectra), a run's decision boundaries the boundary view, and optimizers racing down
// Rosenbrock the surface view. Screenshots of each go to SCREENSHOT_DIR for people to look at.
#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "optim/optimizer.h"
#include "support/gpu_test.h"
#include "support/ui_test.h"
#include "surface_race_runner.h"
#include "train/run.h"
#include "views/color_map.h"
#include "views/contours.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/layer_histograms_view.h"
#include "views/surface_race_panel.h"
#include "views/surface_view.h"

#include <QApplication>
#include <QDir>
#include <QFile>
#include <QImage>
#include <QLabel>
#include <QLineEdit>
#include <QPixmap>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QSignalSpy>
#include <QTest>
#include <QtCharts/QChartView>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <numbers>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

// Runs `config` to its step limit and returns the last snapshot with each kind of payload.
struct RunResult {
  std::shared_ptr<const train::ProbeReport> probes;
  std::shared_ptr<const train::DecisionBoundary> boundary;
};
RunResult runToEnd(gpu::Context& context, train::RunConfig config) {
  RunResult result;
  {
    train::Run run(context, std::move(config));
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      if (s->probes) result.probes = s->probes;
      if (s->boundary) result.boundary = s->boundary;
    });
    if (!run.waitFor({train::RunState::Ready, train::RunState::Failed}, 60s) || run.state() == train::RunState::Failed)
      throw std::runtime_error("run failed: " + run.latest()->error);
    run.start();
    if (!run.waitFor({train::RunState::Finished}, 120s))
      throw std::runtime_error("run did not finish: " + run.latest()->error);
  }  // the destructor joins the worker, after its last subscriber call
  return result;
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

// The initialisation demo as the lab's first demo runs it: Fashion-MNIST images flattened into
// tanh layers with N(0, 0.01) weights, whose activations and gradients vanish layer by layer
// (over orders of magnitude), trained 10 steps and probed at the last.
std::shared_ptr<const train::ProbeReport> initDemoProbes(gpu::Context& context) {
  static std::shared_ptr<const train::ProbeReport> probes;
  if (probes) return probes;
  std::string text = "input x: 1x28x28\nflat = Flatten(x)\n", previous = "flat";
  for (int i = 1; i <= 6; ++i) {
    const std::string n = std::to_string(i);
    text += "h" + n + " = Linear(" + previous + ", out_features=256, init=normal, init_std=0.01)\n";
    text += "a" + n + " = Tanh(h" + n + ")\n";
    previous = "a" + n;
  }
  text += "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n";
  train::RunConfig c;
  c.graph = test::graphOf(text);
  c.train = images(640);
  c.options.batch = 64;
  c.options.learningRate = 0.05;
  c.maxSteps = 10;
  c.probeEvery = 10;
  probes = runToEnd(context, c).probes;
  return probes;
}

// What `w` draws now (grab() repaints, so it is not const; the views hand out const panels).
QImage drawn(const QWidget& w) { return const_cast<QWidget&>(w).grab().toImage(); }

// From the first to the last pixel column of `r` in `image` that holds `colour`: how wide a
// series is drawn (0: not at all).
int extentOf(const QImage& image, const QRect& r, QColor colour) {
  int first = -1, last = -2;
  for (int x = std::max(r.left(), 0); x <= std::min(r.right(), image.width() - 1); ++x)
    for (int y = std::max(r.top(), 0); y <= std::min(r.bottom(), image.height() - 1); ++y)
      if (image.pixelColor(x, y).rgb() == colour.rgb()) {
        if (first < 0) first = x;
        last = x;
        break;
      }
  return last - first + 1;
}

int pixelsWith(const QImage& image, QColor colour) {
  int n = 0;
  for (int y = 0; y < image.height(); ++y)
    for (int x = 0; x < image.width(); ++x) n += image.pixelColor(x, y).rgb() == colour.rgb();
  return n;
}

// Every panel of `view` as drawn: a finite, non-empty axis holding the panel's values, equal to
// the engine's [min, max] on an axis of its own and to the union of the shared panels' otherwise;
// bars at least a tenth of the plot wide (a histogram, not a line); nothing elided.
void checkHistogramPanels(const gradlab::ui::LayerHistogramsView& view) {
  double sharedLo = INFINITY, sharedHi = -INFINITY;
  for (int i = 0; i < view.panelCount(); ++i)
    if (const auto& p = view.panel(i); p.sampleCount() && !p.ownAxis())
      sharedLo = std::min(sharedLo, p.stats().min), sharedHi = std::max(sharedHi, p.stats().max);
  for (int i = 0; i < view.panelCount(); ++i) {
    const auto& p = view.panel(i);
    const QString what = p.title() + (view.showsGradients() ? " gradient" : " activation");
    QVERIFY2(p.elidedTexts().isEmpty(), qPrintable(what + ": " + p.elidedTexts().join(", ")));
    if (!p.sampleCount()) continue;
    const auto& s = p.stats();
    QVERIFY2(std::isfinite(p.axisMin()) && std::isfinite(p.axisMax()) && p.axisMin() < p.axisMax(), qPrintable(what));
    QCOMPARE(p.axisMin(), p.ownAxis() ? s.min : sharedLo);
    QCOMPARE(p.axisMax(), p.ownAxis() ? s.max : sharedHi);
    for (const QString& label : p.axisLabels())
      QVERIFY2(!label.contains("inf") && !label.contains("nan"), qPrintable(label));
    const QImage image = drawn(p);
    const int wide = extentOf(image, p.plotRect().toRect(), p.palette().color(QPalette::Highlight));
    QVERIFY2(wide >= p.plotRect().width() / 10 - 2,
             qPrintable(QString("%1: bars %2 px wide of %3").arg(what).arg(wide).arg(p.plotRect().width())));
  }
}

// What a surface view shows, read off its pixels: each path in its colour inside the plot, its
// head where the path's last point is, the legend beside the plot (never over it) with every
// colour, no label shortened.
void checkSurfaceShowsPaths(gradlab::ui::SurfaceView& view) {
  const QImage shot = view.grab().toImage();
  const QRectF plot = view.plotRect(), legend = view.legendRect();
  for (int i = 0; i < view.trajectoryCount(); ++i) {
    const QColor colour = view.pathColour(i);
    const int pixels = test::countPixels(shot, plot, colour);
    QVERIFY2(pixels > 40, qPrintable(QString("path %1: %2 pixels of %3").arg(i).arg(pixels).arg(colour.name())));
    const auto& last = view.points(i)[size_t(view.shownPoints(i)) - 1];
    const QPointF head = view.toWidget(last.x, last.y);
    if (plot.contains(head))  // a path may run out of the window (the saddle falls away forever)
      QVERIFY2(test::countPixels(shot, QRectF(head - QPointF(4, 4), QSizeF(8, 8)), colour) > 20,
               qPrintable(colour.name()));
    QVERIFY(test::countPixels(shot, legend, colour) > 10);
  }
  QVERIFY(!legend.isEmpty());
  QVERIFY2(!legend.intersects(plot), qPrintable(QString("legend %1,%2 %3x%4 over the plot")
                                                    .arg(legend.x())
                                                    .arg(legend.y())
                                                    .arg(legend.width())
                                                    .arg(legend.height())));
  QVERIFY(QRectF(view.rect()).contains(legend));
  QVERIFY2(view.elidedLabels().isEmpty(), qPrintable(view.elidedLabels().join(" | ")));
}

// What a filter grid shows, read off its pixels, for tiles of one plane each (one input channel):
// each tile in sight drawn cell for cell as the view's tile image, its brightest cell where the
// filter's weight is largest and its darkest where it is smallest; with spectra each spectrum cell
// for cell as its image, in colour; no caption cut short. Returns the tiles checked.
int checkFilterGridShows(gradlab::ui::FilterGridView& view, const train::WeightSnapshot& w) {
  const QImage shot = view.grab().toImage();
  const QRectF seen = test::rectIn(*view.findChild<QScrollArea*>()->viewport(), view);
  auto matches = [&](const QRect& r, const QImage& tile) {  // every cell's centre in the tile's colour
    int wrong = 0;
    for (int y = 0; y < tile.height(); ++y)
      for (int x = 0; x < tile.width(); ++x) {
        const QPointF at(r.left() + (x + 0.5) * r.width() / tile.width(),
                         r.top() + (y + 0.5) * r.height() / tile.height());
        wrong += test::countPixels(shot, QRectF(at, QSizeF(1, 1)), tile.pixelColor(x, y), 12) == 0;
      }
    return wrong;
  };
  const size_t plane = size_t(view.tileSize().width()) * size_t(view.tileSize().height());
  int checked = 0;
  for (int i = 0; i < view.tileCount(); ++i) {
    const QRect r = view.tileRect(i);
    if (!seen.contains(r)) continue;
    ++checked;
    const int wrong = matches(r, view.tile(i));
    if (wrong > 0) return qWarning("tile %d: %d cells not drawn as the tile", i, wrong), -1;
    const auto first = w.values.begin() + std::ptrdiff_t(size_t(i) * plane);
    const auto [lo, hi] = std::minmax_element(first, first + std::ptrdiff_t(plane));
    int darkest = 255, brightest = 0;
    for (size_t k = 0; k < plane; ++k) {
      const int g = qGray(view.tile(i).pixel(int(k % view.tileSize().width()), int(k / view.tileSize().width())));
      darkest = std::min(darkest, g), brightest = std::max(brightest, g);
    }
    const size_t h = size_t(hi - first), l = size_t(lo - first);
    const QColor atHi = view.tile(i).pixelColor(int(h % view.tileSize().width()), int(h / view.tileSize().width()));
    const QColor atLo = view.tile(i).pixelColor(int(l % view.tileSize().width()), int(l / view.tileSize().width()));
    if (qGray(atHi.rgb()) != brightest || qGray(atLo.rgb()) != darkest || brightest - darkest < 64)
      return qWarning("tile %d: largest weight %d, smallest %d, range %d..%d", i, qGray(atHi.rgb()), qGray(atLo.rgb()),
                      darkest, brightest),
             -1;
    if (!view.spectraReady()) continue;
    const QRect s = view.spectrumRect(i);
    if (s.isEmpty() || matches(s, view.spectrumTile(i)) > 0) return qWarning("spectrum %d not drawn", i), -1;
    int coloured = 0;
    for (int y = 0; y < view.spectrumTile(i).height(); ++y)
      for (int x = 0; x < view.spectrumTile(i).width(); ++x) {
        const QColor c = view.spectrumTile(i).pixelColor(x, y);
        coloured += c.red() != c.green() || c.green() != c.blue();
      }
    if (coloured < view.spectrumTile(i).width() * view.spectrumTile(i).height() / 2)
      return qWarning("spectrum %d grey", i), -1;
  }
  for (const QLabel* label : view.findChildren<QLabel*>())
    if (label->isVisible() && !label->wordWrap() && label->sizeHint().width() > label->width())
      return qWarning("'%s' cut short", qPrintable(label->text())), -1;
  return checked;
}

}  // namespace

class TestViews : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  std::shared_ptr<const train::ProbeReport> depthProbes_;

 private slots:
  void initTestCase() {
    context_ = test::makeContext();
    // Ten tanh layers of 500 units (the initialisation demo) trained 20 steps on noise, probed.
    train::RunConfig c;
    c.graph = test::graphOf(test::networkText("depth_net_tanh.net"));
    auto noise = data::makeGaussianNoise(640, nn::Shape{500}, 4);
    for (uint32_t i = 0; i < noise.size(); ++i) noise.labels[i] = i % 10;
    noise.classes = 10;
    c.train = std::make_shared<data::Dataset>(noise);
    c.options.batch = 64;
    c.options.learningRate = 0.05;
    c.maxSteps = 20;
    c.probeEvery = 10;
    depthProbes_ = runToEnd(*context_, c).probes;
    QVERIFY(depthProbes_ && depthProbes_->step == 20);
  }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void layerHistogramsShowEveryLayer() {
    gradlab::ui::LayerHistogramsView view;
    view.resize(960, 620);
    view.show();
    view.setReport(depthProbes_);
    view.refresh();
    // Every layer but the loss, in forward order, with its 32 bins filled.
    QCOMPARE(view.panelCount(), int(depthProbes_->layers.size()) - 1);
    for (int i = 0; i < view.panelCount(); ++i) {
      QCOMPARE(view.panel(i).binCount(), int(train::kHistogramBins));
      QVERIFY(view.panel(i).sampleCount() > 0);
      QVERIFY(view.panel(i).title().startsWith(QString::fromStdString(depthProbes_->layers[size_t(i)].node) + " ("));
      float total = 0;
      for (float b : view.panel(i).stats().histogram) total += b;
      QCOMPARE(uint64_t(total), view.panel(i).sampleCount());
    }
    test::screenshot(view, "views_layer_histograms_activations", 100);
    checkHistogramPanels(view);
    view.setShowGradients(true);
    for (int i = 0; i < view.panelCount(); ++i)
      QVERIFY2(view.panel(i).sampleCount() > 0, qPrintable(view.panel(i).title()));
    QTest::qWait(50);
    checkHistogramPanels(view);
    QCOMPARE(view.panel(0).stats().mean, depthProbes_->layers[0].gradient.mean);
    view.setPalette(test::darkPalette());
    test::screenshot(view, "views_layer_histograms_gradients_dark", 100);
  }

  // The initialisation demo's vanishing activations and gradients on "Same x-axis": every
  // histogram readable (layers under 1/10 of the shared range on their own, marked, axis), the
  // first Flatten's gradient, which no backward pass computes, shown as such.
  void histogramsOfVanishingValuesStayReadable() {
    const auto probes = initDemoProbes(*context_);
    QVERIFY(probes);
    gradlab::ui::LayerHistogramsView view;
    view.resize(960, 900);
    view.show();
    view.setReport(probes);
    view.refresh();
    QTest::qWait(50);  // the grid lays the new panels out
    QCOMPARE(view.panel(0).title(), QString("flat (Flatten)"));
    checkHistogramPanels(view);
    test::screenshot(view, "views_layer_histograms_init_demo_activations", 100);
    view.setShowGradients(true);
    QCOMPARE(view.panel(0).sampleCount(), uint64_t(0));  // no gradient reaches the input's Flatten
    int own = 0;
    for (int i = 1; i < view.panelCount(); ++i) {
      QVERIFY(view.panel(i).sampleCount() > 0);
      own += view.panel(i).ownAxis();
    }
    QVERIFY2(own > 0, "vanishing gradients span orders of magnitude: some need their own axis");
    QVERIFY2(view.caption().contains(QString("%1 on their own axis").arg(own)), qPrintable(view.caption()));
    checkHistogramPanels(view);
    test::screenshot(view, "views_layer_histograms_init_demo_gradients", 100);
  }

  // NaN and infinite statistics, and constant tensors (min == max), still get finite axes; a
  // constant's bar is drawn at its value.
  void histogramsOfNonFiniteAndConstantValues() {
    auto report = std::make_shared<train::ProbeReport>();
    auto add = [&](const std::string& name, double mean, double lo, double hi) {
      train::LayerProbe l;
      l.node = name;
      l.type = "Linear";
      l.activation.count = 100;
      l.activation.mean = mean, l.activation.min = lo, l.activation.max = hi;
      l.activation.histogram.assign(train::kHistogramBins, 0.0f);
      l.activation.histogram[0] = std::isfinite(mean) ? 100.0f : 0.0f;
      report->layers.push_back(l);
    };
    add("broken", NAN, -INFINITY, INFINITY);
    add("zero", 0, 0, 0);
    add("three", 3, 3, 3);
    gradlab::ui::LayerHistogramsView view;
    view.resize(960, 300);
    view.show();
    view.setReport(report);
    view.refresh();
    QTest::qWait(50);  // the grid lays the new panels out
    for (int i = 0; i < view.panelCount(); ++i) {
      const auto& p = view.panel(i);
      QVERIFY2(std::isfinite(p.axisMin()) && std::isfinite(p.axisMax()) && p.axisMin() < p.axisMax(),
               qPrintable(p.title()));
      for (const QString& label : p.axisLabels())
        QVERIFY2(!label.contains("inf") && !label.contains("nan"), qPrintable(label));
    }
    const QColor bar = view.panel(0).palette().color(QPalette::Highlight);
    QCOMPARE(extentOf(drawn(view.panel(0)), view.panel(0).plotRect().toRect(), bar), 0);
    for (int i : {1, 2}) {  // one bar, in the middle of the axis where the value is
      const auto& p = view.panel(i);
      const double value = p.stats().min;
      QCOMPARE((p.axisMin() + p.axisMax()) / 2, value);
      const QRectF plot = p.plotRect();
      const int x = int(plot.left() + plot.width() / 2);
      QVERIFY2(extentOf(drawn(p), QRect(x - 2, int(plot.top()), 5, int(plot.height())), bar) >= 1,
               qPrintable(p.title()));
    }
    test::screenshot(view, "views_layer_histograms_not_finite", 100);
  }

  void depthStatsFollowTheLayers() {
    gradlab::ui::DepthStatsView view;
    view.resize(1200, 420);
    view.show();
    view.setReport(depthProbes_);
    view.refresh();
    const int layers = int(depthProbes_->layers.size()) - 1;
    QCOMPARE(view.layerCount(), layers);
    const auto stds = view.activationStd();
    QCOMPARE(int(stds.size()), layers);
    QCOMPARE(stds[1].y(), depthProbes_->layers[1].activation.std);
    QCOMPARE(int(view.deadPercent().size()), layers);
    for (int i = 0; i < layers; ++i)
      QCOMPARE(view.deadPercent()[i], 100 * depthProbes_->layers[size_t(i)].activation.deadFraction.value_or(0));
    view.setGradientLogScale(true);
    QCOMPARE(int(view.gradientStd().size()), layers);
    for (const QPointF& p : view.gradientStd()) QVERIFY(p.y() > 0);
    test::screenshot(view, "views_depth_stats_log", 100);
    for (const QString& text : view.chartTexts())
      QVERIFY2(!text.contains("...") && !text.contains(QChar(0x2026)), qPrintable(view.chartTexts().join(" | ")));
  }

  // The initialisation demo's gradients vanish over orders of magnitude: on the log scale every
  // layer with a gradient is a point at its std, the axis holds them within a tick of each end,
  // no label is elided; the flattened images' black pixels are not dead units.
  void depthStatsOfVanishingGradients() {
    const auto probes = initDemoProbes(*context_);
    QVERIFY(probes);
    gradlab::ui::DepthStatsView view;
    view.resize(1200, 420);
    view.show();
    view.setReport(probes);
    view.setGradientLogScale(true);
    QTest::qWait(100);
    std::vector<double> stds;
    for (const auto& l : probes->layers)
      if (l.gradient.count && l.gradient.std > 0) stds.push_back(l.gradient.std);
    QCOMPARE(int(view.gradientStd().size()), int(stds.size()));
    for (size_t i = 0; i < stds.size(); ++i) QCOMPARE(view.gradientStd()[qsizetype(i)].y(), stds[i]);
    const auto [lo, hi] = view.gradientAxisRange();
    const double smallest = *std::min_element(stds.begin(), stds.end());
    const double largest = *std::max_element(stds.begin(), stds.end());
    QVERIFY2(largest / smallest > 1e3, qPrintable(QString("%1 .. %2").arg(smallest).arg(largest)));
    QVERIFY2(lo <= smallest && hi >= largest, qPrintable(QString("axis %1 .. %2").arg(lo).arg(hi)));
    int ticks = 0;
    for (const QString& text : view.chartTexts()) {
      QVERIFY2(!text.contains("...") && !text.contains(QChar(0x2026)), qPrintable(text));
      ticks += text.contains(QRegularExpression("^1e[-+]\\d+$"));
    }
    QVERIFY2(ticks >= 3, qPrintable(view.chartTexts().join(" | ")));
    // The std line is drawn: pixels of its colour in the gradient chart.
    QVERIFY(pixelsWith(drawn(*view.chartView(1)), QColor(214, 39, 40)) > 100);
    // A tanh network has no dead units: no grey bar in the plot, the legend's swatch aside.
    const QImage fractions = drawn(*view.chartView(2));
    const QRect plot = view.chartView(2)->chart()->plotArea().toRect();
    QCOMPARE(pixelsWith(fractions.copy(plot), QColor(127, 127, 127)), 0);
    for (qreal dead : view.deadPercent()) QCOMPARE(dead, 0.0);
    test::screenshot(view, "views_depth_stats_init_demo_log", 100);
  }

  // At the smallest size its layout allows (a short dock), empty and with the initialisation
  // demo's fifteen layers, every title, legend entry and layer name is whole.
  void depthStatsReadableAtTheirMinimumSize() {
    const auto probes = initDemoProbes(*context_);
    QVERIFY(probes);
    gradlab::ui::DepthStatsView view;
    view.resize(view.minimumSizeHint());
    view.show();
    QTest::qWait(100);
    for (const auto& report : {std::shared_ptr<const train::ProbeReport>(), probes}) {
      view.setReport(report);
      view.refresh();
      QTest::qWait(100);  // the charts lay out their labels
      test::screenshot(view, report ? "views_depth_stats_minimum_size" : "views_depth_stats_minimum_size_empty", 100);
      const QStringList shortened = test::elided(view.chartTexts());
      QVERIFY2(shortened.isEmpty(),
               qPrintable(QString("%1x%2: ").arg(view.width()).arg(view.height()) + shortened.join(" | ")));
      for (int i = 0; i < 3; ++i) {  // no text above a plot but its chart's title
        const QChart* chart = view.chartView(i)->chart();
        for (const QGraphicsItem* item : view.chartView(i)->scene()->items()) {
          const auto* text = dynamic_cast<const QGraphicsTextItem*>(item);
          if (text && text->isVisible() && text->toPlainText() != chart->title())
            QVERIFY2(item->sceneBoundingRect().bottom() > chart->plotArea().top(), qPrintable(text->toPlainText()));
        }
      }
    }
    int named = 0;  // layers named under the charts: thinned to fit, never none
    for (const auto& l : probes->layers) named += view.chartTexts().count(QString::fromStdString(l.node));
    QVERIFY2(named >= 3 * 3, qPrintable(view.chartTexts().join(" | ")));
  }

  // Gradients over 24 decades (ten N(0, 0.01) layers) and one that is exactly zero: the log axis
  // spans the positive ones with a few unelided labels; the zero has no place on it.
  void depthStatsLogAxisOverManyDecades() {
    auto report = std::make_shared<train::ProbeReport>();
    for (int i = 0; i <= 12; ++i) {
      train::LayerProbe l;
      l.node = "h" + std::to_string(i);
      l.type = "Linear";
      l.activation.count = l.gradient.count = 100;
      l.activation.std = 1;
      l.gradient.std = i == 0 ? 0.0 : std::pow(10.0, -2.0 * i);
      report->layers.push_back(l);
    }
    gradlab::ui::DepthStatsView view;
    view.resize(1200, 420);
    view.show();
    view.setReport(report);
    view.setGradientLogScale(true);
    QTest::qWait(100);
    QCOMPARE(int(view.gradientStd().size()), 12);
    const auto [lo, hi] = view.gradientAxisRange();
    QVERIFY2(lo <= 1e-24 && hi >= 1e-2 && hi <= 1, qPrintable(QString("axis %1 .. %2").arg(lo).arg(hi)));
    int ticks = 0;
    for (const QString& text : view.chartTexts()) {
      QVERIFY2(!text.contains("...") && !text.contains(QChar(0x2026)), qPrintable(view.chartTexts().join(" | ")));
      ticks += text.contains(QRegularExpression("^1e[-+]\\d+$"));
    }
    QVERIFY2(ticks >= 3, qPrintable(view.chartTexts().join(" | ")));
    test::screenshot(view, "views_depth_stats_many_decades", 100);
  }

  void filterGridShowsLeNetFiltersAndSpectra() {
    train::RunConfig c;
    c.graph = test::graphOf(test::networkText("lenet5.net"));
    c.train = images(640);
    c.options.batch = 32;
    c.options.learningRate = 0.1;
    c.maxSteps = 20;
    c.probeEvery = 20;
    c.weightSnapshots = {"c1.weight", "c3.weight"};
    const auto probes = runToEnd(*context_, c).probes;
    QVERIFY(probes && probes->weights.size() == 2);
    const auto& c1 = probes->weights[0];
    const auto& c3 = probes->weights[1];
    QCOMPARE(c1.shape, (nn::Shape{6, 1, 5, 5}));

    gradlab::ui::FilterGridView view;
    view.resize(760, 420);
    view.show();
    view.setWeights(c3);
    QCOMPARE(view.tileCount(), 16);  // one tile per output channel
    QVERIFY(view.channelNote().contains("mean over 6"));
    view.setChannels(gradlab::ui::FilterGridView::Channels::First);
    QVERIFY(view.channelNote().contains("first of 6"));
    // The tile of filter 0, first input channel: its largest weight is white or black.
    {
      int extreme = 0;
      for (int y = 0; y < 5; ++y)
        for (int x = 0; x < 5; ++x) extreme = std::max(extreme, std::abs(qGray(view.tile(0).pixel(x, y)) - 128));
      QVERIFY(extreme >= 126);
    }

    view.setWeights(c1);
    QCOMPARE(view.tileCount(), 6);
    QVERIFY(view.channelNote().contains("grey"));
    QSignalSpy spectra(&view, &gradlab::ui::FilterGridView::spectraUpdated);
    view.setSpectrumDevice(context_.get());
    view.setDisplay(gradlab::ui::FilterGridView::Display::Both);
    QVERIFY(spectra.wait(30000));
    QVERIFY(view.spectraReady());
    QCOMPARE(view.spectrumSize(), 16u);
    QCOMPARE(view.spectrumTile(5).size(), QSize(16, 16));
    test::screenshot(view, "views_filters_lenet_c1_spectra", 100);
    QCOMPARE(checkFilterGridShows(view, c1), 6);
  }

  void filterGridShowsDenseWeightsAsImages() {
    train::RunConfig c;
    c.graph = test::graphOf(test::networkText("mlp_784_256_10.net"));
    c.train = images(2560);
    c.options.batch = 64;
    c.options.learningRate = 0.1;
    c.maxSteps = 40;
    c.probeEvery = 40;
    c.weightSnapshots = {"h1.weight"};
    const auto probes = runToEnd(*context_, c).probes;
    QVERIFY(probes && probes->weights.size() == 1);
    gradlab::ui::FilterGridView view;
    view.resize(900, 600);
    view.show();
    view.setImageShape(nn::Shape{1, 28, 28});
    view.setWeights(probes->weights[0]);
    QCOMPARE(view.tileCount(), 256);
    QCOMPARE(view.tileSize(), QSize(28, 28));
    view.setSharedScale(true);
    test::screenshot(view, "views_filters_mlp_h1", 100);
    const int shown = checkFilterGridShows(view, probes->weights[0]);
    QVERIFY2(shown >= 12, qPrintable(QString::number(shown)));
    // A shape that is not a filter bank says so instead of drawing nonsense.
    view.setWeights({"logits.bias", nn::Shape{10}, std::vector<float>(10, 0.1f)});
    QCOMPARE(view.tileCount(), 0);
    QVERIFY(!view.message().isEmpty());
  }

  void filterGridDrawsLiveReportsOnAWorker() {
    // Reports of an MLP's first layer, as a run's probes deliver them.
    auto report = [](uint32_t seed) {
      auto r = std::make_shared<train::ProbeReport>();
      r->step = seed;
      r->weights.push_back({"h1.weight", nn::Shape{256, 784}, test::randomFloats(256 * 784, seed)});
      r->weights.push_back({"h1.bias", nn::Shape{256}, test::randomFloats(256, seed + 100)});
      return std::shared_ptr<const train::ProbeReport>(std::move(r));
    };
    gradlab::ui::FilterGridView reference;  // drawn at once, on this thread
    reference.setImageShape(nn::Shape{1, 28, 28});
    reference.setWeights(report(3)->weights[0]);
    QCOMPARE(reference.tileCount(), 256);

    gradlab::ui::FilterGridView live;
    live.resize(900, 600);
    live.show();
    live.setImageShape(nn::Shape{1, 28, 28});
    QSignalSpy drawn(&live, &gradlab::ui::FilterGridView::tilesUpdated);
    // Three reports faster than they are drawn: the UI thread only keeps them, and the latest
    // is what ends up on screen, tile for tile as setWeights draws it.
    for (uint32_t seed : {1u, 2u, 3u}) live.showWeights(report(seed), "h1.weight");
    QCOMPARE(live.tileCount(), 0);
    QVERIFY(drawn.wait(10000));
    auto sameAsReference = [&] {
      if (live.tileCount() != reference.tileCount()) return false;
      for (int i = 0; i < live.tileCount(); ++i)
        if (live.tile(i) != reference.tile(i)) return false;
      return true;
    };
    QTRY_VERIFY_WITH_TIMEOUT(sameAsReference(), 10000);
    gradlab::ui::FilterGridView first;  // the first report looks different, so the check above can fail
    first.setImageShape(nn::Shape{1, 28, 28});
    first.setWeights(report(1)->weights[0]);
    QVERIFY(first.tile(0) != reference.tile(0));
    // A report without the tensor changes nothing.
    auto other = std::make_shared<train::ProbeReport>();
    other->weights.push_back({"c1.weight", nn::Shape{6, 1, 5, 5}, test::randomFloats(150, 9)});
    // First let the view settle: the filters' spectra are computed on a worker too, and the tiles
    // are drawn once more when they arrive (this test failed now and then without the wait).
    for (int last = -1; last != int(drawn.count());) {
      last = int(drawn.count());
      QTest::qWait(300);
    }
    const int drawings = int(drawn.count());
    live.showWeights(other, "h1.weight");
    QTest::qWait(100);
    QCOMPARE(int(drawn.count()), drawings);
    QVERIFY(sameAsReference());
  }

  void decisionBoundaryFollowsTheRun() {
    train::RunConfig c;
    c.graph = test::graphOf(test::networkText("toy_mlp_2d.net"));
    auto moons = std::make_shared<data::Dataset>(data::makeToyDataset("moons", {400, 0.1, 2, 2}));
    c.train = moons;
    c.options.batch = 40;
    c.options.learningRate = 0.3;
    c.maxSteps = 400;
    c.snapshotEvery = 50;
    c.boundaryEvery = 100;
    const auto boundary = runToEnd(*context_, c).boundary;
    QVERIFY(boundary && boundary->step == 400 && boundary->grid == 64);

    gradlab::ui::DecisionBoundaryView view;
    view.resize(520, 460);
    view.show();
    view.setData(moons);
    view.setBoundary(boundary);
    QTest::qWait(60);
    const QImage shot = view.grab().toImage();
    // The heatmap under a few cell centres away from points has the cell's class colour.
    int checked = 0;
    for (uint32_t cell : {0u, 63u, 64u * 63, 64u * 64 - 1, 64u * 32 + 5}) {
      const uint32_t i = cell / 64, j = cell % 64;
      const QPointF at = view.toWidget(boundary->cellX(j), boundary->cellY(i));
      const QColor want = view.cellColor(boundary->cellClass[cell], boundary->confidence[cell], boundary->classes);
      const QColor got = shot.pixelColor(at.toPoint() * shot.devicePixelRatio());
      bool nearPoint = false;
      for (uint32_t s = 0; s < moons->size(); ++s)
        nearPoint = nearPoint || QLineF(view.toWidget(moons->raw(s, 0), moons->raw(s, 1)), at).length() < 8;
      if (nearPoint) continue;
      ++checked;
      QVERIFY2(
          std::abs(got.red() - want.red()) + std::abs(got.green() - want.green()) + std::abs(got.blue() - want.blue()) <
              8,
          qPrintable(QString("cell %1: %2 vs %3").arg(cell).arg(got.name(), want.name())));
    }
    QVERIFY(checked >= 3);
    // The points in their class colours, the axes spanning the boundary's extent, no label cut.
    for (uint32_t c = 0; c < 2; ++c)
      QVERIFY(test::countPixels(shot, view.plotRect(), gradlab::ui::categoryColor(c), 12) > 100);
    QCOMPARE(view.toWidget(boundary->extent.xMin, boundary->extent.yMin), view.plotRect().bottomLeft());
    QCOMPARE(view.toWidget(boundary->extent.xMax, boundary->extent.yMax), view.plotRect().topRight());
    QVERIFY2(view.elidedLabels().isEmpty(), qPrintable(view.elidedLabels().join(" | ")));
    test::screenshot(view, "views_decision_boundary_moons", 100);
    // The cells blend into the theme's base colour: a dark theme gets dark cells.
    const QColor light = view.cellColor(boundary->cellClass[0], 0.6, boundary->classes);
    view.setPalette(test::darkPalette());
    QVERIFY(view.cellColor(boundary->cellClass[0], 0.6, boundary->classes).lightness() < light.lightness() - 60);
    test::screenshot(view, "views_decision_boundary_moons_dark", 100);
  }

  void surfaceViewAnimatesAndReportsClicks() {
    gradlab::ui::SurfaceView view;
    view.resize(640, 560);
    view.show();
    view.setFunction(surface::FunctionId::Rosenbrock);
    QVERIFY(view.logScale());  // Rosenbrock spans decades
    const auto& f = view.function();
    struct Racer {
      QString name;
      std::string optimizer;
      std::map<std::string, std::string> values;
    };
    const std::vector<Racer> racers = {{"SGD momentum 0.9, lr 0.001", "sgd", {{"lr", "0.001"}, {"momentum", "0.9"}}},
                                       {"Adam, lr 0.05", "adam", {{"lr", "0.05"}}},
                                       {"RMSprop, lr 0.01", "rmsprop", {{"lr", "0.01"}}}};
    view.setAnimationSpeed(400);
    for (const auto& r : racers) {
      auto opt = optim::createOptimizer(*context_, r.optimizer, r.values);
      const auto t = surface::runTrajectory(*context_, *opt, f.id, {}, f.start, 300);
      QVERIFY(!t.diverged);
      view.addTrajectory(r.name, t.points);
    }
    QCOMPARE(view.trajectoryCount(), 3);
    QTest::qWait(200);
    QVERIFY(view.shownPoints(0) > 1 && view.shownPoints(0) < 301);  // growing, not all there at once
    QTRY_COMPARE_WITH_TIMEOUT(view.shownPoints(2), 301, 5000);
    QCOMPARE(view.shownStep(), 300u);
    test::screenshot(view, "views_surface_rosenbrock", 100);
    checkSurfaceShowsPaths(view);
    if (QTest::currentTestFailed()) return;

    // A click maps through the view's transform to surface coordinates.
    QSignalSpy clicked(&view, &gradlab::ui::SurfaceView::startPointChosen);
    const QPointF target = view.toWidget(0.5, 1.0);
    QTest::mouseClick(&view, Qt::LeftButton, {}, target.toPoint());
    QCOMPARE(clicked.count(), 1);
    const double pixel = (f.window[1] - f.window[0]) / view.plotRect().width();
    QVERIFY(std::abs(clicked[0][0].toDouble() - 0.5) < 1.5 * pixel);
    QVERIFY(std::abs(clicked[0][1].toDouble() - 1.0) < 1.5 * pixel);
    QTest::mouseClick(&view, Qt::LeftButton, {}, QPoint(2, 2));  // outside the plot: nothing
    QCOMPARE(clicked.count(), 1);

    // Points fed live appear as they arrive.
    view.clearTrajectories();
    view.setFunction(surface::FunctionId::Quadratic, {10, 0.5});
    QVERIFY(!view.logScale());
    view.setAnimationSpeed(0);
    const int live = view.addTrajectory("live", {{0, 2.5, 1.5, 0}});
    view.appendPoints(live, {{1, 2.0, 1.0, 0}, {2, 1.5, 0.8, 0}});
    QCOMPARE(view.shownPoints(live), 3);
    QCOMPARE(view.shownStep(), 2u);
  }

  // Images have no input plane: the view says it is for 2-D inputs, and draws no empty plot.
  void decisionBoundaryOnImagesSaysWhy() {
    gradlab::ui::DecisionBoundaryView view;
    view.resize(640, 360);
    view.show();
    auto fashion = images(64);
    view.setData(fashion);
    QVERIFY2(view.message().contains("for networks with 2-D inputs"), qPrintable(view.message()));
    QVERIFY(view.message().contains(QString("%1 values a sample").arg(fashion->sampleSize())));
    QVERIFY2(!view.titleText().contains("no boundary yet"), qPrintable(view.titleText()));
    test::screenshot(view, "views_decision_boundary_images", 100);
    const QImage shot = view.grab().toImage();
    for (uint32_t c = 0; c < 10; ++c)  // but 7: tab10's grey is the placeholder text's
      if (c != 7) QCOMPARE(test::countPixels(shot, view.rect(), gradlab::ui::categoryColor(c), 6), 0);
    QVERIFY2(view.elidedLabels().isEmpty(), qPrintable(view.elidedLabels().join(" | ")));
  }

  // The Optimizer race tab on its own, at the size it docks in a 1280 x 720 window: surface,
  // optimizers, steps and start from its controls, Play, a click to restart; the paths are the
  // engine's; the legend leaves the paths alone (the saddle race runs up to the top right);
  // every bad input is one line.
  void surfaceRacePanelPlaysOnItsOwn() {
    gradlab::ui::SurfaceRacePanel panel(QString{});
    panel.resize(1280, 300);
    panel.show();
    panel.setSurface("saddle");
    panel.setOptimizers("sgd:lr=0.01\nsgd:lr=0.01,momentum=0.9\nrmsprop:lr=0.01\nadam:lr=0.05");
    panel.setSteps(150);
    panel.setStart(-1.0, 0.001);
    auto& view = *panel.view();
    view.setAnimationSpeed(0);
    QSignalSpy finished(panel.runner(), &gradlab::ui::SurfaceRaceRunner::finished);
    QSignalSpy failed(panel.runner(), &gradlab::ui::SurfaceRaceRunner::failed);
    QTest::mouseClick(panel.playButton(), Qt::LeftButton);
    QVERIFY2(finished.wait(60000), qPrintable(panel.statusText()));
    QCOMPARE(view.function().name, std::string("saddle"));
    QCOMPARE(view.trajectoryCount(), 4);
    // The adam path is the engine's own.
    auto adam = optim::createOptimizer(*context_, "adam", {{"lr", "0.05"}});
    const auto want = surface::runTrajectory(*context_, *adam, surface::FunctionId::Saddle, {}, {-1.0, 0.001}, 150);
    QCOMPARE(view.points(3).size(), want.points.size());
    QCOMPARE(view.points(3).back().x, want.points.back().x);
    QCOMPARE(view.points(3).back().y, want.points.back().y);
    QVERIFY2(panel.statusText().contains("Adam (lr=0.05): f = "), qPrintable(panel.statusText()));
    test::screenshot(panel, "views_surface_race_panel_saddle", 100);
    checkSurfaceShowsPaths(view);
    if (QTest::currentTestFailed()) return;

    // A click on the surface starts every optimizer there.
    QTest::mouseClick(&view, Qt::LeftButton, {}, view.toWidget(1.0, -1.0).toPoint());
    QVERIFY(finished.wait(60000));
    const double pixel = 4.0 / view.plotRect().width();
    QCOMPARE(view.trajectoryCount(), 4);
    QVERIFY(std::abs(view.points(0).front().x - 1.0) < 1.5 * pixel);
    QVERIFY(std::abs(view.points(0).front().y + 1.0) < 1.5 * pixel);

    // Bad input: one line saying what to do, nothing run.
    const auto oneLine = [&](const QString& wanted) {
      QVERIFY2(panel.statusText().contains(wanted), qPrintable(panel.statusText()));
      QVERIFY(!panel.statusText().contains('\n'));
    };
    panel.findChild<QLineEdit*>("start")->setText("one, two");
    panel.play();
    oneLine("Start: write two numbers");
    panel.setStart(-1, 0.001);
    panel.setOptimizers("sgd; adamm");
    panel.play();
    oneLine("unknown optimizer 'adamm'");
    // A start where the surface overflows single precision: one line, no crash.
    panel.setSurface("quadratic");
    panel.setOptimizers("adam");
    panel.setStart(1e20, 1e20);
    panel.play();
    QVERIFY(failed.wait(60000));
    oneLine("The race could not run: ");
    QCOMPARE(view.trajectoryCount(), 0);
  }

  // Marching squares on x^2 + y^2: the level r^2 is the circle of radius r.
  void contoursOfACircle() {
    const int n = 101;
    std::vector<double> values(size_t(n) * n);
    auto coord = [&](double g) { return -2.0 + 4.0 * g / (n - 1); };
    for (int r = 0; r < n; ++r)
      for (int c = 0; c < n; ++c) values[size_t(r) * n + c] = coord(c) * coord(c) + coord(r) * coord(r);
    for (double radius : {0.5, 1.0, 1.7}) {
      const auto segments = gradlab::ui::contourSegments(values, n, n, radius * radius);
      QVERIFY(segments.size() > 20);
      double length = 0, worst = 0;
      for (const QLineF& s : segments) {
        for (QPointF g : {s.p1(), s.p2()})
          worst = std::max(worst, std::abs(std::hypot(coord(g.x()), coord(g.y())) - radius));
        length += std::hypot(coord(s.x2()) - coord(s.x1()), coord(s.y2()) - coord(s.y1()));
      }
      const double cell = 4.0 / (n - 1);
      QVERIFY2(worst < 0.1 * cell, qPrintable(QString::number(worst)));  // linear interpolation on a smooth field
      QVERIFY2(std::abs(length - 2 * std::numbers::pi * radius) < 0.01 * 2 * std::numbers::pi * radius,
               qPrintable(QString::number(length)));
    }
    QVERIFY(gradlab::ui::contourSegments(values, n, n, 100.0).empty());  // above the maximum: no line
    // A NaN sample on the unit circle (x = 1, y = 0) leaves its four cells out.
    const size_t whole = gradlab::ui::contourSegments(values, n, n, 1.0).size();
    values[size_t(50) * n + 75] = NAN;
    const auto gap = gradlab::ui::contourSegments(values, n, n, 1.0);
    QVERIFY(gap.size() < whole);
    for (const QLineF& s : gap)
      for (QPointF g : {s.p1(), s.p2()}) QVERIFY(std::max(std::abs(g.x() - 75), std::abs(g.y() - 50)) >= 1 - 1e-9);
  }
};

QTEST_MAIN(TestViews)
#include "test_views.moc"

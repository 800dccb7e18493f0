// Decision boundaries: the device's grid of predicted classes and confidences against the
// network's double-precision reference on the same points, and their place in a training run.
#include "data/toy_datasets.h"
#include "support/gpu_test.h"
#include "train/decision_boundary.h"
#include "train/run.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <cmath>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

const char* kMlp = R"(input x: 2
h1 = Linear(x, out_features=12)
a1 = Tanh(h1)
h2 = Linear(a1, out_features=8)
a2 = ReLU(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";

}  // namespace

class TestDecisionBoundary : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void gridMatchesReference() {
    // Batch 16 and 21 x 21 = 441 cells: the last chunk is partly padding.
    nn::Network net(*context_, test::graphOf(kMlp), 16, 7);
    std::vector<std::vector<double>> params;
    for (auto& p : net.parameters()) {  // random weights, larger than the initial ones
      const auto v = test::randomFloats(p.count(), uint32_t(params.size()) + 11, -1.5f, 1.5f);
      p.writeValues(v);
      params.emplace_back(v.begin(), v.end());
    }
    const train::GridExtent extent{-2.0, 3.0, -1.5, 0.5};
    const data::NormalizationTable norm{{0.5f, 2.0f}, {0.25f, -0.5f}};
    const uint32_t G = 21;
    train::DecisionBoundaryProbe probe(net, extent, G, norm);
    const auto b = probe.measure(42);
    QCOMPARE(b.step, uint64_t(42));
    QCOMPARE(b.grid, G);
    QCOMPARE(b.classes, 3u);
    QCOMPARE(b.cellClass.size(), size_t(G * G));

    std::vector<uint32_t> seen(3, 0);
    double worstConfidence = 0;
    for (uint32_t first = 0; first < G * G; first += net.batch()) {
      nn::RefTensor input(size_t(net.batch()) * 2, 0.0);
      for (uint32_t k = 0; k < net.batch() && first + k < G * G; ++k) {
        const uint32_t cell = first + k, i = cell / G, j = cell % G;
        const double x = extent.xMin + (j + 0.5) * (extent.xMax - extent.xMin) / G;
        const double y = extent.yMin + (i + 0.5) * (extent.yMax - extent.yMin) / G;
        input[2 * k] = double(float(x * 0.5 + 0.25));
        input[2 * k + 1] = double(float(y * 2.0 - 0.5));
      }
      const auto ref = net.reference(input, std::vector<uint32_t>(net.batch(), 0), params, false, 0);
      const auto& logits = ref.activations[net.logitsNode()];
      for (uint32_t k = 0; k < net.batch() && first + k < G * G; ++k) {
        const uint32_t cell = first + k;
        uint32_t cls;
        double p;
        train::classify(&logits[k * 3], 3, cls, p);
        worstConfidence = std::max(worstConfidence, std::abs(p - b.confidence[cell]));
        // Classes may differ only where two scores tie within rounding.
        double second = -INFINITY;
        for (uint32_t c = 0; c < 3; ++c)
          if (c != cls) second = std::max(second, logits[k * 3 + c]);
        if (logits[k * 3 + cls] - second > 1e-4) QCOMPARE(b.cellClass[cell], cls);
        ++seen[b.cellClass[cell]];
      }
    }
    QVERIFY2(worstConfidence < 1e-5, qPrintable(QString::number(worstConfidence)));
    // The random network splits this window between classes: the comparison covered a boundary.
    QVERIFY(std::count_if(seen.begin(), seen.end(), [](uint32_t n) { return n > 0; }) >= 2);
  }

  void singleScoreUsesTheSigmoid() {
    double score = 0.0;
    uint32_t cls;
    double p;
    train::classify(&score, 1, cls, p);
    QCOMPARE(p, 0.5);
    score = -2;
    train::classify(&score, 1, cls, p);
    QCOMPARE(cls, 0u);
    QVERIFY(std::abs(p - 1 / (1 + std::exp(-2.0))) < 1e-12);
  }

  void extentCoversTheData() {
    const auto moons = data::makeToyDataset("moons", {300, 0.1, 2, 3});
    const auto e = train::extentOf(moons, 0.1);
    for (uint32_t s = 0; s < moons.size(); ++s) {
      QVERIFY(moons.raw(s, 0) > e.xMin && moons.raw(s, 0) < e.xMax);
      QVERIFY(moons.raw(s, 1) > e.yMin && moons.raw(s, 1) < e.yMax);
    }
  }

  void rejectsNetworksWithoutTwoInputs() {
    nn::Network net(*context_,
                    test::graphOf("input x: 3\nlogits = Linear(x, out_features=2)\nloss = CrossEntropyLoss(logits)\n"),
                    4, 0);
    try {
      train::DecisionBoundaryProbe probe(net, {}, 32, {{1, 1, 1}, {0, 0, 0}});
      QFAIL("a 3-input network was accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("2 inputs"), e.what());
    }
  }

  // A run with boundaryEvery publishes one at the start and every K steps, computed on its worker
  // thread; after training on blobs the boundary puts most points in their own class's region.
  void runPublishesBoundariesThatLearn() {
    train::RunConfig c;
    c.graph = test::graphOf(
        "input x: 2\nh = Linear(x, out_features=16)\na = ReLU(h)\nlogits = Linear(a, out_features=3)\n"
        "loss = CrossEntropyLoss(logits)\n");
    const auto blobs = std::make_shared<data::Dataset>(data::makeToyDataset("blobs", {300, 0.1, 3, 5}));
    c.train = blobs;
    c.options.batch = 30;
    c.options.learningRate = 0.3;
    c.options.normalization = data::Normalization::Standardize;  // the grid goes through it too
    c.maxSteps = 60;
    c.snapshotEvery = 7;
    c.boundaryEvery = 20;
    c.boundaryGrid = 48;
    std::vector<std::shared_ptr<const train::DecisionBoundary>> boundaries;  // outlives the run's deliveries
    auto run = std::make_unique<train::Run>(*context_, c);
    run->subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      if (s->boundary) boundaries.push_back(s->boundary);
    });
    QVERIFY(run->waitFor({train::RunState::Ready}, 20s));
    // The untrained network's, to show before Play (published before or after subscribe).
    QVERIFY(run->latest()->boundary && run->latest()->boundary->step == 0);
    run->start();
    QVERIFY2(run->waitFor({train::RunState::Finished}, 60s), run->latest()->error.c_str());
    run.reset();  // joins the worker: every subscriber call is done
    std::erase_if(boundaries, [](const auto& b) { return b->step == 0; });
    QCOMPARE(boundaries.size(), size_t(3));  // steps 20, 40, 60
    for (size_t k = 0; k < boundaries.size(); ++k) QCOMPARE(boundaries[k]->step, uint64_t(20 * (k + 1)));
    const auto& b = *boundaries.back();
    QCOMPARE(b.grid, 48u);
    uint32_t right = 0;
    for (uint32_t s = 0; s < blobs->size(); ++s) {
      const auto j = uint32_t((blobs->raw(s, 0) - b.extent.xMin) / (b.extent.xMax - b.extent.xMin) * b.grid);
      const auto i = uint32_t((blobs->raw(s, 1) - b.extent.yMin) / (b.extent.yMax - b.extent.yMin) * b.grid);
      right += b.cellClass[i * b.grid + j] == blobs->labels[s];
    }
    QVERIFY2(right > 0.9 * blobs->size(), qPrintable(QString("%1 of %2").arg(right).arg(blobs->size())));
  }

  void runWithoutTwoInputsFailsWithAMessage() {
    train::RunConfig c;
    c.graph = test::graphOf("input x: 3\nlogits = Linear(x, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    auto d = std::make_shared<data::Dataset>();
    d->name = "points3";
    d->sampleShape = nn::Shape{3};
    d->classes = 2;
    d->floats = test::randomFloats(3 * 40, 1);
    d->labels.assign(40, 0);
    c.train = d;
    c.options.batch = 8;
    c.boundaryEvery = 5;
    train::Run run(*context_, c);
    QVERIFY(run.waitFor({train::RunState::Failed}, 20s));
    QVERIFY2(QString::fromStdString(run.latest()->error).contains("2-D"), run.latest()->error.c_str());
  }
};

QTEST_GUILESS_MAIN(TestDecisionBoundary)
#include "test_decision_boundary.moc"

// A run started from given weights (an experiment file's trained parameters): it trains from
// exactly those values, hands out its parameters whenever it stops advancing, refuses weights of
// another network with a message, and Reset returns to the seed's initialization.
#include "data/toy_datasets.h"
#include "support/gpu_test.h"
#include "support/run_recorder.h"
#include "support/toy_networks.h"
#include "train/run.h"

#include <QTest>

#include <chrono>
#include <mutex>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

constexpr uint32_t kSamples = 240;
constexpr double kRate = 0.5;

using test::valuesOf;
using test::Weights;

// One full-batch step per epoch: the first step's loss and gradient do not depend on the order
// the samples are drawn in, so a double-precision reference can compute them.
train::RunConfig config() {
  train::RunConfig c;
  c.graph = test::graphOf(test::kRunNet);
  c.train = std::make_shared<data::Dataset>(data::makeToyDataset("moons", {kSamples, 0.1, 2, 1}));
  c.options.batch = kSamples;
  c.options.learningRate = kRate;
  c.options.seed = 7;
  c.weightSnapshots = {"h.weight", "h.bias", "logits.weight", "logits.bias"};
  return c;
}

// The run's latest snapshot, once it is in `state`, with its parameters.
std::shared_ptr<const train::Snapshot> waitFor(train::Run& run, train::RunState state) {
  if (!run.waitFor({state}, 30s)) return nullptr;
  return run.latest();
}

}  // namespace

class TestRunInitialWeights : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // The full-batch loss and parameter gradients of `weights`, in double precision.
  nn::Network::Reference reference(const Weights& weights) {
    const train::RunConfig c = config();
    nn::Network net(*context_, c.graph, kSamples);
    nn::RefTensor input;
    for (uint32_t i = 0; i < kSamples; ++i)
      for (uint32_t j = 0; j < c.train->sampleSize(); ++j) input.push_back(c.train->raw(i, j));
    std::vector<nn::RefTensor> params;
    for (const auto& p : net.parameters()) params.emplace_back(weights.at(p.name).begin(), weights.at(p.name).end());
    return net.reference(input, c.train->labels, params, true, 0);
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // The ready snapshot carries the given weights; the first step's loss is theirs, not the
  // seed's; the step's update is SGD's from them; Reset goes back to the seed's values.
  void trainsFromTheGivenWeights() {
    Weights seeded, given;
    {
      train::Run run(*context_, config());
      const auto ready = waitFor(run, train::RunState::Ready);
      QVERIFY(ready && ready->parameters);
      seeded = valuesOf(*ready->parameters);
    }
    QCOMPARE(seeded.size(), size_t(4));
    uint32_t seed = 100;
    for (const auto& [name, values] : seeded) given[name] = test::randomFloats(values.size(), seed++, -0.8f, 0.8f);

    train::RunConfig c = config();
    c.initialWeights = given;
    std::mutex mutex;  // with records: declared before the run, whose worker calls the subscriber below
    std::vector<train::StepRecord> records;
    train::Run run(*context_, c);
    const auto ready = waitFor(run, train::RunState::Ready);
    QVERIFY(ready && ready->parameters);
    QVERIFY(valuesOf(*ready->parameters) == given);  // bit for bit

    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      std::lock_guard lock(mutex);
      records.insert(records.end(), s->records.begin(), s->records.end());
    });
    run.step(1);
    QTRY_VERIFY_WITH_TIMEOUT(run.latest()->state == train::RunState::Paused && run.latest()->step == 1, 30000);
    const auto paused = run.latest();
    QVERIFY(paused->parameters);
    double firstLoss = 0;
    {
      std::lock_guard lock(mutex);
      QCOMPARE(records.size(), size_t(1));
      firstLoss = records[0].loss;
    }
    const auto fromGiven = reference(given), fromSeed = reference(seeded);
    QVERIFY2(std::abs(firstLoss - fromGiven.meanLoss) <= 1e-5 * std::max(1.0, fromGiven.meanLoss),
             qPrintable(QString("first loss %1, the given weights' %2").arg(firstLoss).arg(fromGiven.meanLoss)));
    QVERIFY2(std::abs(fromGiven.meanLoss - fromSeed.meanLoss) > 1e-2,
             qPrintable(QString("given %1, seed %2").arg(fromGiven.meanLoss).arg(fromSeed.meanLoss)));

    // The paused snapshot has the weights after the step: given - rate * gradient.
    const Weights after = valuesOf(*paused->parameters);
    nn::Network shapes(*context_, c.graph, 1);
    for (size_t k = 0; k < shapes.parameters().size(); ++k) {
      const std::string& name = shapes.parameters()[k].name;
      double worst = 0, scale = 1e-3;
      for (size_t i = 0; i < given.at(name).size(); ++i) {
        const double want = given.at(name)[i] - kRate * fromGiven.paramGrads[k][i];
        worst = std::max(worst, std::abs(after.at(name)[i] - want));
        scale = std::max(scale, std::abs(kRate * fromGiven.paramGrads[k][i]));
      }
      QVERIFY2(worst <= 1e-4 * scale + 1e-6,
               qPrintable(QString("%1: off by %2").arg(QString::fromStdString(name)).arg(worst)));
    }

    run.reset();
    QTRY_VERIFY_WITH_TIMEOUT(run.latest()->state == train::RunState::Ready && run.latest()->step == 0, 30000);
    QVERIFY(run.latest()->parameters);
    QVERIFY(valuesOf(*run.latest()->parameters) == seeded);
  }

  // Parameters not named keep the seed's values.
  void unnamedParametersKeepTheSeeds() {
    Weights seeded;
    {
      train::Run run(*context_, config());
      const auto ready = waitFor(run, train::RunState::Ready);
      QVERIFY(ready && ready->parameters);
      seeded = valuesOf(*ready->parameters);
    }
    train::RunConfig c = config();
    c.initialWeights["h.bias"] = test::randomFloats(16, 3);
    train::Run run(*context_, c);
    const auto ready = waitFor(run, train::RunState::Ready);
    QVERIFY(ready && ready->parameters);
    Weights want = seeded;
    want["h.bias"] = c.initialWeights["h.bias"];
    QVERIFY(valuesOf(*ready->parameters) == want);
  }

  void weightsOfAnotherNetworkFailWithAMessage_data() {
    QTest::addColumn<QString>("name");
    QTest::addColumn<int>("count");
    QTest::addColumn<QString>("expected");
    QTest::newRow("unknown name") << "h2.weight" << 32 << "h2.weight, a parameter this network does not have";
    QTest::newRow("wrong size") << "h.weight" << 30
                                << "give h.weight 30 values, but this network's h.weight (16x2) has 32";
  }

  void weightsOfAnotherNetworkFailWithAMessage() {
    QFETCH(QString, name);
    QFETCH(int, count);
    QFETCH(QString, expected);
    train::RunConfig c = config();
    c.initialWeights[name.toStdString()] = test::randomFloats(size_t(count), 1);
    train::Run run(*context_, c);
    const auto failed = waitFor(run, train::RunState::Failed);
    QVERIFY(failed);
    QVERIFY2(QString::fromStdString(failed->error).contains(expected), failed->error.c_str());
    QVERIFY(!failed->parameters);
    run.start();  // a failed run ignores commands, it does not crash
    QTest::qWait(50);
    QCOMPARE(run.state(), train::RunState::Failed);
  }

  // BatchNorm's running statistics travel like weights: handed out with them, restored from them.
  void runningStatisticsAreRestoredToo() {
    train::RunConfig c = config();
    c.graph = test::graphOf(
        "input x: 2\nh = Linear(x, out_features=4)\nbn = BatchNorm1d(h)\n"
        "logits = Linear(bn, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    c.weightSnapshots = {"h.weight", "bn.running_mean", "bn.running_var"};
    c.initialWeights = {{"bn.running_mean", {0.25f, -1.0f, 2.0f, 0.5f}}, {"bn.running_var", {3.0f, 0.5f, 1.5f, 9.0f}}};
    train::Run run(*context_, c);
    const auto ready = waitFor(run, train::RunState::Ready);
    QVERIFY(ready && ready->parameters);
    const Weights values = valuesOf(*ready->parameters);
    QCOMPARE(values.size(), size_t(3));
    QCOMPARE(values.at("bn.running_mean"), c.initialWeights.at("bn.running_mean"));
    QCOMPARE(values.at("bn.running_var"), c.initialWeights.at("bn.running_var"));

    c.initialWeights = {{"bn.running_var", {1.0f, 1.0f}}};  // another network's
    train::Run wrong(*context_, c);
    const auto failed = waitFor(wrong, train::RunState::Failed);
    QVERIFY(failed);
    QVERIFY2(failed->error.find("bn.running_var") != std::string::npos, failed->error.c_str());
  }
};

QTEST_MAIN(TestRunInitialWeights)
#include "test_run_initial_weights.moc"

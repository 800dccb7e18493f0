// Runs side by side (train/run_set.h): a run in a set computes exactly what it computes alone,
// step for step and bit for bit; runs that differ only in the learning rate start from the same
// weights on the same batch (equal losses at step 1); layers only some runs have leave the shared
// layers' initial values alone; a run that diverges stops alone; the legends state each run's
// differences from the first.
#include "data/toy_datasets.h"
#include "support/gpu_test.h"
#include "support/toy_networks.h"
#include "train/run_set.h"

#include <QTest>

#include <cmath>

using namespace gradlab;

namespace {

using test::kMoonsNet;
using test::kReluNet;

// The same network with BatchNorm1d after the hidden Linear and Dropout after its activation.
const char* kMoonsNetWithNorm = R"(input x: 2
h1 = Linear(x, out_features=12)
bn1 = BatchNorm1d(h1)
a1 = Tanh(bn1)
d1 = Dropout(a1, p=0.2)
logits = Linear(d1, out_features=2)
loss = CrossEntropyLoss(logits)
)";

train::RunDefinition run(const std::string& label, const char* network = kMoonsNet) {
  train::RunDefinition r;
  r.label = label;
  r.graph = test::graphOf(network);
  r.network = network == kMoonsNet ? "moons.net" : "variant.net";
  r.options.batch = 16;
  r.options.seed = 5;
  r.options.learningRate = 0.2;
  return r;
}

std::map<std::string, std::vector<float>> parameters(nn::Network& net) {
  std::map<std::string, std::vector<float>> values;
  for (const auto& p : net.parameters()) values[p.name] = p.readValues();
  for (const auto& s : net.runningStatistics()) values[s.name] = s.buffer->read<float>(s.count);
  return values;
}

}  // namespace

class TestRunSet : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  data::Dataset moons_ = data::makeToyDataset("moons", {200, 0.1, 2, 3});

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void aRunInASetEqualsTheRunAlone() {
    std::vector<train::RunDefinition> runs{run("A"), run("B", kMoonsNetWithNorm), run("C")};
    runs[1].optimizer = "adam";
    runs[1].optimizerValues = {{"lr", "0.01"}};
    runs[2].init = "xavier_normal";
    runs[2].graph = train::withInitialisation(runs[2].graph, runs[2].init);
    runs[2].options.regularization.l2 = 0.01;
    train::RunSet set(*context_, runs, moons_, nullptr);
    // Ticks of 7 steps cross the 12-step epoch boundaries at other places than the runs alone do.
    std::vector<std::vector<train::StepRecord>> inSet(runs.size());
    for (int tick = 0; tick < 5; ++tick) {
      auto part = set.train(7);
      for (size_t r = 0; r < runs.size(); ++r) inSet[r].insert(inSet[r].end(), part[r].begin(), part[r].end());
    }
    QCOMPARE(set.step(), uint64_t(35));
    for (size_t r = 0; r < runs.size(); ++r) {
      const auto& def = runs[r];
      train::TrainingSession alone(
          *context_, def.graph, moons_, nullptr, def.options,
          def.optimizer.empty() ? nullptr : optim::createOptimizer(*context_, def.optimizer, def.optimizerValues));
      const auto records = alone.train(35);
      QCOMPARE(records.size(), size_t(35));
      QCOMPARE(inSet[r].size(), size_t(35));
      for (size_t i = 0; i < records.size(); ++i) {
        QCOMPARE(inSet[r][i].step, records[i].step);
        QVERIFY2(inSet[r][i].loss == records[i].loss && inSet[r][i].accuracy == records[i].accuracy,
                 qPrintable(QString("run %1 step %2").arg(r).arg(i)));
      }
      QVERIFY(parameters(set.session(r).network()) == parameters(alone.network()));  // bit for bit
    }
    // The runs did differ.
    QVERIFY(inSet[0].back().loss != inSet[1].back().loss);
    QVERIFY(inSet[0].back().loss != inSet[2].back().loss);
  }

  void runsDifferingInTheLearningRateMatchAtStepOne() {
    std::vector<train::RunDefinition> runs{run("A"), run("B")};
    runs[1].options.learningRate = 0.02;
    train::RunSet set(*context_, runs, moons_, nullptr);
    QVERIFY(parameters(set.session(0).network()) == parameters(set.session(1).network()));
    const auto records = set.train(3);
    QCOMPARE(records[0].size(), size_t(3));
    QCOMPARE(records[0][0].loss, records[1][0].loss);  // same weights, same batch
    QCOMPARE(records[0][0].accuracy, records[1][0].accuracy);
    QVERIFY(records[0][1].loss != records[1][1].loss);  // then the rates part them
    QCOMPARE(set.legend(1), std::string("B: lr 0.02"));
  }

  void layersOnlySomeRunsHaveLeaveTheSharedValuesAlone() {
    train::RunSet set(*context_, {run("A"), run("B", kMoonsNetWithNorm)}, moons_, nullptr);
    const auto base = parameters(set.session(0).network()), variant = parameters(set.session(1).network());
    QVERIFY(variant.count("bn1.weight") && !base.count("bn1.weight"));
    for (const auto& [name, values] : base) {
      QVERIFY2(variant.count(name), name.c_str());
      QVERIFY2(variant.at(name) == values, name.c_str());
    }
    QCOMPARE(set.legend(1), std::string("B: BatchNorm1d added after h1; Dropout added after a1"));
  }

  void aDivergingRunStopsAlone() {
    std::vector<train::RunDefinition> runs{run("A", kReluNet), run("B", kReluNet), run("C", kReluNet)};
    runs[1].options.learningRate = 1e6;
    train::RunSet set(*context_, runs, moons_, nullptr);
    const auto records = set.train(20);
    QVERIFY(set.stopped(1));
    QVERIFY(!set.stopped(0) && !set.stopped(2));
    QVERIFY(records[1].size() < 20);
    QCOMPARE(records[0].size(), size_t(20));
    QCOMPARE(records[2].size(), size_t(20));
    QCOMPARE(set.session(0).step(), uint64_t(20));
    for (const auto& r : records[0]) QVERIFY(std::isfinite(r.loss));
    QCOMPARE(records[0].back().loss, records[2].back().loss);  // A and C are the same run
    QVERIFY(!set.allStopped());
    QCOMPARE(set.train(5)[0].size(), size_t(5));  // the others go on
  }

  // A tick is one step of the largest batch; a run with half of it takes two steps over the same
  // samples, and each run is still exactly itself alone.
  void smallerBatchesAdvanceBySamplesSeen() {
    std::vector<train::RunDefinition> runs{run("A"), run("B")};
    runs[1].options.batch = 32;
    train::RunSet set(*context_, runs, moons_, nullptr);
    QCOMPARE(set.stepsPerTick(0), 2u);
    QCOMPARE(set.stepsPerTick(1), 1u);
    QCOMPARE(set.stepsPerEpoch(), 200u / 32);
    QCOMPARE(set.legend(1), std::string("B: batch 32"));
    std::vector<std::vector<train::StepRecord>> inSet(2);
    for (uint32_t ticks : {4u, 5u}) {
      auto part = set.train(ticks);
      for (size_t r = 0; r < 2; ++r) inSet[r].insert(inSet[r].end(), part[r].begin(), part[r].end());
    }
    QCOMPARE(inSet[0].size(), size_t(18));  // across A's epoch boundary at 12
    QCOMPARE(inSet[1].size(), size_t(9));
    for (size_t r = 0; r < 2; ++r) {
      train::TrainingSession alone(*context_, runs[r].graph, moons_, nullptr, runs[r].options);
      const auto records = alone.train(uint32_t(inSet[r].size()));
      for (size_t i = 0; i < records.size(); ++i) QVERIFY(inSet[r][i].loss == records[i].loss);
      QVERIFY(parameters(set.session(r).network()) == parameters(alone.network()));
    }
    // Unchanged weights (rate 0): B's first batch is A's first two, so its loss is their mean.
    runs[0].options.learningRate = runs[1].options.learningRate = 0;
    train::RunSet still(*context_, runs, moons_, nullptr);
    const auto first = still.train(1);
    QCOMPARE(first[0].size(), size_t(2));
    QVERIFY(std::abs(first[1][0].loss - (first[0][0].loss + first[0][1].loss) / 2) < 1e-6);
    QVERIFY(std::abs(first[1][0].accuracy - (first[0][0].accuracy + first[0][1].accuracy) / 2) < 1e-9);
  }

  void legendsStateTheDifferences() {
    std::vector<train::RunDefinition> runs{run("A"), run("B"), run("C"), run("D")};
    runs[1].init = "xavier_normal";
    runs[1].graph = train::withInitialisation(runs[1].graph, runs[1].init);
    runs[2].optimizer = "sgd";
    runs[2].optimizerValues = {{"lr", "0.2"}, {"momentum", "0.9"}};
    runs[3].options.seed = 7;
    runs[3].options.regularization.clipNorm = 1;
    QCOMPARE(train::differenceText(runs[0], runs[0]), std::string("same settings"));
    QCOMPARE(train::differenceText(runs[0], runs[1]), std::string("init=xavier_normal"));
    QCOMPARE(train::differenceText(runs[0], runs[2]), std::string("optimizer SGD (momentum=0.9)"));
    QCOMPARE(train::differenceText(runs[0], runs[3]), std::string("clip-norm 1; seed 7"));
    QCOMPARE(train::differenceText(run("A", kMoonsNetWithNorm), runs[0]),
             std::string("BatchNorm1d removed (bn1); Dropout removed (d1)"));
  }

  void badSetsAreRefusedInOneLine() {
    auto refused = [&](std::vector<train::RunDefinition> runs, const std::string& words) {
      try {
        train::RunSet set(*context_, std::move(runs), moons_, nullptr);
        return false;
      } catch (const std::invalid_argument& e) {
        return std::string(e.what()).find(words) != std::string::npos;
      }
    };
    auto other = run("B");
    other.options.batch = 24;
    QVERIFY(refused({run("A"), other}, "run A has batch 16, which does not divide the largest, 24"));
    QVERIFY(refused({run("A"), run("B"), run("C"), run("D"), run("E")}, "1 to 4 runs"));
    QVERIFY(refused({}, "1 to 4 runs"));
    QVERIFY(refused({run("A"), run("A")}, "two runs are named A"));
    auto threeInputs = run("B", "input x: 3\nlogits = Linear(x, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    QVERIFY(refused({run("A"), threeInputs}, "run B: The network's input is"));
  }
};

QTEST_GUILESS_MAIN(TestRunSet)
#include "test_run_set.moc"

// The run API the lab window drives: start, pause, single steps, reset, several runs at once,
// snapshots to subscribers, failures and NaN reported as states, never as crashes.
#include "data/toy_datasets.h"
#include "nn/network_text.h"
#include "support/gpu_test.h"
#include "train/run.h"

#include <QTest>

#include <atomic>
#include <mutex>
#include <chrono>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

const char* kNet = R"(input x: 2
h = Linear(x, out_features=16)
a = ReLU(h)
logits = Linear(a, out_features=2)
loss = CrossEntropyLoss(logits)
)";

train::RunConfig config(double lr = 0.1, uint64_t maxSteps = 0) {
  train::RunConfig c;
  c.graph = nn::parseNetwork(kNet).graph;
  data::ToyOptions toy{400, 0.1, 2, 1};
  auto [t, v] = data::makeToyDataset("moons", toy).split(0.25, 1);
  c.train = std::make_shared<data::Dataset>(t);
  c.validation = std::make_shared<data::Dataset>(v);
  c.options.batch = 20;
  c.options.learningRate = lr;
  c.maxSteps = maxSteps;
  c.snapshotEvery = 5;
  return c;
}

}  // namespace

class TestRun : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // A subscriber that arrives after the run got ready still learns that it is ready.
  void lateSubscriberGetsTheLatestSnapshot() {
    train::Run run(*context_, config());
    QVERIFY(run.waitFor({train::RunState::Ready}, 20s));
    std::atomic<int> states{-1};
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) { states = int(s->state); });
    QCOMPARE(states.load(), int(train::RunState::Ready));
  }

  void startPauseStepReset() {
    train::Run run(*context_, config());
    std::atomic<uint64_t> snapshots{0}, lastStep{0}, records{0};
    std::atomic<bool> sawValidation{false};
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      ++snapshots;
      lastStep = s->step;
      records += s->records.size();
      if (s->validation) sawValidation = true;
    });
    QVERIFY(run.waitFor({train::RunState::Ready}, 20s));
    run.start();
    QVERIFY(run.waitFor({train::RunState::Running}, 5s));
    QTRY_VERIFY_WITH_TIMEOUT(lastStep >= 60, 30000);  // 15 steps per epoch: validation passes ran too
    run.pause();
    QVERIFY(run.waitFor({train::RunState::Paused}, 5s));
    const uint64_t paused = run.latest()->step;
    QCOMPARE(records.load(), paused);  // every step's record reached the subscriber exactly once
    QVERIFY(sawValidation);
    QTest::qWait(100);
    QCOMPARE(run.latest()->step, paused);  // paused means paused
    run.step(3);
    QTRY_COMPARE_WITH_TIMEOUT(run.latest()->step, paused + 3, 10000);
    QCOMPARE(run.state(), train::RunState::Paused);
    run.reset();
    QTRY_COMPARE_WITH_TIMEOUT(run.latest()->step, uint64_t(0), 10000);
    QCOMPARE(run.state(), train::RunState::Ready);
    QVERIFY(snapshots > 5);
  }

  void probesAndWeightSnapshotsReachSubscribers() {
    auto c = config();
    c.probeEvery = 7;
    c.weightSnapshots = {"h.weight"};
    train::Run run(*context_, c);
    std::mutex m;
    std::vector<std::shared_ptr<const train::ProbeReport>> probes;
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      if (!s->probes) return;
      std::lock_guard lock(m);
      probes.push_back(s->probes);
    });
    run.step(21);
    QTRY_COMPARE_WITH_TIMEOUT(run.latest()->step, uint64_t(21), 20000);
    std::lock_guard lock(m);
    QCOMPARE(probes.size(), size_t(3));
    QCOMPARE(probes[0]->step, uint64_t(7));
    QCOMPARE(probes[2]->step, uint64_t(21));
    QCOMPARE(probes[0]->weights.size(), size_t(1));
    QCOMPARE(probes[0]->weights[0].values.size(), size_t(32));  // 16 x 2
    QVERIFY(probes[0]->weights[0].values != probes[2]->weights[0].values);  // it learned in between
    QCOMPARE(probes[0]->layers.size(), size_t(4));
    QVERIFY(probes[0]->layers[0].gradient.count > 0);
  }

  void stopEndsTheRun() {
    train::Run run(*context_, config());
    run.start();
    QVERIFY(run.waitFor({train::RunState::Running}, 20s));
    run.stop();
    QVERIFY(run.waitFor({train::RunState::Finished}, 5s));
    run.start();  // a finished run stays finished until reset
    QTest::qWait(50);
    QCOMPARE(run.state(), train::RunState::Finished);
    run.reset();
    QVERIFY(run.waitFor({train::RunState::Ready}, 5s));
  }

  void finishesAtItsLimitAndLearns() {
    train::Run run(*context_, config(0.3, 300));
    run.start();
    QVERIFY(run.waitFor({train::RunState::Finished}, 60s));
    const auto last = run.latest();
    QCOMPARE(last->step, uint64_t(300));
    QVERIFY(last->stepsPerSecond > 0);
  }

  void severalRunsAtOnce() {
    train::Run a(*context_, config(0.1, 100)), b(*context_, config(0.05, 100));
    a.start();
    b.start();
    QVERIFY(a.waitFor({train::RunState::Finished}, 60s));
    QVERIFY(b.waitFor({train::RunState::Finished}, 60s));
    QCOMPARE(a.latest()->step, uint64_t(100));
    QCOMPARE(b.latest()->step, uint64_t(100));
  }

  void badSetupFailsWithAMessage() {
    auto c = config();
    c.graph = nn::parseNetwork("input x: 3\nh = Linear(x, out_features=2)\nloss = CrossEntropyLoss(h)\n").graph;
    train::Run run(*context_, c);
    QVERIFY(run.waitFor({train::RunState::Failed}, 20s));
    QVERIFY(run.latest()->error.find("input is 3") != std::string::npos);
    run.start();  // ignored, no crash
    QTest::qWait(50);
    QCOMPARE(run.state(), train::RunState::Failed);
  }

  void nanStopsTheRun() {
    auto c = config(1e4);
    c.graph = nn::parseNetwork(R"(input x: 2
h = Linear(x, out_features=32)
a = ReLU(h)
h2 = Linear(a, out_features=32)
a2 = ReLU(h2)
logits = Linear(a2, out_features=2)
loss = CrossEntropyLoss(logits)
)").graph;
    train::Run run(*context_, c);
    run.start();
    QVERIFY(run.waitFor({train::RunState::Stopped}, 30s));
    QVERIFY(run.latest()->nonFinite.has_value());
    run.setLearningRate(0.1);
    run.reset();
    QVERIFY(run.waitFor({train::RunState::Ready}, 10s));
    run.step(5);
    QTRY_COMPARE_WITH_TIMEOUT(run.latest()->step, uint64_t(5), 10000);
  }

  void destroyedWhileRunning() {
    auto run = std::make_unique<train::Run>(*context_, config());
    run->start();
    QVERIFY(run->waitFor({train::RunState::Running}, 20s));
    QTest::qWait(50);
    run.reset();  // joins the worker without hanging
  }
};

QTEST_MAIN(TestRun)
#include "test_run.moc"

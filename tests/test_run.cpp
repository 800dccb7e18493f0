// The run API the lab window drives: start, pause, single steps, reset, several runs at once,
// snapshots to subscribers, failures and NaN reported as states, never as crashes.
#include "data/toy_datasets.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "support/gpu_test.h"
#include "support/run_recorder.h"
#include "support/toy_networks.h"
#include "train/run.h"

#include <QTest>

#include <atomic>
#include <chrono>
#include <mutex>
#include <thread>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

train::RunConfig config(double lr = 0.1, uint64_t maxSteps = 0) {
  train::RunConfig c;
  c.graph = nn::parseNetwork(test::kRunNet).graph;
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

using test::Recorder;
using test::sameBits;
using test::valuesOf;

}  // namespace

class TestRun : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // A subscriber that arrives after the run got ready still learns that it is ready.
  void lateSubscriberGetsTheLatestSnapshot() {
    std::atomic<int> states{-1};
    train::Run run(*context_, config());
    QVERIFY(run.waitFor({train::RunState::Ready}, 20s));
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) { states = int(s->state); });
    QCOMPARE(states.load(), int(train::RunState::Ready));
  }

  void startPauseStepReset() {
    std::atomic<uint64_t> snapshots{0}, lastStep{0}, records{0};
    std::atomic<bool> sawValidation{false};
    train::Run run(*context_, config());
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
    std::mutex m;
    std::vector<std::shared_ptr<const train::ProbeReport>> probes;
    train::Run run(*context_, c);
    run.subscribe([&](std::shared_ptr<const train::Snapshot> s) {
      if (!s->probes) return;
      std::lock_guard lock(m);
      probes.push_back(s->probes);
    });
    run.step(21);
    QTRY_COMPARE_WITH_TIMEOUT(run.latest()->step, uint64_t(21), 20000);
    std::lock_guard lock(m);
    QCOMPARE(probes.size(), size_t(4));  // ready (step 0), then every 7 steps
    QCOMPARE(probes[0]->step, uint64_t(0));
    QCOMPARE(probes[1]->step, uint64_t(7));
    QCOMPARE(probes[3]->step, uint64_t(21));
    QCOMPARE(probes[1]->weights.size(), size_t(1));
    QCOMPARE(probes[1]->weights[0].values.size(), size_t(32));              // 16 x 2
    QVERIFY(probes[1]->weights[0].values != probes[3]->weights[0].values);  // it learned in between
    QCOMPARE(probes[1]->layers.size(), size_t(4));
    QVERIFY(probes[1]->layers[0].gradient.count > 0);
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
)")
                  .graph;
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

  // Each snapshot names its run and its generation. reset() starts the next generation at once:
  // records of the old one may still be on their way, but none follows the first snapshot of the
  // new one, and the new one's records count from step 0.
  void snapshotsCarryRunAndGeneration() {
    Recorder recorder;
    train::Run run(*context_, config()), other(*context_, config());
    QVERIFY(run.id() != other.id());
    QCOMPARE(run.latest()->runId, run.id());
    recorder.follow(run);
    run.start();
    QTRY_VERIFY_WITH_TIMEOUT(run.latest()->step >= 40, 30000);
    QCOMPARE(run.reset(), uint64_t(1));
    run.start();  // queued behind the reset: trains the new generation
    QTRY_VERIFY_WITH_TIMEOUT(run.latest()->generation == 1 && run.latest()->step >= 20, 30000);
    QCOMPARE(run.reset(), uint64_t(2));
    QVERIFY(run.waitFor({train::RunState::Ready}, 10s));
    QTRY_COMPARE_WITH_TIMEOUT(run.latest()->generation, uint64_t(2), 10000);
    QCOMPARE(run.latest()->step, uint64_t(0));
    QCOMPARE(run.latest()->stepsPerSecond, 0.0);  // no average carried over from the old generation
    // latest() changes before subscribers are called: wait until the recorder has it too.
    const auto recordedGeneration = [&] {
      std::lock_guard lock(recorder.mutex);
      return recorder.snapshots[0].empty() ? uint64_t(0) : recorder.snapshots[0].back()->generation;
    };
    QTRY_COMPARE_WITH_TIMEOUT(recordedGeneration(), uint64_t(2), 10000);
    std::lock_guard lock(recorder.mutex);
    uint64_t generation = 0, next = 0;
    for (const auto& s : recorder.snapshots[0]) {
      QCOMPARE(s->runId, run.id());
      QVERIFY2(s->generation >= generation, "a snapshot of an older generation after a newer one");
      if (s->generation > generation) generation = s->generation, next = 0;
      for (const auto& r : s->records) QCOMPARE(r.step, next++);  // each generation from step 0, no gaps
    }
    QCOMPARE(generation, uint64_t(2));
  }

  // A run continued from a saved state (weights, step, optimizer state) trains exactly as the run
  // that never stopped: the same losses and weights bit for bit, across an epoch boundary, with a
  // warm-up and cosine schedule, for optimizers with moments and a shared running product.
  void resumedRunContinuesBitIdentically_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::newRow("adam") << "adam";
    QTest::newRow("nadam") << "nadam";
    QTest::newRow("sgd momentum") << "sgd";
  }
  void resumedRunContinuesBitIdentically() {
    QFETCH(QString, optimizer);
    constexpr uint64_t kSaved = 37, kMore = 23;  // 15 steps per epoch: resumes mid-epoch, crosses one
    auto c = config(0.05);
    c.options.schedule = optim::parseSchedule("cosine:T_max=50,warmup=5");
    c.weightSnapshots = {"h.weight", "h.bias", "logits.weight", "logits.bias"};
    gpu::Context* context = context_.get();
    const std::string name = optimizer.toStdString();
    std::map<std::string, std::string> values{{"lr", "0.05"}};
    if (name == "sgd") values["momentum"] = "0.9";
    c.optimizer = [context, name, values] { return optim::createOptimizer(*context, name, values); };

    // A run of `config` after `steps` more steps, paused; null if it did not get there.
    const auto trainSteps = [&](const train::RunConfig& config, uint64_t steps, Recorder& recorder) {
      auto run = std::make_unique<train::Run>(*context_, config);
      recorder.follow(*run);
      if (!run->waitFor({train::RunState::Ready}, 30s)) return std::unique_ptr<train::Run>();
      run->step(uint32_t(steps));
      const auto deadline = std::chrono::steady_clock::now() + 30s;
      while (run->latest()->step < steps + (config.resumeFrom ? config.resumeFrom->step : 0) ||
             run->latest()->state != train::RunState::Paused)
        if (std::chrono::steady_clock::now() > deadline)
          return std::unique_ptr<train::Run>();
        else
          std::this_thread::sleep_for(5ms);
      return run;
    };
    Recorder straight, before, after, withoutMoments;
    const auto whole = trainSteps(c, kSaved + kMore, straight);
    const auto first = trainSteps(c, kSaved, before);
    QVERIFY(whole && first);
    const auto saved = first->latest();
    QVERIFY(saved->parameters && saved->progress);
    QCOMPARE(saved->progress->step, kSaved);
    QVERIFY(!saved->progress->optimizer.blocks.empty());

    auto resumed = c;
    resumed.initialWeights = valuesOf(*saved->parameters);
    resumed.resumeFrom = *saved->progress;
    const auto continued = trainSteps(resumed, kMore, after);
    QVERIFY(continued);
    const auto resumedSnapshots = after.of();
    const auto ready = std::find_if(resumedSnapshots.begin(), resumedSnapshots.end(),
                                    [](const auto& s) { return s->state == train::RunState::Ready; });
    QVERIFY(ready != resumedSnapshots.end());
    QCOMPARE((*ready)->step, kSaved);  // ready at the saved step, not at 0
    QCOMPARE((*ready)->epoch, double(kSaved) / 15);
    const auto all = straight.records(), tail = after.records();
    QCOMPARE(tail.size(), size_t(kMore));
    for (size_t k = 0; k < tail.size(); ++k) {
      QCOMPARE(tail[k].step, kSaved + k);
      QVERIFY2(sameBits(tail[k].loss, all[kSaved + k].loss) && sameBits(tail[k].accuracy, all[kSaved + k].accuracy),
               qPrintable(QString("step %1: loss %2, straight %3")
                              .arg(tail[k].step)
                              .arg(tail[k].loss, 0, 'g', 17)
                              .arg(all[kSaved + k].loss, 0, 'g', 17)));
    }
    QVERIFY(valuesOf(*continued->latest()->parameters) == valuesOf(*whole->latest()->parameters));

    // The optimizer's state is what makes it exact: the same resume with zeroed moments drifts.
    auto zeroed = resumed;
    for (auto& [block, values] : zeroed.resumeFrom->optimizer.blocks)
      if (block != "last") std::fill(values.begin(), values.end(), 0.0f);
    const auto drifted = trainSteps(zeroed, kMore, withoutMoments);
    QVERIFY(drifted);
    QVERIFY(valuesOf(*drifted->latest()->parameters) != valuesOf(*whole->latest()->parameters));
  }

  // A saved state that does not fit (another optimizer) fails the run with a message, no crash.
  void unfitOptimizerStateFailsWithAMessage() {
    auto c = config();
    gpu::Context* context = context_.get();
    c.optimizer = [context] { return optim::createOptimizer(*context, "adam", {{"lr", "0.01"}}); };
    c.resumeFrom = train::RunProgress{12, {"RMSprop", {{"0.square_avg", {1, 2, 3}}}}};
    train::Run run(*context_, c);
    QVERIFY(run.waitFor({train::RunState::Failed}, 20s));
    QVERIFY2(run.latest()->error.find("RMSprop") != std::string::npos, run.latest()->error.c_str());
    QVERIFY2(run.latest()->error.find("reset") != std::string::npos, run.latest()->error.c_str());
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

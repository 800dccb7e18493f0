// A train::Run of several members (runs side by side in the lab): each member computes exactly
// what it computes alone, members tick together (a smaller batch takes more steps per tick), one
// that diverges stops alone, commands act on the whole set, and a set that cannot tick together
// fails with a message naming the member.
#include "data/toy_datasets.h"
#include "nn/network_text.h"
#include "support/gpu_test.h"
#include "support/run_recorder.h"
#include "support/toy_networks.h"
#include "train/run.h"

#include <QTest>

#include <algorithm>
#include <chrono>
#include <thread>

using namespace gradlab;
using namespace std::chrono_literals;

namespace {

const std::vector<std::string> kAllParameters{"h.weight", "h.bias", "logits.weight", "logits.bias"};

using test::Recorder;
using test::sameBits;
using test::valuesOf;

// BatchNorm's running statistics and Dropout's masks: the state a look at the network could disturb.
const char* kBatchNormDropoutNet = R"(input x: 2
h = Linear(x, out_features=16)
bn = BatchNorm1d(h)
a = ReLU(bn)
d = Dropout(a, p=0.3)
logits = Linear(d, out_features=2)
loss = CrossEntropyLoss(logits)
)";
const std::vector<std::string> kBatchNormDropoutState{
    "h.weight", "h.bias", "bn.weight", "bn.bias", "bn.running_mean", "bn.running_var", "logits.weight", "logits.bias"};

bool sameStats(const train::TensorStats& a, const train::TensorStats& b) {
  return a.count == b.count && sameBits(a.mean, b.mean) && sameBits(a.std, b.std) && sameBits(a.min, b.min) &&
         sameBits(a.max, b.max) && a.histogram == b.histogram;
}

}  // namespace

class TestRunLockstep : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  std::shared_ptr<const data::Dataset> train_, validation_;

  // Members of a set share these datasets (300 training samples, 100 validation).
  train::RunConfig config(double lr = 0.1, uint32_t batch = 20, uint64_t maxSteps = 0) {
    train::RunConfig c;
    c.graph = nn::parseNetwork(test::kRunNet).graph;
    c.train = train_;
    c.validation = validation_;
    c.options.batch = batch;
    c.options.learningRate = lr;
    c.maxSteps = maxSteps;
    c.snapshotEvery = 5;
    c.weightSnapshots = kAllParameters;
    return c;
  }

  // Runs `members` to their step limit; false if the set did not finish in time.
  bool runToEnd(std::vector<train::RunConfig> members, Recorder& recorder, std::unique_ptr<train::Run>& run) {
    run = std::make_unique<train::Run>(*context_, std::move(members));
    recorder.follow(*run);
    if (!run->waitFor({train::RunState::Ready}, 30s)) return false;
    run->start();
    if (!run->waitFor({train::RunState::Finished, train::RunState::Stopped}, 60s)) return false;
    // latest() changes before subscribers are called: wait for the recorder to get there too.
    const auto deadline = std::chrono::steady_clock::now() + 10s;
    while (!recorder.caughtUp(*run))
      if (std::chrono::steady_clock::now() > deadline)
        return false;
      else
        std::this_thread::sleep_for(2ms);
    return true;
  }

 private slots:
  void initTestCase() {
    context_ = test::makeContext();
    auto [t, v] = data::makeToyDataset("moons", data::ToyOptions{400, 0.1, 2, 1}).split(0.25, 1);
    train_ = std::make_shared<data::Dataset>(t);
    validation_ = std::make_shared<data::Dataset>(v);
  }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // Each member's losses and final weights are bit for bit those of its config run alone.
  void aMemberInASetEqualsTheRunAlone() {
    constexpr uint64_t kSteps = 40;  // 15 steps per epoch: validation passes in between
    std::vector<train::RunConfig> members{config(0.1, 20, kSteps), config(0.05, 20, kSteps), config(0.1, 20, kSteps)};
    members[2].options.seed = 7;
    Recorder inSet;
    std::unique_ptr<train::Run> set;
    QVERIFY(runToEnd(members, inSet, set));
    QCOMPARE(set->members(), size_t(3));
    QCOMPARE(set->state(), train::RunState::Finished);
    for (uint32_t m = 0; m < 3; ++m) {
      Recorder aloneRecorder;
      std::unique_ptr<train::Run> alone;
      QVERIFY(runToEnd({members[m]}, aloneRecorder, alone));
      const auto mine = inSet.records(m), its = aloneRecorder.records(0);
      QCOMPARE(mine.size(), size_t(kSteps));
      QCOMPARE(its.size(), size_t(kSteps));
      for (size_t k = 0; k < kSteps; ++k)
        QVERIFY2(sameBits(mine[k].loss, its[k].loss) && mine[k].step == k,
                 qPrintable(QString("member %1 step %2: %3 in the set, %4 alone")
                                .arg(m)
                                .arg(k)
                                .arg(mine[k].loss, 0, 'g', 17)
                                .arg(its[k].loss, 0, 'g', 17)));
      const auto last = set->latest(m);
      QCOMPARE(last->member, m);
      QCOMPARE(last->state, train::RunState::Finished);
      QCOMPARE(last->step, kSteps);
      QVERIFY(last->parameters && alone->latest()->parameters);
      QVERIFY(valuesOf(*last->parameters) == valuesOf(*alone->latest()->parameters));
      QVERIFY(last->progress && last->progress->step == kSteps);
    }
    // Seed 7 starts elsewhere: the comparison is not vacuous.
    QVERIFY(!sameBits(inSet.records(0)[0].loss, inSet.records(2)[0].loss));
  }

  // Same weights, same batch: the first step's loss cannot tell the learning rates apart, the
  // second can. Every member's snapshots carry its own index and the set's run id and generation.
  void membersDifferingInTheLearningRateMatchAtStepOne() {
    Recorder recorder;
    train::Run run(*context_, std::vector<train::RunConfig>{config(0.1), config(0.02)});
    recorder.follow(run);
    QVERIFY(run.waitFor({train::RunState::Ready}, 30s));
    run.step(2);
    QTRY_VERIFY_WITH_TIMEOUT(recorder.records(0).size() == 2 && recorder.records(1).size() == 2, 20000);
    const auto a = recorder.records(0), b = recorder.records(1);
    QVERIFY(sameBits(a[0].loss, b[0].loss));
    QVERIFY(!sameBits(a[1].loss, b[1].loss));
    for (uint32_t m = 0; m < 2; ++m)
      for (const auto& s : recorder.of(m)) {
        QCOMPARE(s->member, m);
        QCOMPARE(s->runId, run.id());
      }
  }

  // lr 1e6 overflows within a few steps: that member stops alone, the others reach the limit.
  void aDivergingMemberStopsAlone() {
    Recorder recorder;
    std::unique_ptr<train::Run> run;
    QVERIFY(runToEnd({config(0.1, 20, 30), config(1e6, 20, 30), config(0.05, 20, 30)}, recorder, run));
    QCOMPARE(run->state(), train::RunState::Finished);
    const auto diverged = run->latest(1);
    QCOMPARE(diverged->state, train::RunState::Stopped);
    QVERIFY(diverged->nonFinite);
    QVERIFY(diverged->step < 30);
    QVERIFY(diverged->parameters);  // handed out when it stopped advancing, as a run alone does
    for (uint32_t m : {0u, 2u}) {
      QCOMPARE(run->latest(m)->state, train::RunState::Finished);
      QCOMPARE(run->latest(m)->step, uint64_t(30));
      QCOMPARE(recorder.records(m).size(), size_t(30));
    }
    // A stopped member says so once, not with every tick of the others.
    const auto stoppedSnapshots = recorder.of(1);
    QCOMPARE(int(std::count_if(stoppedSnapshots.begin(), stoppedSnapshots.end(),
                               [](const auto& s) { return s->state == train::RunState::Stopped; })),
             1);
    // A set stops only when every member stopped.
    Recorder all;
    std::unique_ptr<train::Run> lost;
    std::vector<train::RunConfig> bothDiverge{config(1e6, 20, 30), config(1e6, 20, 30)};
    bothDiverge[1].options.seed = 3;
    QVERIFY(runToEnd(bothDiverge, all, lost));
    QCOMPARE(lost->state(), train::RunState::Stopped);
    QCOMPARE(lost->latest(0)->state, train::RunState::Stopped);
    QCOMPARE(lost->latest(1)->state, train::RunState::Stopped);
    // Reset brings every member back, in one new generation.
    const uint64_t generation = lost->reset();
    QVERIFY(lost->waitFor({train::RunState::Ready}, 20s));
    for (uint32_t m = 0; m < 2; ++m) {
      QCOMPARE(lost->latest(m)->state, train::RunState::Ready);
      QCOMPARE(lost->latest(m)->generation, generation);
      QCOMPARE(lost->latest(m)->step, uint64_t(0));
      QVERIFY(!lost->latest(m)->nonFinite);
    }
  }

  // Batch 16 beside batch 32: a tick is one step of 32 and two of 16, over the same samples, and
  // each is still exactly itself alone. Validation (once per epoch of the largest batch, 9 ticks)
  // and probes happen at the same ticks for both.
  void smallerBatchesAdvanceBySamplesSeen() {
    std::vector<train::RunConfig> members{config(0.1, 16), config(0.1, 32)};
    for (auto& c : members) c.probeEvery = 4;
    Recorder recorder;
    train::Run run(*context_, members);
    recorder.follow(run);
    QVERIFY(run.waitFor({train::RunState::Ready}, 30s));
    run.step(9);
    QTRY_VERIFY_WITH_TIMEOUT(
        run.latest(1)->step == 9 && run.state() == train::RunState::Paused && recorder.caughtUp(run), 20000);
    QCOMPARE(run.latest(0)->step, uint64_t(18));
    QCOMPARE(run.latest(0)->epoch, 18.0 / (300 / 16));
    QCOMPARE(run.latest(1)->epoch, 1.0);
    const auto a = recorder.of(0), b = recorder.of(1);
    QCOMPARE(a.size(), b.size());  // one snapshot per member per publish
    int validations = 0, probes = 0;
    for (size_t k = 0; k < a.size(); ++k) {
      QCOMPARE(a[k]->step, 2 * b[k]->step);
      QCOMPARE(a[k]->records.size(), 2 * b[k]->records.size());
      QCOMPARE(bool(a[k]->validation), bool(b[k]->validation));
      QCOMPARE(bool(a[k]->probes), bool(b[k]->probes));
      validations += bool(a[k]->validation);
      probes += bool(a[k]->probes);
      if (a[k]->probes) QCOMPARE(a[k]->step % 8, uint64_t(0));  // ticks 4 and 8
    }
    QCOMPARE(validations, 1);
    QCOMPARE(probes, 3);  // ready (step 0), ticks 4 and 8
    for (uint32_t m = 0; m < 2; ++m) {
      Recorder aloneRecorder;
      train::Run alone(*context_, members[m]);
      aloneRecorder.follow(alone);
      QVERIFY(alone.waitFor({train::RunState::Ready}, 30s));
      const uint64_t steps = run.latest(m)->step;
      alone.step(uint32_t(steps));
      QTRY_VERIFY_WITH_TIMEOUT(
          alone.latest()->step == steps && alone.state() == train::RunState::Paused && aloneRecorder.caughtUp(alone),
          20000);
      const auto mine = recorder.records(m), its = aloneRecorder.records(0);
      QCOMPARE(mine.size(), size_t(steps));
      QCOMPARE(its.size(), size_t(steps));
      for (size_t k = 0; k < steps; ++k) QVERIFY(sameBits(mine[k].loss, its[k].loss));
      QVERIFY(valuesOf(*run.latest(m)->parameters) == valuesOf(*alone.latest()->parameters));
    }
  }

  // A set saved mid-way (each member's weights and progress) and opened again continues each member
  // bit for bit, and its tick resumes where the set was: the step limit counts from there.
  void aResumedSetContinuesEveryMember() {
    constexpr uint64_t kSaved = 20, kLimit = 30;
    std::vector<train::RunConfig> members{config(0.1, 16, kLimit), config(0.05, 32, kLimit)};
    Recorder straight;
    std::unique_ptr<train::Run> whole;
    QVERIFY(runToEnd(members, straight, whole));
    Recorder before;
    train::Run first(*context_, members);
    before.follow(first);
    QVERIFY(first.waitFor({train::RunState::Ready}, 30s));
    first.step(uint32_t(kSaved));
    QTRY_VERIFY_WITH_TIMEOUT(
        first.latest(1)->step == kSaved && first.state() == train::RunState::Paused && before.caughtUp(first), 20000);
    auto resumed = members;
    for (uint32_t m = 0; m < 2; ++m) {
      resumed[m].initialWeights = valuesOf(*first.latest(m)->parameters);
      resumed[m].resumeFrom = *first.latest(m)->progress;
    }
    Recorder after;
    std::unique_ptr<train::Run> continued;
    QVERIFY(runToEnd(resumed, after, continued));
    for (uint32_t m = 0; m < 2; ++m) {
      const uint64_t perTick = m == 0 ? 2 : 1;
      const auto snapshots = after.of(m);
      const auto ready = std::find_if(snapshots.begin(), snapshots.end(),
                                      [](const auto& s) { return s->state == train::RunState::Ready; });
      QVERIFY(ready != snapshots.end());
      QCOMPARE((*ready)->step, kSaved * perTick);  // ready where it was saved
      const auto all = straight.records(m), tail = after.records(m);
      QCOMPARE(tail.size(), size_t((kLimit - kSaved) * perTick));  // the limit counts ticks from there
      for (size_t k = 0; k < tail.size(); ++k)
        QVERIFY(tail[k].step == kSaved * perTick + k && sameBits(tail[k].loss, all[kSaved * perTick + k].loss));
      QVERIFY(valuesOf(*continued->latest(m)->parameters) == valuesOf(*whole->latest(m)->parameters));
    }
  }

  // Built and reset, every member's ready snapshot carries a probe of its network at step 0: the
  // forward and backward passes of the batch its first step trains on, so the first step's own probe
  // measures the same activations and gradients, bit for bit.
  void aReadySetProbesEveryMemberAtStepZero() {
    std::vector<train::RunConfig> members{config(0.1), config(0.02), config(0.1)};
    for (auto& c : members) {
      c.graph = nn::parseNetwork(kBatchNormDropoutNet).graph;
      c.weightSnapshots = kBatchNormDropoutState;
      c.probeEvery = 1;
    }
    members[2].options.seed = 5;
    Recorder recorder;
    train::Run run(*context_, members);
    recorder.follow(run);
    for (int life = 0; life < 2; ++life) {
      const uint64_t generation = life == 0 ? 0 : run.reset();
      QVERIFY(run.waitFor({train::RunState::Ready}, 30s));
      std::vector<std::shared_ptr<const train::ProbeReport>> atZero;
      for (uint32_t m = 0; m < 3; ++m) {
        const auto ready = run.latest(m);
        QCOMPARE(ready->generation, generation);
        QVERIFY2(ready->probes, qPrintable(QString("member %1 has no probe when ready").arg(m)));
        QCOMPARE(ready->probes->step, uint64_t(0));
        QCOMPARE(ready->probes->layers.size(), members[m].graph.nodes.size());
        QVERIFY(ready->probes->layers[1].activation.count > 0 && ready->probes->layers[1].gradient.count > 0);
        atZero.push_back(ready->probes);
      }
      QVERIFY(!sameStats(atZero[0]->layers[1].activation, atZero[2]->layers[1].activation));  // seed 5 differs
      run.step(1);
      QTRY_VERIFY_WITH_TIMEOUT(run.latest(2)->step == 1 && run.state() == train::RunState::Paused, 20000);
      for (uint32_t m = 0; m < 3; ++m) {
        const auto first = run.latest(m)->probes;
        QVERIFY(first && first->step == 1);
        for (size_t i = 0; i < first->layers.size(); ++i) {
          const auto &now = atZero[m]->layers[i], then = first->layers[i];
          QVERIFY2(sameStats(now.activation, then.activation) && sameStats(now.gradient, then.gradient),
                   qPrintable(QString("member %1, %2").arg(m).arg(QString::fromStdString(now.node))));
        }
        for (size_t k = 0; k < first->parameters.size(); ++k)
          QVERIFY(sameBits(atZero[m]->parameters[k].gradNorm, first->parameters[k].gradNorm));
      }
    }
  }

  // The probe at step 0 keeps nothing: a run that takes it trains bit for bit as one without
  // probes, running statistics included.
  void aProbeAtStepZeroChangesNothing() {
    constexpr uint64_t kSteps = 20;
    auto probed = config(0.1, 20, kSteps);
    probed.graph = nn::parseNetwork(kBatchNormDropoutNet).graph;
    probed.weightSnapshots = kBatchNormDropoutState;
    auto plain = probed;
    probed.probeEvery = 1000;  // only the ready one within the limit
    Recorder probedRecorder, plainRecorder;
    std::unique_ptr<train::Run> a, b;
    QVERIFY(runToEnd({probed}, probedRecorder, a));
    QVERIFY(runToEnd({plain}, plainRecorder, b));
    const auto readyOf = [](Recorder& recorder) {
      for (const auto& s : recorder.of())
        if (s->state == train::RunState::Ready) return s;
      return std::shared_ptr<const train::Snapshot>();
    };
    QVERIFY(readyOf(probedRecorder) && readyOf(probedRecorder)->probes);
    QVERIFY(readyOf(plainRecorder) && !readyOf(plainRecorder)->probes);
    const auto mine = probedRecorder.records(), its = plainRecorder.records();
    QCOMPARE(mine.size(), size_t(kSteps));
    QCOMPARE(its.size(), size_t(kSteps));
    for (size_t k = 0; k < kSteps; ++k) QVERIFY2(sameBits(mine[k].loss, its[k].loss), qPrintable(QString::number(k)));
    QVERIFY(valuesOf(*a->latest()->parameters) == valuesOf(*b->latest()->parameters));
  }

  // Pause, step and reset act on the set; the learning rate goes to the member named.
  void commandsActOnTheWholeSet() {
    Recorder recorder;
    train::Run run(*context_, std::vector<train::RunConfig>{config(0.1), config(0.1)});
    recorder.follow(run);
    QVERIFY(run.waitFor({train::RunState::Ready}, 30s));
    run.setLearningRate(0.01, 1);
    run.start();
    QVERIFY(run.waitFor({train::RunState::Running}, 10s));
    QTRY_VERIFY_WITH_TIMEOUT(run.latest(1)->step >= 20, 30000);
    run.pause();
    QVERIFY(run.waitFor({train::RunState::Paused}, 10s));
    QCOMPARE(run.latest(0)->step, run.latest(1)->step);
    QCOMPARE(run.latest(0)->state, train::RunState::Paused);
    QCOMPARE(run.latest(1)->state, train::RunState::Paused);
    const auto a = recorder.records(0), b = recorder.records(1);
    QVERIFY(sameBits(a[0].loss, b[0].loss));
    QVERIFY(!sameBits(a[1].loss, b[1].loss));  // member 1 took its first step at 0.01
    const uint64_t generation = run.reset();
    QVERIFY(run.waitFor({train::RunState::Ready}, 20s));
    for (uint32_t m = 0; m < 2; ++m) {
      QCOMPARE(run.latest(m)->step, uint64_t(0));
      QCOMPARE(run.latest(m)->generation, generation);
    }
  }

  // A set that cannot tick together fails before training, in one line naming the member.
  void aBadMemberFailsNamingTheRun() {
    const auto failure = [&](std::vector<train::RunConfig> members) {
      train::Run run(*context_, std::move(members));
      if (!run.waitFor({train::RunState::Failed}, 30s)) return std::string("did not fail");
      for (uint32_t m = 0; m < run.members(); ++m)
        if (run.latest(m)->state != train::RunState::Failed) return std::string("a member is not failed");
      return run.latest()->error;
    };
    const auto expect = [](const std::string& message, std::initializer_list<const char*> parts) {
      for (const char* part : parts)
        if (message.find(part) == std::string::npos || message.find('\n') != std::string::npos)
          return QString("'%1' lacks '%2'").arg(QString::fromStdString(message), part);
      return QString();
    };
    QString problem = expect(failure({config(0.1, 30), config(0.1, 20)}), {"run B", "batch 20", "divide"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    auto other = config();
    other.probeEvery = 3;
    problem = expect(failure({config(), config(), other}), {"run C", "probeEvery"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    auto named = config();
    named.label = "wide";
    std::string wider = test::kRunNet;
    named.graph = nn::parseNetwork(wider.replace(wider.find("x: 2"), 4, "x: 3")).graph;
    problem = expect(failure({config(), named}), {"run wide: "});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    auto ownData = config();
    ownData.train = std::make_shared<data::Dataset>(*train_);
    problem = expect(failure({config(), ownData}), {"run B", "datasets"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = expect(failure(std::vector<train::RunConfig>(5, config())), {"1 to 4 runs, not 5"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
    problem = expect(failure({}), {"not 0"});
    QVERIFY2(problem.isEmpty(), qPrintable(problem));
  }
};

QTEST_MAIN(TestRunLockstep)
#include "test_run_lockstep.moc"

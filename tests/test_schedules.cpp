// Learning-rate schedules: the rate the device writes into the control block at each step against
// the double-precision reference, for every schedule over 1200 steps (warm-up combined), in a
// training session replayed many steps per submission, and the parser's one-line errors.
#include "data/toy_datasets.h"
#include "nn/network_text.h"
#include "optim/schedule.h"
#include "support/gpu_test.h"
#include "train/control_block.h"
#include "train/control_kernels.h"
#include "train/training_session.h"

#include <QTest>

#include <cmath>

using namespace gradlab;

namespace {

const char* kSmallNet = R"(input x: 2
h1 = Linear(x, out_features=8)
a1 = Tanh(h1)
logits = Linear(a1, out_features=3)
loss = CrossEntropyLoss(logits)
)";

float rateOf(const gpu::Buffer& control) {
  train::ControlBlock block;
  control.download(&block, sizeof block);
  return block.learningRate();
}

// Float rounding of the device's rate, relative to the rate and to lr0 (cosine near eta_min).
bool close(double got, double want, double lr0) { return std::abs(got - want) <= 3e-6 * std::abs(want) + 1e-6 * lr0; }

}  // namespace

class TestSchedules : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Runs the schedule kernel and the step advance one step at a time, reading the control block's rate each time.
  void checkDevice(const std::string& spec, uint32_t steps = 1200) {
    optim::Schedule s = optim::parseSchedule(spec);
    s.lr0 = 0.25;
    gpu::Buffer control(*context_, 16, true), step(*context_, 4, true), base(*context_, 4, true);
    const uint32_t zeros[4] = {0, 0, 0, 0};
    control.upload(zeros, 16);
    step.upload(zeros, 4);
    const float lr0 = float(s.lr0);
    base.upload(&lr0, 4);
    gpu::Recording rec(*context_);
    optim::recordSchedule(rec, s, base, control, step);
    train::recordAdvanceStep(rec, step);
    double lowest = INFINITY, highest = 0;
    for (uint32_t t = 0; t < steps; ++t) {
      context_->run(rec);
      const double got = rateOf(control), want = optim::learningRateAt(s, t);
      lowest = std::min(lowest, want);
      highest = std::max(highest, want);
      if (!close(got, want, s.lr0))
        QFAIL(qPrintable(QString("%1 step %2: device %3, reference %4")
                             .arg(QString::fromStdString(spec))
                             .arg(t)
                             .arg(got, 0, 'g', 9)
                             .arg(want, 0, 'g', 9)));
    }
    if (s.active()) QVERIFY2(lowest < highest, spec.c_str());  // it did change the rate
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void referenceFollowsPyTorch() {
    optim::Schedule s;
    s.lr0 = 1;
    s.kind = optim::ScheduleKind::Step;
    s.stepSize = 30;
    s.gamma = 0.1;  // StepLR docs: 0.05 for epochs < 30, 0.005 for 30 <= epoch < 60 (lr0 0.05)
    QCOMPARE(optim::learningRateAt(s, 29), 1.0);
    QVERIFY(std::abs(optim::learningRateAt(s, 30) - 0.1) < 1e-15);
    QVERIFY(std::abs(optim::learningRateAt(s, 60) - 0.01) < 1e-15);
    s.kind = optim::ScheduleKind::Cosine;
    s.tMax = 10;
    s.etaMin = 0.1;
    QCOMPARE(optim::learningRateAt(s, 0), 1.0);
    QVERIFY(std::abs(optim::learningRateAt(s, 5) - 0.55) < 1e-12);
    QVERIFY(std::abs(optim::learningRateAt(s, 10) - 0.1) < 1e-12);
    // SGDR, T_0 = 10, T_mult = 2: restarts at 10, 30, 70.
    s.kind = optim::ScheduleKind::WarmRestarts;
    s.t0 = 10;
    s.tMult = 2;
    s.etaMin = 0;
    for (uint64_t restart : {0, 10, 30, 70}) QCOMPARE(optim::learningRateAt(s, restart), 1.0);
    QVERIFY(std::abs(optim::learningRateAt(s, 20) - 0.5) < 1e-12);  // half-way through the 20-step period
    s.kind = optim::ScheduleKind::Inverse;
    s.decay = 0.5;
    QCOMPARE(optim::learningRateAt(s, 2), 0.5);
    // Warm-up: lr0 (t + 1) / warmup, then the schedule from its step 0.
    s.warmup = 4;
    QCOMPARE(optim::learningRateAt(s, 0), 0.25);
    QCOMPARE(optim::learningRateAt(s, 3), 1.0);
    QCOMPARE(optim::learningRateAt(s, 4), 1.0);
    QCOMPARE(optim::learningRateAt(s, 6), 0.5);
  }

  void everyScheduleMatchesOnTheDevice() {
    for (const char* spec :
         {"constant", "warmup=50", "step:step_size=100,gamma=0.5", "step:step_size=7,gamma=0.9,warmup=20",
          "exponential:gamma=0.995", "exponential:gamma=0.99,warmup=100", "inverse:decay=0.01", "cosine:T_max=1000",
          "cosine:T_max=300,eta_min=0.01", "cosine:T_max=500,eta_min=0.001,warmup=100", "sgdr:T_0=100",
          "sgdr:T_0=50,T_mult=2,eta_min=0.005", "sgdr:T_0=30,T_mult=3,warmup=60"}) {
      checkDevice(spec);
      if (QTest::currentTestFailed()) return;
    }
  }

  void sessionRunsTheScheduleWithoutRecordingAgain() {
    const auto data = data::makeToyDataset("spiral", {256, 0.1, 3, 2});
    train::TrainingOptions options;
    options.batch = 16;
    options.learningRate = 0.2;
    options.schedule = optim::parseSchedule("cosine:T_max=60,eta_min=0.01,warmup=10");
    train::TrainingSession session(*context_, test::graphOf(kSmallNet), data, nullptr, options);
    optim::Schedule s = options.schedule;
    s.lr0 = 0.2;
    for (uint64_t t = 0; t < 20; ++t) {  // one step per submission
      QCOMPARE(session.train(1).size(), size_t(1));
      QVERIFY2(close(session.currentLearningRate(), optim::learningRateAt(s, t), s.lr0),
               qPrintable(QString::number(t)));
    }
    // Many replays in one submission: the last step ran with its own rate.
    QCOMPARE(session.train(13).size(), size_t(13));
    QVERIFY(close(session.currentLearningRate(), optim::learningRateAt(s, 32), s.lr0));
    // A new base rate reaches the device schedule too.
    session.setLearningRate(0.1);
    s.lr0 = 0.1;
    session.train(1);
    QVERIFY(close(session.currentLearningRate(), optim::learningRateAt(s, 33), s.lr0));
    QVERIFY(!session.nonFinite());
  }

  void updatesUseTheScheduledRate() {
    // Warm-up over 4 steps from lr0 = 0.4: the first step runs at 0.1, as a constant 0.1 does.
    const auto data = data::makeToyDataset("spiral", {256, 0.1, 3, 2});
    train::TrainingOptions constant;
    constant.batch = 16;
    constant.learningRate = 0.1;
    constant.seed = 4;
    train::TrainingOptions warm = constant;
    warm.learningRate = 0.4;
    warm.schedule = optim::parseSchedule("warmup=4");
    train::TrainingSession a(*context_, test::graphOf(kSmallNet), data, nullptr, constant);
    train::TrainingSession b(*context_, test::graphOf(kSmallNet), data, nullptr, warm);
    a.train(1);
    b.train(1);
    for (size_t k = 0; k < a.network().parameters().size(); ++k) {
      const auto& pa = a.network().parameters()[k];
      const auto wa = pa.readValues();
      const auto wb = b.network().parameters()[k].readValues();
      for (size_t i = 0; i < wa.size(); ++i) QVERIFY(std::abs(wa[i] - wb[i]) <= 1e-6 * (1 + std::abs(wa[i])));
    }
  }

  void badSpecificationsAreOneLine() {
    auto error = [](const std::string& spec) -> std::string {
      try {
        optim::parseSchedule(spec);
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "";
    };
    QVERIFY(error("cosine:T_max=1000,eta_min=0.0001").empty());
    QVERIFY(error("sgdr:T_0=200,T_mult=2,warmup=10").empty());
    QVERIFY(error("warmup=100").empty());
    QCOMPARE(optim::parseSchedule("warmup=100").warmup, 100u);
    std::string e = error("linear");
    QVERIFY2(e.find("Unknown schedule 'linear'; accepted: constant, step, exponential, inverse, cosine, sgdr") !=
                 std::string::npos,
             e.c_str());
    e = error("cosine");
    QVERIFY2(e.find("needs T_max") != std::string::npos, e.c_str());
    e = error("step:step_size=10,gamma=1.5");
    QCOMPARE(e, std::string("gamma: 1.5 is out of range (0, 1]"));
    e = error("cosine:T_max=0");
    QCOMPARE(e, std::string("T_max: 0 is out of range [1, 4294967295]"));
    e = error("cosine:T_max=10,gamma=0.5");
    QCOMPARE(e, std::string("cosine: unknown key 'gamma'; accepted: warmup, T_max, eta_min"));
    e = error("sgdr:T_0");
    QCOMPARE(e, std::string("write NAME or NAME:key=value,key=value, got 'T_0'"));
    e = error("cosine:T_max=10,T_max=20");  // util::parseSpec's rules: a key given twice is refused
    QCOMPARE(e, std::string("'T_max' is given twice"));
    for (const char* bad : {"linear", "cosine", "step:step_size=10,gamma=1.5", "sgdr:T_0"})
      QVERIFY(error(bad).find('\n') == std::string::npos);
  }
};

QTEST_APPLESS_MAIN(TestSchedules)
#include "test_schedules.moc"

// Optimizers racing on a real network (analysis/optimizer_race.h) and optimizers written as text
// (optim/optimizer_spec.h): every run starts from the same weights and sees the same batches, so a
// race's SGD run is exactly an ordinary SGD training run; different optimizers end apart; a run
// that diverges stops without taking the others with it; the common plane puts every start at one
// point; a bad value fails before any training; cancelling stops early.
#include "analysis/optimizer_race.h"
#include "analysis/trajectory_plane.h"
#include "data/toy_datasets.h"
#include "optim/optimizer_spec.h"
#include "support/gpu_test.h"
#include "support/toy_networks.h"

#include <QTest>

#include <atomic>
#include <cmath>

using namespace gradlab;
using analysis::ParamVector;

namespace {

using test::kMoonsNet;
using test::kReluNet;

double distance(const ParamVector& a, const ParamVector& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(sum);
}

double norm(const ParamVector& a) { return distance(a, ParamVector(a.size(), 0.0f)); }

}  // namespace

class TestOptimizerRace : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  data::Dataset moons_ = data::makeToyDataset("moons", {200, 0.1, 2, 3});
  nn::Graph graph_ = test::graphOf(kMoonsNet);

  train::TrainingOptions options() const {
    train::TrainingOptions o;
    o.batch = 16;
    o.seed = 5;
    return o;
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void specsParseNamesAndValues() {
    const auto spec = optim::parseOptimizerSpec(" sgd:lr=0.05, momentum = 0.9 ");
    QCOMPARE(spec.name, std::string("sgd"));
    QCOMPARE(spec.values.size(), size_t(2));
    QCOMPARE(spec.values.at("lr"), std::string("0.05"));
    QCOMPARE(spec.values.at("momentum"), std::string("0.9"));
    const auto list = optim::parseOptimizerSpecs("sgd; adam\nrmsprop:alpha=0.9;");
    QCOMPARE(list.size(), size_t(3));
    QCOMPARE(list[1].name, std::string("adam"));
    QCOMPARE(list[2].values.at("alpha"), std::string("0.9"));
  }

  void specErrorsSayWhatIsAccepted() {
    try {
      optim::parseOptimizerSpec("adamm");
      QFAIL("an unknown optimizer was accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY(std::string(e.what()).find("adamw") != std::string::npos);  // the list of names
    }
    try {
      optim::parseOptimizerSpec("sgd:lr");
      QFAIL("a value without '=' was accepted");
    } catch (const std::invalid_argument& e) {
      QVERIFY(std::string(e.what()).find("NAME:key=value") != std::string::npos);
    }
  }

  void runsShareTheStartAndSgdEqualsPlainTraining() {
    analysis::RaceSettings settings{30, 4};
    const auto specs = optim::parseOptimizerSpecs("sgd:lr=0.2; adam:lr=0.01; rmsprop:lr=0.01");
    const analysis::Race race = analysis::raceOptimizers(*context_, graph_, moons_, options(), specs, settings);
    QVERIFY(!race.cancelled);
    QCOMPARE(race.runs.size(), size_t(3));
    for (const auto& run : race.runs) {
      QVERIFY(!run.nonFinite);
      QCOMPARE(run.path.size(), size_t(4));
      QCOMPARE(run.steps, (std::vector<uint64_t>{0, 10, 20, 30}));
      QCOMPARE(run.losses.size(), size_t(30));
      QCOMPARE(run.path.front(), race.initial);  // one start for all
      QVERIFY(distance(run.path.back(), race.initial) > 1e-3 * norm(race.initial));
    }
    QCOMPARE(race.runs[1].title, std::string("Adam lr=0.01"));
    // Different optimizers go different ways.
    QVERIFY(distance(race.runs[0].path.back(), race.runs[1].path.back()) > 1e-3 * norm(race.initial));
    QVERIFY(distance(race.runs[1].path.back(), race.runs[2].path.back()) > 1e-3 * norm(race.initial));

    // The SGD run is an ordinary training run: same weights and losses, step for step.
    train::TrainingOptions o = options();
    o.learningRate = 0.2;
    train::TrainingSession plain(*context_, graph_, moons_, nullptr, o);
    QCOMPARE(analysis::readParameters(plain.network()), race.initial);
    const auto records = plain.train(30);
    QCOMPARE(records.size(), size_t(30));
    for (size_t i = 0; i < records.size(); ++i) QCOMPARE(records[i].loss, race.runs[0].losses[i]);
    QCOMPARE(analysis::readParameters(plain.network()), race.runs[0].path.back());

    // On the common plane every path starts at the same point.
    std::vector<std::vector<ParamVector>> paths;
    for (const auto& run : race.runs) paths.push_back(run.path);
    const auto plane = analysis::commonPlane(paths, race.initial);
    for (const auto& p : plane.paths) {
      QVERIFY(std::abs(p.front().x - plane.paths[0].front().x) < 1e-6);
      QVERIFY(std::abs(p.front().y - plane.paths[0].front().y) < 1e-6);
    }
  }

  void aDivergingRunStopsAlone() {
    const auto specs = optim::parseOptimizerSpecs("sgd:lr=1e6; sgd:lr=0.1");
    const analysis::Race race =
        analysis::raceOptimizers(*context_, test::graphOf(kReluNet), moons_, options(), specs, {20, 5});
    QCOMPARE(race.runs.size(), size_t(2));
    QVERIFY(race.runs[0].nonFinite);
    QVERIFY(race.runs[0].path.size() < 5);
    QVERIFY(!race.runs[0].path.empty());  // the start is always there
    for (const auto& v : race.runs[0].path.back()) QVERIFY(std::isfinite(v));
    QVERIFY(!race.runs[1].nonFinite);
    QCOMPARE(race.runs[1].path.size(), size_t(5));
  }

  void badValuesFailBeforeTraining() {
    std::atomic<int> calls{0};
    analysis::RunControl control;
    control.progress = [&](size_t, size_t) { return ++calls, true; };
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             analysis::raceOptimizers(*context_, graph_, moons_, options(),
                                                      optim::parseOptimizerSpecs("sgd; adam:lr=-1"), {10, 3}, control));
    QCOMPARE(calls.load(), 0);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             analysis::raceOptimizers(*context_, graph_, moons_, options(), {}, {10, 3}));
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        analysis::raceOptimizers(*context_, graph_, moons_, options(), optim::parseOptimizerSpecs("sgd"), {10, 1}));
  }

  void cancellingStopsEarly() {
    std::atomic<bool> cancel{false};
    analysis::RunControl control;
    control.cancel = &cancel;
    size_t furthest = 0;
    control.progress = [&](size_t done, size_t) {
      furthest = done;
      if (done >= 25) cancel = true;
      return true;
    };
    const auto race = analysis::raceOptimizers(*context_, graph_, moons_, options(),
                                               optim::parseOptimizerSpecs("sgd; adam; rmsprop"), {50, 3}, control);
    QVERIFY(race.cancelled);
    QVERIFY(race.runs.empty());  // the first run had not finished
    QVERIFY(furthest < 50);
  }
};

QTEST_APPLESS_MAIN(TestOptimizerRace)
#include "test_optimizer_race.moc"

// The comparison demos make their point. Every demo's runs are valid variants of its experiment
// (persist::variantExperiment) that its explanation names; trained headless in lockstep
// (train::RunSet) for the demo's own length, the learning-rate demo shows what its text says (too
// small barely moves, too large ends above where it started, the right one learns) and the dropout
// demo shows the unregularised run's validation loss climbing far above the regularised one's; on
// Fashion-MNIST, within the first hundreds of steps, N(0, 0.01) and the network without batch norm
// stay at chance while Xavier, He and batch norm learn, and Adam beats momentum beats plain SGD; the
// fine-tuning demo's pretrained runs beat the one from scratch on 500 images of classes 5-9.
#include "data/dataset_choice.h"
#include "data/idx_file.h"
#include "demos.h"
#include "persist/run_setup.h"
#include "persist/run_variant.h"
#include "support/gpu_test.h"
#include "train/run_set.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <numeric>

using namespace gradlab;

namespace {

bool haveFashionMnist() { return std::filesystem::exists(data::kFashionMnistDirectory); }

const ui::Demo& demoNamed(const QString& menu) {
  for (const ui::Demo& d : ui::demos())
    if (d.menu == menu) return d;
  qFatal("no demo %s", qPrintable(menu));
}

// Run `index` of the demo's set (0: the experiment itself) as the run set trains it.
train::RunDefinition runOf(const persist::Experiment& base, size_t index) {
  const persist::Experiment e = index == 0 ? base : persist::variantExperiment(base, base.comparisons[index - 1]);
  const persist::RunSetup setup = persist::runSetup(e.training);
  train::RunDefinition run;
  run.label = index == 0 ? "A" : base.comparisons[index - 1].label;
  run.graph = test::graphOf(e.network);
  run.options = setup.options;
  run.optimizer = setup.optimizer;
  run.optimizerValues = setup.optimizerValues;
  return run;
}

using Weights = std::map<std::string, std::vector<float>>;

struct Trained {
  std::vector<std::vector<train::StepRecord>> records;  // per run, every step
  std::vector<std::vector<double>> validation;          // per run, the validation loss every `every` ticks
  std::vector<Weights> last;                            // per run, the parameters at the end
};

// The weights a run starts from, as the lab gives them (ui::TrainingController's initialWeights):
// the pretrained layers of a fine-tuning run; none for the others.
const std::map<std::string, persist::Tensor>& startWeights(const persist::Experiment& base, size_t index) {
  return index == 0 ? base.weights : base.comparisons[index - 1].weights;
}

// Trains every run of `demo` for the demo's epochs (at most `maxTicks`), evaluating every
// `every` ticks (never when `every` is 0).
Trained trainDemo(gpu::Context& context, const ui::Demo& demo, uint32_t every, uint64_t maxTicks = UINT64_MAX) {
  const persist::Experiment& base = demo.experiment;
  std::vector<train::RunDefinition> runs;
  for (size_t i = 0; i <= base.comparisons.size(); ++i) runs.push_back(runOf(base, i));
  const data::DatasetChoice data = data::chooseDataset(persist::runSetup(base.training).dataset);
  train::RunSet set(context, runs, data.train, &data.evaluation);
  for (size_t r = 0; r < set.size(); ++r)
    for (const nn::Parameter& p : set.session(r).network().parameters())
      if (const auto it = startWeights(base, r).find(p.name); it != startWeights(base, r).end())
        p.writeValues(it->second.values);
  const uint64_t total = std::min(uint64_t(base.training.epochs) * set.stepsPerEpoch(), maxTicks);
  const uint32_t chunk = every ? every : 50;
  Trained out{
      std::vector<std::vector<train::StepRecord>>(set.size()), std::vector<std::vector<double>>(set.size()), {}};
  while (set.step() < total) {
    const auto part = set.train(uint32_t(std::min<uint64_t>(chunk, total - set.step())));
    for (size_t r = 0; r < set.size(); ++r) {
      out.records[r].insert(out.records[r].end(), part[r].begin(), part[r].end());
      if (every && !set.stopped(r)) out.validation[r].push_back(set.session(r).evaluateValidation().loss);
    }
  }
  for (size_t r = 0; r < set.size(); ++r) {
    out.last.emplace_back();
    for (const nn::Parameter& p : set.session(r).network().parameters()) out.last.back()[p.name] = p.readValues();
  }
  return out;
}

// The mean training loss of the last `count` steps (NaN when the run diverged).
double finalLoss(const std::vector<train::StepRecord>& records, size_t count = 100) {
  if (records.size() < count) return NAN;
  double sum = 0;
  for (size_t i = records.size() - count; i < records.size(); ++i) sum += records[i].loss;
  return sum / double(count);
}

}  // namespace

class TestDemos : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // Each demo that compares is a set the engine accepts, whose runs differ from the first in
  // words, in the colours the explanation names them by.
  void everyComparisonIsAValidSet() {
    int comparisons = 0;
    for (const ui::Demo& demo : ui::demos()) {
      const persist::Experiment& e = demo.experiment;
      if (demo.race || e.comparisons.empty()) continue;
      ++comparisons;
      QVERIFY(e.comparisons.size() <= persist::kMaxComparisons);
      // "A (blue)", "A (blue, 0.001)" or "(A, blue)": the run by its label and its palette colour.
      const auto names = [&](const QString& label, const QString& colour) {
        return demo.explanation.contains(label + " (" + colour) ||
               demo.explanation.contains("(" + label + ", " + colour);
      };
      QVERIFY2(names("A", "blue"), qPrintable(demo.menu));
      const char* colours[] = {"vermillion", "green"};
      for (size_t i = 0; i < e.comparisons.size(); ++i) {
        const persist::RunVariant& run = e.comparisons[i];
        QCOMPARE(run.label, std::string(1, char('B' + i)));
        QCOMPARE(run.colour, uint32_t(i + 1));
        QVERIFY2(names(run.label.c_str(), colours[i]), qPrintable(demo.menu + ": " + run.label.c_str()));
        const std::string description = persist::variantDescription(e, run);
        QVERIFY2(description != "same settings" && !description.empty(), qPrintable(demo.menu));
        qInfo("%s %s: %s", qPrintable(demo.menu), run.label.c_str(), description.c_str());
      }
    }
    QCOMPARE(comparisons, 8);
  }

  // Too small barely moves from its first loss, the right one learns, too large ends above where
  // it started; all three start from the same loss (same weights, same first batch).
  void learningRateDemoMakesItsPoint() {
    const Trained t = trainDemo(*context_, demoNamed("Learning rate: 0.001, 0.1 and 10"), 100);
    QCOMPARE(t.records.size(), size_t(3));
    const double first = t.records[0].at(0).loss;
    for (const auto& run : t.records) QCOMPARE(run.at(0).loss, first);
    const double small = finalLoss(t.records[0]), right = finalLoss(t.records[1]), large = finalLoss(t.records[2]);
    qInfo("first loss %.4f; last 100 steps: 0.001 %.4f, 0.1 %.4f, 10 %.4f", first, small, right, large);
    QVERIFY2(small > 0.9 * first, "the too-small rate moved the loss noticeably");
    QVERIFY2(right < 0.5 * first, "the right rate did not learn");
    QVERIFY2(std::isnan(large) || (large > first && large > 3 * right),
             "the too-large rate did not end above its start");
  }

  // The Fashion-MNIST demos' points within the first few hundred steps (the test skips without
  // the dataset, as the window's demo test does).
  void initialisationDemoMakesItsPoint() {
    if (!haveFashionMnist()) QSKIP("no Fashion-MNIST");
    const Trained t = trainDemo(*context_, demoNamed("Initialization: N(0, 0.01), Xavier and He"), 0, 40);
    const double small = finalLoss(t.records[0], 10), xavier = finalLoss(t.records[1], 10),
                 he = finalLoss(t.records[2], 10);
    qInfo("steps 31-40: N(0, 0.01) %.4f, Xavier %.4f, He %.4f", small, xavier, he);
    QVERIFY2(small > 2.25, "N(0, 0.01) learned although its signal should vanish");
    QVERIFY2(xavier < 1.6 && he < 1.6, "Xavier or He did not learn");
  }

  void batchNormDemoMakesItsPoint() {
    if (!haveFashionMnist()) QSKIP("no Fashion-MNIST");
    const Trained t = trainDemo(*context_, demoNamed("Batch norm: without and with"), 0, 100);
    const double without = finalLoss(t.records[0], 20), with = finalLoss(t.records[1], 20);
    qInfo("steps 81-100: without batch norm %.4f, with %.4f", without, with);
    QVERIFY2(without > 2.25, "the network without batch norm learned");
    QVERIFY2(with < 1.0, "the network with batch norm did not learn");
  }

  void optimizersDemoMakesItsPoint() {
    if (!haveFashionMnist()) QSKIP("no Fashion-MNIST");
    const Trained t = trainDemo(*context_, demoNamed("Optimizers/SGD, momentum and Adam on Fashion-MNIST"), 0, 300);
    const double sgd = finalLoss(t.records[0], 50), momentum = finalLoss(t.records[1], 50),
                 adam = finalLoss(t.records[2], 50);
    qInfo("steps 251-300: SGD %.4f, momentum %.4f, Adam %.4f", sgd, momentum, adam);
    QVERIFY2(momentum < 0.75 * sgd, "momentum was not clearly faster than plain SGD");
    QVERIFY2(adam < momentum, "Adam was not the fastest");
  }

  // Without dropout the validation loss climbs from its best while the training loss falls; with
  // dropout it ends far lower.
  // Fine-tuning: B and C start from the built-in LeNet-5 trained on classes 0-4 (c1, c3 and f5 bit
  // for bit; f6 and the output layer initialised), B keeps c1 and c3 as they came, and after 3 epochs on the 500
  // images of classes 5-9 both reach a lower validation loss on those classes' test images than A
  // from scratch.
  void fineTuningDemoMakesItsPoint() {
    if (!haveFashionMnist()) QSKIP("no Fashion-MNIST");
    const ui::Demo& demo = demoNamed("Fine-tuning: frozen convolutions vs from scratch");
    const persist::Experiment pretrained = ui::builtInPretrained("lenet5_fashion_0-4");
    const persist::Experiment& e = demo.experiment;
    QCOMPARE(e.training.dataset, std::string("fashion-mnist,classes=5-9"));
    QCOMPARE(e.training.sampleLimit, 500u);
    QVERIFY(e.weights.empty());  // A: from scratch
    QCOMPARE(e.comparisons.size(), size_t(2));
    QCOMPARE(e.comparisons[0].changes, (std::map<std::string, std::string>{{"freeze", "c1;c3"}}));
    for (const persist::RunVariant& run : e.comparisons) {
      for (const char* layer : {"c1", "c3", "f5"})
        for (const char* tensor : {".weight", ".bias"}) {
          const std::string name = layer + std::string(tensor);
          QVERIFY2(run.weights.count(name) && run.weights.at(name) == pretrained.weights.at(name),
                   (run.label + " " + name).c_str());
        }
      QVERIFY(!run.weights.count("f6.weight") && !run.weights.count("logits.weight"));
    }
    const Trained t = trainDemo(*context_, demo, 30, 30);
    QCOMPARE(t.last.at(1).at("c1.weight"), pretrained.weights.at("c1.weight").values);
    QCOMPARE(t.last.at(1).at("c3.weight"), pretrained.weights.at("c3.weight").values);
    QVERIFY(t.last.at(1).at("f5.weight") != pretrained.weights.at("f5.weight").values);
    const double scratch = t.validation[0].at(0), frozen = t.validation[1].at(0), tuned = t.validation[2].at(0);
    qInfo("validation loss after 30 steps: A scratch %.4f, B frozen %.4f, C fine-tuned %.4f", scratch, frozen, tuned);
    QVERIFY2(frozen < scratch && tuned < scratch, "the pretrained runs did not learn faster than from scratch");
  }

  void dropoutDemoMakesItsPoint() {
    const Trained t = trainDemo(*context_, demoNamed("Dropout: without and with"), 100);
    const auto& plain = t.validation[0];
    const auto& dropout = t.validation[1];
    const double plainBest = *std::min_element(plain.begin(), plain.end());
    qInfo("validation loss at the end: without %.4f (best %.4f), with %.4f; training loss without %.4f, with %.4f",
          plain.back(), plainBest, dropout.back(), finalLoss(t.records[0]), finalLoss(t.records[1]));
    QVERIFY2(plain.back() > 1.5 * plainBest, "the validation loss without dropout did not climb");
    QVERIFY2(plain.back() > 1.3 * dropout.back(), "dropout did not keep the validation loss lower");
    QVERIFY2(finalLoss(t.records[0]) < 0.5 * plainBest, "the run without dropout did not fit its training points");
  }
};

QTEST_MAIN(TestDemos)
#include "test_demos.moc"

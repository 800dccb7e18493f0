// Transfer learning: a frozen layer keeps its parameters bit for bit while the gradient still flows
// through it to the layers before; a learning-rate multiplier scales a layer's step (0 is the
// frozen layer's values); --init-from copies the layers whose names and shapes match, exactly, and
// names the others; gradlab-cli refuses bad --freeze and --lr-mult values in one line.
#include "data/toy_datasets.h"
#include "persist/experiment_file.h"
#include "persist/init_from.h"
#include "persist/run_setup.h"
#include "persist/run_variant.h"
#include "support/gpu_test.h"
#include "support/run_recorder.h"
#include "train/regularization.h"
#include "train/run.h"
#include "train/training_session.h"

#include <QDir>
#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <chrono>
#include <map>

using namespace gradlab;

namespace {

constexpr uint32_t kSamples = 128;

// Three Linear layers: h2 in the middle is the one frozen, so h1's change shows that the gradient
// went through it.
constexpr const char* kNet = R"(input x: 2
h1 = Linear(x, out_features=12)
a1 = Tanh(h1)
h2 = Linear(a1, out_features=12)
a2 = Tanh(h2)
logits = Linear(a2, out_features=2)
loss = CrossEntropyLoss(logits)
)";

using Weights = std::map<std::string, std::vector<float>>;

Weights weightsOf(train::TrainingSession& session) {
  Weights out;
  for (const nn::Parameter& p : session.network().parameters()) out[p.name] = p.readValues();
  return out;
}

data::Dataset moons() { return data::makeToyDataset("moons", {kSamples, 0.1, 2, 3}); }

train::TrainingOptions fullBatch(train::LayerTraining layers) {
  train::TrainingOptions options;
  options.batch = kSamples;
  options.learningRate = 0.5;
  options.seed = 5;
  options.layers = std::move(layers);
  return options;
}

struct Cli {
  int code;
  QString out, err;
};

Cli runCli(const QStringList& args) {
  QProcess process;
  process.start(GRADLAB_CLI, args);
  if (!process.waitForFinished(120000)) {
    process.kill();
    process.waitForFinished();
    return {-1, {}, "timed out"};
  }
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromUtf8(process.readAllStandardOutput()), QString::fromUtf8(process.readAllStandardError())};
}

bool writeText(const QString& path, const char* text) {
  QFile file(path);
  return file.open(QIODevice::WriteOnly) && file.write(text) == qint64(strlen(text));
}

}  // namespace

class TestTransfer : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // `steps` steps of `optimizer` (null: the default SGD, which takes its step in the backward pass
  // where it can) from the seed's weights; returns the weights before and after.
  std::pair<Weights, Weights> train(const train::LayerTraining& layers, uint32_t steps,
                                    const std::string& optimizer = "") {
    const data::Dataset data = moons();
    train::TrainingSession session(*context_, test::graphOf(kNet), data, nullptr, fullBatch(layers),
                                   optimizer.empty() ? nullptr : optim::createOptimizer(*context_, optimizer));
    const Weights before = weightsOf(session);
    const auto records = session.train(steps);
    if (records.size() != steps) qWarning("trained %zu of %u steps", records.size(), steps);
    return {before, weightsOf(session)};
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // After a full-batch SGD step with h2 frozen, h2 is bit for bit as initialised and h1 and logits
  // took exactly SGD's step on the double-precision gradient of the whole network: the gradient went
  // through h2 to h1. More steps, with SGD and with Adam, never move h2.
  void frozenLayerKeepsItsValuesAndPassesGradients() {
    const auto [before, after] = train({{"h2"}, {}}, 1);
    const data::Dataset data = moons();
    nn::Network net(*context_, test::graphOf(kNet), kSamples);
    nn::RefTensor input;
    for (uint32_t i = 0; i < kSamples; ++i)
      for (uint32_t j = 0; j < data.sampleSize(); ++j) input.push_back(data.raw(i, j));
    std::vector<nn::RefTensor> params;
    for (const auto& p : net.parameters()) params.emplace_back(before.at(p.name).begin(), before.at(p.name).end());
    const nn::Network::Reference ref = net.reference(input, data.labels, params, true, 0);
    for (size_t k = 0; k < net.parameters().size(); ++k) {
      const std::string& name = net.parameters()[k].name;
      const std::vector<float>&was = before.at(name), &now = after.at(name);
      if (name.starts_with("h2.")) {
        QVERIFY2(now == was, name.c_str());
        continue;
      }
      double moved = 0, error = 0;
      for (size_t i = 0; i < now.size(); ++i) {
        moved = std::max(moved, std::abs(double(now[i]) - was[i]));
        error = std::max(error, std::abs(double(now[i]) - (was[i] - 0.5 * ref.paramGrads[k][i])));
      }
      QVERIFY2(moved > 1e-4, (name + " did not move").c_str());
      QVERIFY2(error < 2e-6, (name + ": " + std::to_string(error) + " from SGD's step").c_str());
    }
    for (const std::string optimizer : {"", "adam"}) {
      const auto [first, last] = train({{"h2"}, {}}, 20, optimizer);
      QVERIFY(last.at("h2.weight") == first.at("h2.weight") && last.at("h2.bias") == first.at("h2.bias"));
      QVERIFY(last.at("h1.weight") != first.at("h1.weight") && last.at("logits.weight") != first.at("logits.weight"));
    }
  }

  // A frozen BatchNorm still computes its gradients (with its input's), but they are no part of the
  // clip norm: the norm the step clips by is that of the trained parameters' gradients alone, as
  // the double-precision reference computes it, and h1 takes SGD's step clipped by it.
  void clipNormLeavesFrozenLayersOut() {
    const char* net = R"(input x: 2
h1 = Linear(x, out_features=12)
bn1 = BatchNorm1d(h1)
a1 = Tanh(bn1)
logits = Linear(a1, out_features=2)
loss = CrossEntropyLoss(logits)
)";
    const data::Dataset data = moons();
    train::TrainingOptions options = fullBatch({{"bn1"}, {}});
    options.regularization.clipNorm = 0.01;
    train::TrainingSession session(*context_, test::graphOf(net), data, nullptr, options);
    const Weights before = weightsOf(session);
    QCOMPARE(session.train(1).size(), size_t(1));
    const Weights after = weightsOf(session);

    nn::Network reference(*context_, test::graphOf(net), kSamples);
    nn::RefTensor input;
    for (uint32_t i = 0; i < kSamples; ++i)
      for (uint32_t j = 0; j < data.sampleSize(); ++j) input.push_back(data.raw(i, j));
    std::vector<nn::RefTensor> params;
    for (const auto& p : reference.parameters())
      params.emplace_back(before.at(p.name).begin(), before.at(p.name).end());
    const nn::Network::Reference ref = reference.reference(input, data.labels, params, true, 0);
    std::vector<std::vector<double>> trained, frozen;
    for (size_t k = 0; k < params.size(); ++k)
      (reference.parameters()[k].name.starts_with("bn1.") ? frozen : trained).push_back(ref.paramGrads[k]);
    const double norm = train::reference::globalNorm(trained);
    QVERIFY2(train::reference::globalNorm(frozen) > 0.05 * norm, "the frozen BatchNorm's gradients are no test");
    const double measured = session.regularization()->lastNorm();
    QVERIFY2(std::abs(measured - norm) < 1e-4 * norm,
             qPrintable(QString("clip norm %1, trained parameters' %2").arg(measured).arg(norm)));
    const double coefficient = 0.01 / (norm + 1e-6);
    const std::vector<float>&was = before.at("h1.weight"), &now = after.at("h1.weight");
    const std::vector<double>& g = ref.paramGrads[0];
    for (size_t i = 0; i < was.size(); ++i)
      QVERIFY2(std::abs(double(now[i]) - (was[i] - 0.5 * coefficient * g[i])) < 1e-6, std::to_string(i).c_str());
    QVERIFY(after.at("bn1.weight") == before.at("bn1.weight"));
  }

  // The lab's run (train::Run, with probes every 5 steps, as the lab trains) keeps a frozen layer
  // too, and reaches its steps.
  void runWithProbesKeepsAFrozenLayer() {
    train::RunConfig c;
    c.graph = test::graphOf(kNet);
    c.train = std::make_shared<data::Dataset>(moons());
    c.options = fullBatch({{"h2"}, {}});
    c.options.batch = 32;
    c.probeEvery = 5;
    c.weightSnapshots = {"h1.weight", "h2.weight", "h2.bias"};
    train::Run run(*context_, c);
    QTRY_VERIFY_WITH_TIMEOUT(run.latest() && run.latest()->state == train::RunState::Ready, 60000);
    const test::Weights first = test::valuesOf(*run.latest()->parameters);
    run.step(20);
    QTRY_VERIFY2_WITH_TIMEOUT(run.latest()->state == train::RunState::Paused && run.latest()->step == 20,
                              qPrintable(QString("%1 at step %2: %3")
                                             .arg(train::runStateName(run.latest()->state))
                                             .arg(run.latest()->step)
                                             .arg(QString::fromStdString(run.latest()->error))),
                              60000);
    const test::Weights last = test::valuesOf(*run.latest()->parameters);
    QVERIFY(last.at("h2.weight") == first.at("h2.weight") && last.at("h2.bias") == first.at("h2.bias"));
    QVERIFY(last.at("h1.weight") != first.at("h1.weight"));
  }

  // A multiplier of 0 is a frozen layer: with Adam (whose state still advances for it) every
  // parameter of the run equals, bit for bit, the run with that layer frozen.
  void zeroMultiplierIsAFrozenLayer() {
    for (const std::string optimizer : {"", "adam"}) {
      const auto [first, zero] = train({{}, {{"h2", 0.0}}}, 20, optimizer);
      const auto frozen = train({{"h2"}, {}}, 20, optimizer).second;
      QVERIFY(zero.at("h2.weight") == first.at("h2.weight"));
      for (const auto& [name, values] : frozen) QVERIFY2(zero.at(name) == values, (optimizer + " " + name).c_str());
    }
  }

  // h1 at lr x0.25 takes a quarter of the step it takes at the run's rate (SGD and Adam), the other
  // layers their whole step.
  void multiplierScalesTheLayersStep() {
    for (const std::string optimizer : {"", "adam"}) {
      const auto [first, whole] = train({}, 1, optimizer);
      const auto quarter = train({{}, {{"h1", 0.25}}}, 1, optimizer).second;
      for (const auto& [name, values] : whole) {
        const double factor = name.starts_with("h1.") ? 0.25 : 1.0;
        double error = 0, moved = 0;
        for (size_t i = 0; i < values.size(); ++i) {
          const double step = double(values[i]) - first.at(name)[i];
          moved = std::max(moved, std::abs(step));
          error = std::max(error, std::abs(double(quarter.at(name)[i]) - first.at(name)[i] - factor * step));
        }
        QVERIFY2(moved > 1e-4, (name + " did not move").c_str());
        QVERIFY2(error < 1e-6, (optimizer + " " + name + ": " + std::to_string(error)).c_str());
      }
    }
  }

  // Unknown layers, layers without parameters, multipliers out of range and a layer both frozen and
  // scaled are refused in one line naming the option, before any device work.
  void badLayerTrainingIsRefused() {
    const nn::Graph graph = test::graphOf(kNet);
    const auto refusal = [&](const train::LayerTraining& layers) -> std::string {
      try {
        train::checkLayerTraining(layers, graph);
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "accepted";
    };
    QCOMPARE(refusal({{"conv9"}, {}}),
             std::string("--freeze: no layer 'conv9' with parameters; this network's are h1, h2, logits"));
    QCOMPARE(refusal({{"a1"}, {}}).substr(0, 40), std::string("--freeze: no layer 'a1' with parameters;"));
    QCOMPARE(refusal({{}, {{"h1", 2000.0}}}), std::string("--lr-mult h1: 2000 is out of range [0, 1000]"));
    QCOMPARE(refusal({{"h1"}, {{"h1", 0.5}}}),
             std::string("--lr-mult: h1 is frozen (--freeze): give it a multiplier or freeze it"));
    QCOMPARE(refusal({{"h1", "logits"}, {{"h2", 0.1}}}), std::string("accepted"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, train::parseLayerList("h1,,h2", "--freeze"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, train::parseLayerList("h1,h1", "--freeze"));
    QCOMPARE(train::parseLayerList(" h1 , h2", "--freeze"), (std::vector<std::string>{"h1", "h2"}));
    // A file's multipliers are text, read by the run setup in --lr-mult's words.
    persist::TrainingSettings settings;
    settings.dataset = "moons";
    settings.lrMultipliers["h1"] = "fast";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, persist::runSetup(settings));
    settings.lrMultipliers["h1"] = "0.1";
    settings.frozenLayers = {"h2"};
    const train::LayerTraining read = persist::runSetup(settings).options.layers;
    QCOMPARE(read, (train::LayerTraining{{"h2"}, {{"h1", 0.1}}}));
  }

  // A run of a comparison changes the frozen layers and multipliers by the keys freeze and lr-mult
  // (';' inside a value), names them in its legend, and is refused for a layer its network lacks.
  void comparisonRunsChangeLayerTraining() {
    persist::Experiment base;
    base.network = kNet;
    base.training.dataset = "moons";
    base.training.frozenLayers = {"h1", "h2"};
    persist::RunVariant all{.label = "B", .changes = {{"freeze", ""}}};
    QVERIFY(persist::variantExperiment(base, all).training.frozenLayers.empty());
    QCOMPARE(persist::variantDescription(base, all), std::string("freeze none"));
    persist::RunVariant scaled{.label = "C", .changes = {{"freeze", "h1"}, {"lr-mult", "h2=0.1;logits=0.5"}}};
    const persist::Experiment c = persist::variantExperiment(base, scaled);
    QCOMPARE(c.training.frozenLayers, std::vector<std::string>{"h1"});
    QCOMPARE(c.training.lrMultipliers, (std::map<std::string, std::string>{{"h2", "0.1"}, {"logits", "0.5"}}));
    QCOMPARE(persist::variantDescription(base, scaled), std::string("freeze h1; lr-mult h2=0.1;logits=0.5"));
    const auto refusal = [&](std::map<std::string, std::string> changes) -> std::string {
      try {
        persist::variantExperiment(base, {.label = "D", .changes = std::move(changes)});
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "accepted";
    };
    QCOMPARE(refusal({{"freeze", "c9"}}),
             std::string("run D: --freeze: no layer 'c9' with parameters; this network's are h1, h2, logits"));
    QCOMPARE(refusal({{"lr-mult", "h2=-1"}}), std::string("run D: --lr-mult h2: -1 is out of range [0, 1000]"));
  }

  // Another network's weights: the layers of the same name and shape are copied, the others named
  // with the reason.
  void initFromMatchesByNameAndShape() {
    std::map<std::string, persist::Tensor> saved;
    saved["h1.weight"] = {{12, 2}, test::randomFloats(24, 1)};
    saved["h1.bias"] = {{12}, test::randomFloats(12, 2)};
    saved["h2.weight"] = {{12, 12}, test::randomFloats(144, 3)};  // no h2.bias
    saved["logits.weight"] = {{3, 12}, test::randomFloats(36, 4)};
    saved["logits.bias"] = {{3}, test::randomFloats(3, 5)};
    const persist::InitFrom init = persist::matchWeights(test::graphOf(kNet), saved);
    QCOMPARE(init.copied, std::vector<std::string>{"h1"});
    QCOMPARE(init.values.size(), size_t(2));
    QVERIFY(init.values.at("h1.weight") == saved["h1.weight"].values);
    QCOMPARE(init.summary("old.gradlab"),
             std::string("Copied h1 from old.gradlab; kept the initialisation of h2 (no bias in the file); logits "
                         "(weight 3x12 there, 2x12 here)"));
  }

  // End to end: a run saved, then fine-tuned from it with --init-from and h1 frozen: the new
  // file's h1 is the first run's bit for bit, its logits were trained, and it keeps its settings.
  void cliFineTunesFromASavedRun() {
    QTemporaryDir dir;
    const QString net = dir.filePath("net.net"), first = dir.filePath("first.gradlab"),
                  second = dir.filePath("second.gradlab");
    QVERIFY(writeText(net, kNet));
    const QStringList common{"train", net, "--dataset", "moons", "--samples", "128", "--batch", "32", "--quiet"};
    Cli r = runCli(common + QStringList{"--steps", "20", "--save", first});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    r = runCli(common + QStringList{"--steps", "10", "--seed", "9", "--init-from", first, "--freeze", "h1", "--lr-mult",
                                    "h2=0.5", "--save", second});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("Copied h1, h2, logits from " + first + "\n"), qPrintable(r.out));
    QVERIFY2(r.out.contains("Frozen: h1; lr x0.5: h2\n"), qPrintable(r.out));
    const persist::Experiment a = persist::loadExperiment(first.toStdString()),
                              b = persist::loadExperiment(second.toStdString());
    QVERIFY(b.weights.at("h1.weight") == a.weights.at("h1.weight"));
    QVERIFY(b.weights.at("h1.bias") == a.weights.at("h1.bias"));
    QVERIFY(b.weights.at("logits.weight") != a.weights.at("logits.weight"));
    QCOMPARE(b.training.frozenLayers, std::vector<std::string>{"h1"});
    QCOMPARE(b.training.lrMultipliers, (std::map<std::string, std::string>{{"h2", "0.5"}}));
  }

  // --weights-only LAYERS keeps those layers' weights and nothing else (no curves, no optimizer
  // state): the small file the fine-tuning demo starts from. A layer without parameters, or
  // --weights-only without --save, is refused before training.
  void cliSavesWeightsOnly() {
    QTemporaryDir dir;
    const QString net = dir.filePath("net.net"), saved = dir.filePath("weights.gradlab");
    QVERIFY(writeText(net, kNet));
    const QStringList common{"train", net, "--dataset", "moons", "--samples", "128", "--batch", "32", "--quiet"};
    Cli r = runCli(common + QStringList{"--steps", "5", "--save", saved, "--weights-only", "h1,logits"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    const persist::Experiment e = persist::loadExperiment(saved.toStdString());
    std::vector<std::string> names;
    for (const auto& [name, tensor] : e.weights) names.push_back(name);
    QCOMPARE(names, (std::vector<std::string>{"h1.bias", "h1.weight", "logits.bias", "logits.weight"}));
    QVERIFY(e.trainingHistory.empty() && e.validationHistory.empty() && e.progress.empty());
    r = runCli(common + QStringList{"--steps", "5", "--save", saved, "--weights-only", "a1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--weights-only: no layer 'a1' with parameters; this network's are h1, h2, logits"),
             qPrintable(r.err));
    r = runCli(common + QStringList{"--steps", "5", "--weights-only", "all"});
    QVERIFY2(r.err.contains("--weights-only: give --save FILE.gradlab too"), qPrintable(r.err));
  }

  // Bad names and values: exit 2 and one printable line saying what to do.
  void cliRefusesBadLayersInOneLine() {
    QTemporaryDir dir;
    const QString net = dir.filePath("net.net");
    QVERIFY(writeText(net, kNet));
    const QStringList common{"train", net, "--dataset", "moons", "--steps", "1", "--quiet"};
    const std::vector<std::pair<QStringList, QString>> cases{
        {{"--freeze", "conv1,h1"}, "--freeze: no layer 'conv1' with parameters; this network's are h1, h2, logits"},
        {{"--freeze", "h1;h2"}, "--freeze: 'h1;h2' is not a layer name; give names separated by commas: c1,c3"},
        {{"--lr-mult", "fc1=0.1"}, "--lr-mult: no layer 'fc1' with parameters"},
        {{"--lr-mult", "h1"}, "--lr-mult: write key=value items separated by commas"},
        {{"--lr-mult", "h1=x"}, "--lr-mult h1: 'x' is not a number in [0, 1000]"},
        {{"--lr-mult", "h1=-1"}, "--lr-mult h1: -1 is out of range [0, 1000]"},
        {{"--freeze", "h1", "--lr-mult", "h1=0.1"}, "--lr-mult: h1 is frozen (--freeze)"},
        {{"--init-from", dir.filePath("missing.gradlab")}, "missing.gradlab"},
        // train's options no longer fit one line: the similar ones and where to find all.
        {{"--lr-multi", "h1=0.1"},
         "unknown option --lr-multi for 'train' (similar: --lr-mult, --lr; see gradlab-cli train --help)"}};
    for (const auto& [args, expected] : cases) {
      const Cli r = runCli(common + args);
      const QString context = args.join(' ') + " -> " + r.err;
      QVERIFY2(r.code == 2 || (r.code == 1 && args[0] == "--init-from"), qPrintable(context));
      QVERIFY2(r.err.contains(expected), qPrintable(context));
      QVERIFY2(r.err.trimmed().count('\n') == 0, qPrintable("more than one line: " + context));
      QVERIFY2(!r.out.contains("Training"), qPrintable("trained before refusing: " + context));
    }
  }
};

QTEST_GUILESS_MAIN(TestTransfer)
#include "test_transfer.moc"

// Experiment files: a fully populated experiment comes back equal (NaN and infinity included), the
// committed version-1 file still opens, foreign, empty, truncated, corrupted and newer files are
// refused with a message that says so (and arbitrary bytes never get past a FileError), a failed
// save leaves the previous file intact, and autosave tells a crashed session from a clean exit or
// one still running.
#include "nn/graph_variants.h"
#include "nn/network_text.h"
#include "persist/autosave.h"
#include "persist/experiment_file.h"
#include "persist/run_setup.h"
#include "persist/run_variant.h"
#include "persist/saved_moments.h"
#include "support/child_process.h"
#include "train/internals.h"
#include "util/option_ranges.h"

#include <QTemporaryDir>
#include <QTest>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <functional>
#include <random>
#include <tuple>

using namespace gradlab;
namespace fs = std::filesystem;

namespace {

const char* kNetwork = R"(network "Toy MLP"
input x: 2
h1 = Linear(x, out_features=16, init=kaiming_normal)
a1 = ReLU(h1)
logits = Linear(a1, out_features=3)
loss = CrossEntropyLoss(logits)
)";

// Every field differs from its default; `weights` and the curves come from `rng`.
persist::Experiment populated(std::mt19937& rng, size_t weightScale = 1) {
  std::uniform_real_distribution<float> uniform(-2, 2);
  persist::Experiment e;
  e.title = "Spiral with Adam — \"try 3\"\nsecond line";
  e.network = kNetwork;
  e.layout = {{"x", {-12.5, 40}}, {"h1", {100.25, 40}}, {"a1", {220, -3.75}}, {"logits", {340, 1e-300}}};
  auto& t = e.training;
  t.dataset = "idx:/data/my digits";
  t.toySamples = 900;
  t.toyNoise = 0.25;
  t.toyClasses = 3;
  t.sampleLimit = 5000;
  t.validationFraction = 0.2;
  t.batch = 32;
  t.epochs = 7;
  t.maxSteps = 123456789012ULL;
  t.seed = 4000000000u;
  t.device = "llvmpipe";
  t.normalization = "mean-image";
  t.augmentation = {{"flip", ""}, {"crop", "4"}, {"rotate", "12.5"}};
  t.optimizer = "adamw";
  t.optimizerValues = {{"lr", "0.001"}, {"beta2", "0.99"}, {"amsgrad", "true"}};
  t.schedule = "cosine";
  t.scheduleValues = {{"T_max", "1000"}, {"eta_min", "1e-05"}, {"warmup", "100"}};
  t.l1 = 1e-5;
  t.l2 = 0.1 + 0.2;  // not exactly representable in decimal: must come back bit for bit
  t.penalizeAllTensors = true;
  t.clipNorm = 1.5;
  t.clipValue = 0.75;
  t.probeInterval = 50;
  for (uint64_t s = 0; s < 257; ++s) e.trainingHistory.push_back({s, uniform(rng) + 2.0, uniform(rng) / 4 + 0.5});
  e.trainingHistory.push_back({257, NAN, 0.5});  // the step where a run diverged
  e.trainingHistory.push_back({258, INFINITY, -0.0});
  e.validationHistory = {{100, 0.71, 0.83}, {200, 0.52, 0.88}};
  // Sizes that are not multiples of 3 bytes' worth, as base64 pads them.
  for (auto [name, shape] : std::vector<std::pair<std::string, std::vector<uint32_t>>>{
           {"h1.weight", {16, 2}}, {"h1.bias", {16}}, {"logits.weight", {3, 16}}, {"logits.bias", {3}}, {"odd", {1}}}) {
    shape[0] *= uint32_t(weightScale);
    persist::Tensor tensor{shape, {}};
    size_t n = 1;
    for (uint32_t d : shape) n *= d;
    for (size_t i = 0; i < n; ++i) tensor.values.push_back(uniform(rng));
    e.weights[name] = tensor;
  }
  e.look = {"baseline \"α\"\nsecond line", 7, false};
  // Three runs beside it, as many as a set holds, each with results of its own.
  for (const char* label : {"B", "C", "D"}) {
    persist::RunVariant run;
    run.label = label;
    run.name = std::string("run ") + label + " \"ß\"";
    run.colour = uint32_t(e.comparisons.size() + 1) * 2;
    run.visible = e.comparisons.size() != 1;
    run.changes = {{"init", "xavier_normal"}, {"optimizer", "adam:lr=0.001;beta2=0.99"}, {"batch", "16"}};
    if (e.comparisons.size() == 2) run.network = std::string(kNetwork) + "# a variant\n";
    run.trainingHistory = {{0, uniform(rng) + 1.0, 0.25}, {1, NAN, 0.5}};
    run.validationHistory = {{1, 0.5, -0.0}};
    run.weights["h1.bias"] = {{3}, {uniform(rng), uniform(rng), INFINITY}};
    run.progress.step = 2;
    run.progress.optimizer = "Adam";
    run.progress.optimizerState["0.exp_avg"] = {{2}, {uniform(rng), uniform(rng)}};
    e.comparisons.push_back(run);
  }
  return e;
}

// The experiment tests/data/experiment_v1.gradlab holds: from exact arithmetic only, so it is the
// same with any compiler and library.
persist::Experiment versionOneExperiment() {
  std::mt19937 rng(1);  // std::mt19937's output sequence is fixed by the standard; distributions are not
  persist::Experiment e;
  e.title = "Format 1 fixture";
  e.network = kNetwork;
  e.layout = {{"x", {0, 0}}, {"h1", {120, 0}}, {"a1", {240, 0}}, {"logits", {360, 0}}, {"loss", {480, 0}}};
  e.training.dataset = "spiral";
  e.training.toyClasses = 3;
  e.training.batch = 16;
  e.training.epochs = 20;
  e.training.seed = 42;
  e.training.normalization = "standardize";
  e.training.augmentation = {{"brightness", "0.1"}};
  e.training.optimizer = "sgd";
  e.training.optimizerValues = {{"lr", "0.3"}, {"momentum", "0.9"}};
  e.training.schedule = "step";
  e.training.scheduleValues = {{"step_size", "100"}, {"gamma", "0.5"}};
  e.training.l2 = 0.001;
  e.training.clipNorm = 1;
  e.training.probeInterval = 25;
  for (uint64_t s = 0; s < 40; ++s) e.trainingHistory.push_back({s, 1.5 - double(s) / 64, double(s) / 50});
  e.trainingHistory.push_back({40, NAN, 0.75});
  e.validationHistory = {{19, 1.25, 0.5}, {39, 0.875, 0.75}};
  const std::vector<std::pair<std::string, std::vector<uint32_t>>> shapes{
      {"h1.weight", {16, 2}}, {"h1.bias", {16}}, {"logits.weight", {3, 16}}, {"logits.bias", {3}}};
  for (const auto& [name, shape] : shapes) {
    persist::Tensor tensor{shape, {}};
    for (size_t i = 0, n = shape.size() == 2 ? shape[0] * shape[1] : shape[0]; i < n; ++i)
      tensor.values.push_back(float(int32_t(rng() % 2001) - 1000) / 1024.0f);
    e.weights[name] = tensor;
  }
  return e;
}

// Format 2 adds the convolution setting to the training settings; its fixture is format 1's
// experiment with the FFT chosen.
persist::Experiment versionTwoExperiment() {
  persist::Experiment e = versionOneExperiment();
  e.title = "Format 2 fixture";
  e.training.convolution = "fft";
  return e;
}

// Format 3 adds where the run stands (its step and optimizer state), so a reopened run continues;
// its fixture is format 2's experiment stopped at step 41 with momentum SGD's buffers.
persist::Experiment versionThreeExperiment() {
  persist::Experiment e = versionTwoExperiment();
  e.title = "Format 3 fixture";
  e.progress.step = 41;
  e.progress.optimizer = "SGD";
  for (const auto& [name, tensor] : e.weights) {
    persist::Tensor moments{{uint32_t(tensor.values.size())}, {}};
    for (float v : tensor.values) moments.values.push_back(v / 8);
    e.progress.optimizerState[std::to_string(e.progress.optimizerState.size()) + ".momentum_buffer"] = moments;
  }
  e.progress.optimizerState["last"] = {{2}, {5.75e-44f, 0.3f}};  // counter 40 as float bits, the rate
  return e;
}

// Format 4 adds the runs of a comparison; its fixture is format 3's experiment with one run
// beside it (run B: a smaller learning rate and a network variant) that has results of its own.
persist::Experiment versionFourExperiment() {
  persist::Experiment e = versionThreeExperiment();
  e.title = "Format 4 fixture";
  persist::RunVariant b;
  b.label = "B";
  b.name = "slower, with BN";
  b.colour = 1;
  b.changes = {{"lr", "0.03"}, {"init", "xavier_normal"}};
  b.network = std::string(kNetwork).replace(std::string(kNetwork).find("a1 = ReLU(h1)"), 13,
                                            "bn1 = BatchNorm1d(h1)\na1 = ReLU(bn1)");
  for (uint64_t s = 0; s < 20; ++s) b.trainingHistory.push_back({s, 1.5 - double(s) / 128, double(s) / 100});
  b.validationHistory = {{19, 1.375, 0.25}};
  for (const auto& [name, tensor] : e.weights) {
    persist::Tensor scaled = tensor;
    for (float& v : scaled.values) v /= 2;
    b.weights[name] = scaled;
  }
  b.weights["bn1.weight"] = {{16}, std::vector<float>(16, 1.0f)};
  b.progress.step = 20;
  b.progress.optimizer = "SGD";
  b.progress.optimizerState["last"] = {{2}, {2.8e-44f, 0.03f}};
  e.comparisons.push_back(b);
  return e;
}

// Format 5 adds run A's look (its name, colour and visibility, which runs B-D had since format 4);
// its fixture is format 4's experiment with run A named, re-coloured and hidden.
persist::Experiment versionFiveExperiment() {
  persist::Experiment e = versionFourExperiment();
  e.title = "Format 5 fixture";
  e.look = {"fast baseline", 5, false};
  return e;
}

// Format 6 adds the timeline's moments; its fixture is format 5's experiment with three moments of
// its two runs, which share a probe report, a boundary and a set of weights between them.
persist::Experiment versionSixExperiment() {
  persist::Experiment e = versionFiveExperiment();
  e.title = "Format 6 fixture";
  auto probes = std::make_shared<train::ProbeReport>();
  probes->step = 10;
  train::LayerProbe layer{"h1", "Linear", {}, {}};
  layer.activation = {64, 0.25, 1.5, -3, 4, 0.125, std::nullopt, std::vector<float>(train::kHistogramBins, 2)};
  layer.gradient.count = 64;
  layer.gradient.deadFraction = std::nan("");
  probes->layers = {layer};
  probes->parameters = {{"h1.weight", 2.5, 0.75, 1e-3}};
  probes->weights = {{"h1.weight", nn::Shape{2, 3}, {1, -2, 3.5f, -0.0f, 1e-30f, 6}}};
  auto boundary = std::make_shared<train::DecisionBoundary>();
  boundary->step = 20;
  boundary->extent = {-1.5, 2.5, -1, 1};
  boundary->grid = 2;
  boundary->classes = 2;
  boundary->cellClass = {0, 1, 1, 0};
  boundary->confidence = {0.5f, 0.75f, 1, 0.625f};
  auto parameters = std::make_shared<std::vector<train::WeightSnapshot>>(
      std::vector<train::WeightSnapshot>{{"h1.bias", nn::Shape{2}, {0.5f, -0.5f}}});
  auto timeline = std::make_shared<persist::SavedTimeline>();
  timeline->moments = {{10, {{0, 10, probes, nullptr, nullptr}, {1, 10, nullptr, nullptr, nullptr}}},
                       {20, {{0, 20, probes, boundary, nullptr}, {1, 20, probes, nullptr, nullptr}}},
                       {41, {{0, 41, probes, boundary, parameters}, {1, 41, nullptr, boundary, parameters}}}};
  e.moments.saved = timeline;
  return e;
}

// Format 7 adds fine-tuning to the training settings (frozen layers, per-layer rate multipliers);
// its fixture is format 6's experiment with h1 frozen and logits at lr x0.1.
persist::Experiment versionSevenExperiment() {
  persist::Experiment e = versionSixExperiment();
  e.title = "Format 7 fixture";
  e.training.frozenLayers = {"h1"};
  e.training.lrMultipliers = {{"logits", "0.1"}};
  return e;
}

// Format 8 adds the sharpness and the internals a probe measured; its fixture is format 7's
// experiment whose run B has a probe at step 40 with both, which its latest moment names.
persist::Experiment versionEightExperiment() {
  persist::Experiment e = versionSevenExperiment();
  e.title = "Format 8 fixture";
  auto probes = std::make_shared<train::ProbeReport>(*e.moments.saved->moments[0].members[0].probes);
  probes->step = 40;
  probes->sharpness = train::SharpnessReading{19.75, 1.5e-4, 0.1, 40, 0.0375};
  auto internals = std::make_shared<train::InternalsReport>();
  train::OptimizerInternals& adam = internals->optimizer;
  adam.optimizer = "Adam";
  adam.step = 40;
  adam.biasCorrection1 = 0.984375;
  adam.biasCorrection2 = 0.0390625;
  const train::StateSummary m{
      "exp_avg", {6, 0.125, 0.5, -1, 1, {}, {}, std::vector<float>(train::kHistogramBins, 3)}, 1.25};
  const train::StateSummary step{"step", {6, -1e-3, 2e-3, -4e-3, 3e-3, {}, {}, {}}, 5e-3};
  adam.tensors = {{"h1.weight", {m, step}}, {"h1.bias", {m}}};
  internals->batchNorms = {{"bn1", 16, {0.5, -0.25}, {1, 2}, {0.25, -0.125}, {0.75, 1.5}}};
  internals->modeGap = train::ModeGap{0.75, 0.875, 0.5, 0.4375};
  internals->distinctUnits = {{"h1.weight", 16, 15, 2}, {"logits.weight", 3, 1, 3}};
  probes->internals = internals;
  auto timeline = std::make_shared<persist::SavedTimeline>(*e.moments.saved);
  timeline->moments[2].members[1].probes = probes;
  e.moments.saved = timeline;
  return e;
}

std::string readAll(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The payload after "22 serialization::archive 18": what follows does not depend on the Boost
// release that wrote it.
std::string withoutBoostVersion(const std::string& file) {
  const std::string payload = file.substr(40);
  return payload.substr(payload.find(' ', payload.find("archive ") + 8));
}

void writeAll(const fs::path& path, const std::string& bytes) { std::ofstream(path, std::ios::binary) << bytes; }

// The message of the FileError `f` throws; fails the test when it throws anything else or nothing.
std::string fileError(const std::function<void()>& f) {
  try {
    f();
  } catch (const persist::FileError& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("NOT A FileError: ") + e.what();
  }
  return "NO ERROR";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Header fields (docs/EXPERIMENT_FORMAT.md), to forge files as other versions write them.
void put32(std::string& bytes, size_t offset, uint32_t v) {
  for (int i = 0; i < 4; ++i) bytes[offset + i] = char(v >> (8 * i));
}
void resealChecksum(std::string& bytes) {
  put32(bytes, 8, uint32_t(crc32_z(0, reinterpret_cast<const Bytef*>(bytes.data()) + 12, bytes.size() - 12)));
}
// A payload edited in place made whole again: the header's payload size (bytes 16-23, after the
// 40-byte header) and the checksum agree with it, so only what the edit forged is wrong.
void resealPayload(std::string& bytes) {
  for (int i = 0; i < 8; ++i) bytes[16 + i] = char((bytes.size() - 40) >> (8 * i));
  resealChecksum(bytes);
}

std::vector<fs::path> filesIn(const fs::path& folder) {
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(folder)) files.push_back(entry.path().filename());
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

class TestExperimentFile : public QObject {
  Q_OBJECT

 private slots:
  void fullyPopulatedRoundTrip() {
    QTemporaryDir dir;
    std::mt19937 rng(11);
    const persist::Experiment original = populated(rng);
    const fs::path path = dir.path().toStdString() + "/spiral.gradlab";
    persist::saveExperiment(original, path);
    const persist::Experiment loaded = persist::loadExperiment(path);
    QVERIFY(loaded == original);
    QVERIFY(std::isnan(loaded.trainingHistory.at(257).loss));
    QCOMPARE(loaded.training.l2, 0.1 + 0.2);
    QVERIFY(nn::parseNetwork(loaded.network).ok());
    QCOMPARE(persist::toBytes(loaded), persist::toBytes(original));  // saving is deterministic

    // Equality looks at everything: one changed bit of one weight, or a point moved, is a difference.
    persist::Experiment changed = loaded;
    changed.weights["odd"].values[0] = std::nextafter(changed.weights["odd"].values[0], 10.0f);
    QVERIFY(!(changed == original));
    changed = loaded;
    changed.layout["a1"].y += 1;
    QVERIFY(!(changed == original));
    QVERIFY(!(persist::Experiment{} == original));
    persist::saveExperiment({}, path);  // an untouched experiment too
    QVERIFY(persist::loadExperiment(path) == persist::Experiment{});
  }

  // The committed file written by format 1 opens to the same experiment, and format 1 still writes
  // the same payload (when this fails, the format changed: raise kFormatVersion, read the old one,
  // and add a fixture for the new one). GRADLAB_WRITE_FIXTURE=1 writes the file anew.
  void versionOneFixture() {
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v1.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionOneExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    QVERIFY(persist::loadExperiment(fixture) == versionOneExperiment());
    if (persist::kFormatVersion == 1)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionOneExperiment())));
  }

  // Format 1 files have no convolution setting: they open with "auto". The committed format-2
  // file opens to its experiment, and this GradLab still writes the same payload for it.
  void versionTwoFixture() {
    QCOMPARE(persist::loadExperiment(fs::path(GRADLAB_TEST_DATA) / "experiment_v1.gradlab").training.convolution,
             std::string("auto"));
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v2.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionTwoExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    QVERIFY(persist::loadExperiment(fixture) == versionTwoExperiment());
    if (persist::kFormatVersion == 2)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionTwoExperiment())));
    // The setting reaches the run's options; a bad one is named.
    persist::TrainingSettings s;
    s.convolution = "fft";
    QVERIFY(persist::runSetup(s).options.conv == nn::ConvAlgorithm::Fft);
    s.convolution = "winograd";
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, persist::runSetup(s));
  }

  // A saved setting that gradlab-cli would refuse is refused by the lab's run setup in the CLI's
  // words (util::parseNumber on the option's text), whatever the file holds.
  void savedSettingsAreRefusedAsTheCliRefusesThem() {
    namespace ranges = util::ranges;
    const auto refusal = [](const std::function<void()>& f) -> std::string {
      try {
        f();
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "accepted";
    };
    const auto setupRefusal = [&](const std::function<void(persist::TrainingSettings&)>& edit) {
      persist::TrainingSettings s;
      edit(s);
      return refusal([&] { persist::runSetup(s); });
    };
    const auto cliRefusal = [&](const char* option, const char* text, const util::Range& range) {
      return refusal([&] { util::parseNumber(option, text, range); });
    };
    QCOMPARE(setupRefusal([](auto& s) { s.toyNoise = -1; }), cliRefusal("--noise", "-1", ranges::kToyNoise));
    QCOMPARE(setupRefusal([](auto& s) { s.toyNoise = INFINITY; }), cliRefusal("--noise", "inf", ranges::kToyNoise));
    QCOMPARE(setupRefusal([](auto& s) { s.validationFraction = NAN; }),
             cliRefusal("--validation", "nan", ranges::kValidation));
    QCOMPARE(setupRefusal([](auto& s) { s.validationFraction = 1; }),
             cliRefusal("--validation", "1", ranges::kValidation));
    QCOMPARE(setupRefusal([](auto& s) { s.toyClasses = 65; }), cliRefusal("--classes", "65", ranges::kToyClasses));
    QCOMPARE(setupRefusal([](auto& s) { s.toySamples = 3; }), cliRefusal("--samples", "3", ranges::kToySamples));
    QCOMPARE(setupRefusal([](auto& s) { s.batch = 0; }), cliRefusal("--batch", "0", ranges::kBatch));
    QCOMPARE(setupRefusal([](auto& s) { s.epochs = 100001; }), cliRefusal("--epochs", "100001", ranges::kEpochs));
    QCOMPARE(setupRefusal([](auto& s) { s.sampleLimit = (1u << 30) + 1; }),
             cliRefusal("--limit", "1073741825", ranges::kSampleLimit));
    QCOMPARE(setupRefusal([](auto& s) { s.l2 = 2e6; }), cliRefusal("--l2", "2000000", ranges::kPenalty));
    QCOMPARE(setupRefusal([](auto& s) { s.clipNorm = NAN; }), cliRefusal("--clip-norm", "nan", ranges::kClip));
    QCOMPARE(setupRefusal([](auto& s) { s.clipValue = -1; }), cliRefusal("--clip-value", "-1", ranges::kClip));
    // 0 means "off" in a file (the option is then not given) and a step count replaces the epochs.
    QCOMPARE(setupRefusal([](auto& s) { s.clipNorm = s.clipValue = 0; }), std::string("accepted"));
    QCOMPARE(setupRefusal([](auto& s) { s.epochs = 0, s.maxSteps = 10; }), std::string("accepted"));
    QCOMPARE(setupRefusal([](auto& s) { s.epochs = 0; }), cliRefusal("--epochs", "0", ranges::kEpochs));
  }

  // Files of formats 1 and 2 hold no run state: they open with none (their weights start a new
  // run). The committed format-3 file opens to its experiment, run state included, this GradLab
  // still writes the same payload for it, and the file says what it holds.
  void versionThreeFixture() {
    for (const char* older : {"experiment_v1.gradlab", "experiment_v2.gradlab"}) {
      const persist::Experiment e = persist::loadExperiment(fs::path(GRADLAB_TEST_DATA) / older);
      QVERIFY(e.progress.empty());
      QCOMPARE(persist::contentsOf(e), std::string("the network and settings, curves to step 41, trained weights"));
    }
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v3.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionThreeExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    const persist::Experiment loaded = persist::loadExperiment(fixture);
    QVERIFY(loaded == versionThreeExperiment());
    QCOMPARE(loaded.progress.optimizerState.size(), size_t(5));
    if (persist::kFormatVersion == 3)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionThreeExperiment())));
    QCOMPARE(persist::contentsOf(loaded),
             std::string("the network and settings, curves to step 41, trained weights and SGD's state at step 41"));
    persist::Experiment changed = loaded;  // equality sees the run state
    changed.progress.optimizerState["0.momentum_buffer"].values[3] += 1;
    QVERIFY(!(changed == loaded));
  }

  // Files of formats 1 to 3 hold one run: they open with no comparisons. The committed format-4
  // file opens to its experiment with run B beside it, this GradLab still writes the same payload
  // for it, and the file says what it holds.
  void versionFourFixture() {
    for (const char* older : {"experiment_v1.gradlab", "experiment_v2.gradlab", "experiment_v3.gradlab"})
      QVERIFY(persist::loadExperiment(fs::path(GRADLAB_TEST_DATA) / older).comparisons.empty());
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v4.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionFourExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    const persist::Experiment loaded = persist::loadExperiment(fixture);
    QVERIFY(loaded == versionFourExperiment());
    QCOMPARE(loaded.comparisons.size(), size_t(1));
    QVERIFY(nn::parseNetwork(loaded.comparisons[0].network).ok());
    if (persist::kFormatVersion == 4)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionFourExperiment())));
    QCOMPARE(persist::contentsOf(loaded),
             std::string("the network and settings, curves to step 41, trained weights and "
                         "SGD's state at step 41; 2 runs side by side (A and B)"));
    persist::Experiment changed = loaded;  // equality sees every run's settings and results
    changed.comparisons[0].changes["lr"] = "0.3";
    QVERIFY(!(changed == loaded));
    changed = loaded;
    changed.comparisons[0].weights["h1.bias"].values[0] += 1;
    QVERIFY(!(changed == loaded));
    changed = loaded;
    changed.comparisons[0].visible = false;
    QVERIFY(!(changed == loaded));
  }

  // Files of formats 1 to 4 show run A unnamed, in the palette's first colour, shown. The committed
  // format-5 file opens to its experiment with A's look, and this GradLab still writes the same
  // payload for it.
  void versionFiveFixture() {
    for (const char* older :
         {"experiment_v1.gradlab", "experiment_v2.gradlab", "experiment_v3.gradlab", "experiment_v4.gradlab"})
      QVERIFY(persist::loadExperiment(fs::path(GRADLAB_TEST_DATA) / older).look == persist::RunLook{});
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v5.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionFiveExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    const persist::Experiment loaded = persist::loadExperiment(fixture);
    QVERIFY(loaded == versionFiveExperiment());
    QCOMPARE(loaded.look.name, std::string("fast baseline"));
    if (persist::kFormatVersion == 5)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionFiveExperiment())));
    persist::Experiment changed = loaded;  // equality sees A's look
    changed.look.visible = true;
    QVERIFY(!(changed == loaded));
  }

  // Files of formats 1 to 5 hold no moments. The committed format-6 file opens to its moments,
  // objects shared between moments shared again, and this GradLab still writes the same payload.
  void versionSixFixture() {
    for (int version = 1; version <= 5; ++version) {
      const fs::path older = fs::path(GRADLAB_TEST_DATA) / ("experiment_v" + std::to_string(version) + ".gradlab");
      QVERIFY2(persist::loadExperiment(older).moments.empty(), older.c_str());
    }
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v6.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionSixExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    const persist::Experiment loaded = persist::loadExperiment(fixture);
    QVERIFY(loaded == versionSixExperiment());
    const auto& moments = loaded.moments.saved->moments;
    QCOMPARE(moments.size(), size_t(3));
    QCOMPARE(moments[2].members[1].step, uint64_t(41));
    QVERIFY(moments[0].members[0].probes == moments[2].members[0].probes);
    QVERIFY(moments[1].members[0].boundary == moments[2].members[1].boundary);
    QVERIFY(std::isnan(*moments[1].members[1].probes->layers[0].gradient.deadFraction));
    QCOMPARE(moments[2].members[1].parameters->at(0).values[1], -0.5f);
    if (persist::kFormatVersion == 6)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionSixExperiment())));
    persist::Experiment changed = versionSixExperiment();  // equality sees the moments' contents
    auto edited = std::make_shared<persist::SavedTimeline>(*changed.moments.saved);
    auto boundary = std::make_shared<train::DecisionBoundary>(*edited->moments[1].members[0].boundary);
    boundary->confidence[3] = 0.5f;
    edited->moments[1].members[0].boundary = boundary;
    changed.moments.saved = edited;
    QVERIFY(!(changed == loaded));
  }

  // Formats 1-6 train every layer at the run's rate; the committed format-7 file opens to its
  // experiment (frozen layers and multipliers included), and this GradLab still writes its payload.
  void versionSevenFixture() {
    for (int version = 1; version <= 6; ++version) {
      const fs::path older = fs::path(GRADLAB_TEST_DATA) / ("experiment_v" + std::to_string(version) + ".gradlab");
      const persist::Experiment loaded = persist::loadExperiment(older);
      QVERIFY2(loaded.training.frozenLayers.empty() && loaded.training.lrMultipliers.empty(), older.c_str());
    }
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v7.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionSevenExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    const persist::Experiment loaded = persist::loadExperiment(fixture);
    QVERIFY(loaded == versionSevenExperiment());
    QCOMPARE(loaded.training.frozenLayers, std::vector<std::string>{"h1"});
    QCOMPARE(loaded.training.lrMultipliers.at("logits"), std::string("0.1"));
    if (persist::kFormatVersion == 7)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionSevenExperiment())));
  }

  // Files of formats 1 to 7 hold no sharpness or internals. The committed format-8 file opens to
  // run B's probe with both, and this GradLab still writes its payload.
  void versionEightFixture() {
    for (int version = 6; version <= 7; ++version) {
      const fs::path older = fs::path(GRADLAB_TEST_DATA) / ("experiment_v" + std::to_string(version) + ".gradlab");
      const persist::Experiment loaded = persist::loadExperiment(older);
      for (const auto& moment : loaded.moments.saved->moments)
        for (const auto& m : moment.members) QVERIFY(!m.probes || (!m.probes->sharpness && !m.probes->internals));
    }
    const fs::path fixture = fs::path(GRADLAB_TEST_DATA) / "experiment_v8.gradlab";
    if (qEnvironmentVariableIsSet("GRADLAB_WRITE_FIXTURE")) persist::saveExperiment(versionEightExperiment(), fixture);
    QVERIFY2(fs::exists(fixture), ("missing " + fixture.string()).c_str());
    const persist::Experiment loaded = persist::loadExperiment(fixture);
    QVERIFY(loaded == versionEightExperiment());
    const auto& latest = loaded.moments.saved->moments[2];
    QVERIFY(!latest.members[0].probes->sharpness && !latest.members[0].probes->internals);
    const train::ProbeReport& b = *latest.members[1].probes;
    QCOMPARE(b.sharpness->lambdaMax, 19.75);
    QCOMPARE(b.sharpness->gradients, 40u);
    QCOMPARE(*b.internals->optimizer.biasCorrection2, 0.0390625);
    QVERIFY(!b.internals->optimizer.rectification);
    QCOMPARE(b.internals->optimizer.tensors[0].find("exp_avg")->stats.histogram[31], 3.0f);
    QCOMPARE(b.internals->batchNorms[0].runningVar[1], 1.5);
    QCOMPARE(b.internals->modeGap->evalAccuracy, 0.4375);
    QCOMPARE(b.internals->distinctUnits[1].distinct, 1u);
    if (persist::kFormatVersion == 8)
      QCOMPARE(withoutBoostVersion(readAll(fixture)), withoutBoostVersion(persist::toBytes(versionEightExperiment())));
    persist::Experiment changed = versionEightExperiment();  // equality sees the internals
    auto edited = std::make_shared<persist::SavedTimeline>(*changed.moments.saved);
    auto report = std::make_shared<train::ProbeReport>(*edited->moments[2].members[1].probes);
    auto internals = std::make_shared<train::InternalsReport>(*report->internals);
    internals->batchNorms[0].batchMean[0] = 0.5000001;
    report->internals = internals;
    edited->moments[2].members[1].probes = report;
    changed.moments.saved = edited;
    QVERIFY(!(changed == loaded));
  }

  // Counts and sizes of the internals are checked as they are read: a forged one is refused in one
  // line, before anything of its size is made.
  void forgedInternalsAreRefused() {
    const std::string fixture = readAll(GRADLAB_TEST_DATA "/experiment_v8.gradlab");
    const std::string tensors = "2 9 h1.weight 2 7 exp_avg";
    const std::string units = "2 9 h1.weight 16 15 2 13 logits.weight 3 1 3";
    for (const std::string& part : {tensors, units})
      QVERIFY2(fixture.find(part) != std::string::npos, ("the fixture has no '" + part + "'").c_str());
    for (const auto& [from, to, says] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {tensors, "4000000000 9 h1.weight 2 7 exp_avg", "it names 4000000000 optimizer tensors where"},
             {tensors, "2 9 h1.weight 3000000000 7 exp_avg", "it names 3000000000 optimizer states where"},
             {units, "2 9 h1.weight 16 17 2 13 logits.weight 3 1 3", "h1.weight has more distinct"},
             {units, "4000000000 9 h1.weight 16 15 2 13 logits.weight 3 1 3", "layers of distinct units where"}}) {
      std::string forged = fixture;
      forged.replace(forged.find(from), from.size(), to);
      resealPayload(forged);
      const auto outcome =
          test::runInChild([&] { return fileError([&] { persist::fromBytes(forged, "forged.gradlab"); }); }, 20);
      const std::string& m = outcome.message;
      QVERIFY2(outcome.exited && outcome.signal == 0, m.c_str());
      QVERIFY2(contains(m, "forged.gradlab is damaged") && contains(m, says) && test::isOneShortLine(m, 400),
               m.c_str());
    }
  }

  // Counts and places of the moments part are checked as they are read: a forged one is refused
  // in one line, before anything of its size is made.
  void forgedMomentsAreRefused() {
    const std::string fixture = readAll(GRADLAB_TEST_DATA "/experiment_v6.gradlab");
    // The moments end the payload: their count, then each one's position, runs and their objects.
    const std::string moments = "3 10 2 0 10 1 0 0 1 10 0 0 0";
    QVERIFY2(fixture.find(moments) != std::string::npos, "the fixture's moments are not where this test looks");
    for (const auto& [to, says] : std::vector<std::pair<std::string, std::string>>{
             {"4000000000 10 2 0 10 1 0 0 1 10 0 0 0", "it names 4000000000 moments where"},
             {"3 10 2000000000 0 10 1 0 0 1 10 0 0 0", "it names 2000000000 runs in a moment where"},
             {"3 10 2 0 10 9 0 0 1 10 0 0 0", "a moment names object 9 of 1"},
             {"3 10 2 7 10 1 0 0 1 10 0 0 0", "a moment names run 7 of at most 4"},
             {"3 50 2 0 10 1 0 0 1 10 0 0 0", "its moments are not in the order of their steps"}}) {
      std::string forged = fixture;
      forged.replace(forged.find(moments), moments.size(), to);
      resealPayload(forged);
      const auto outcome =
          test::runInChild([&] { return fileError([&] { persist::fromBytes(forged, "forged.gradlab"); }); }, 20);
      const std::string& m = outcome.message;
      QVERIFY2(outcome.exited && outcome.signal == 0, m.c_str());
      QVERIFY2(contains(m, "forged.gradlab is damaged") && contains(m, says) && test::isOneShortLine(m, 400),
               m.c_str());
    }
  }

  // A colour is an entry of the lab's palette: a file naming another (forged, or from a faulty
  // writer) is refused in one line naming the run, and such a set is not saved.
  void forgedColoursAreRefused() {
    const std::string fixture = readAll(GRADLAB_TEST_DATA "/experiment_v5.gradlab");
    // A's look ends the payload: its name, colour and visibility.
    const std::string tail = "13 fast baseline 5 0\n";
    QVERIFY2(fixture.size() > tail.size() && fixture.compare(fixture.size() - tail.size(), tail.size(), tail) == 0,
             "the fixture's look is not where this test looks for it");
    const std::string bLook = "B 15 slower, with BN 1 1";
    QVERIFY2(fixture.find(bLook) != std::string::npos, "run B's look is not where this test looks for it");
    for (const auto& [run, from, to] : std::vector<std::tuple<std::string, std::string, std::string>>{
             {"A", tail, "13 fast baseline 8 0\n"},
             {"A", tail, "13 fast baseline 4294967295 0\n"},
             {"B", bLook, "B 15 slower, with BN 4000000000 1"}}) {
      std::string forged = fixture;
      forged.replace(forged.rfind(from), from.size(), to);
      resealPayload(forged);
      const std::string m = fileError([&] { persist::fromBytes(forged, "forged.gradlab"); });
      QVERIFY2(contains(m, "forged.gradlab is damaged") && contains(m, "run " + run + " has colour") &&
                   contains(m, "the palette has 8") && test::isOneShortLine(m, 400),
               m.c_str());
    }
    QTemporaryDir dir;
    const fs::path path = dir.path().toStdString() + "/colour.gradlab";
    persist::Experiment e = versionFiveExperiment();
    e.comparisons[0].colour = persist::kRunColours;
    const std::string m = fileError([&] { persist::saveExperiment(e, path); });
    QVERIFY2(contains(m, "Cannot save") && contains(m, "run B has colour 8") && test::isOneShortLine(m, 400),
             m.c_str());
    QVERIFY(!fs::exists(path));
  }

  // A comparison has at most 4 runs: a file naming more (written by a faulty writer, or forged
  // to ask for billions) is refused in one line before any run is made.
  void tooManyRunsAreRefused() {
    persist::Experiment e = versionFourExperiment();
    e.comparisons.assign(persist::kMaxComparisons + 1, e.comparisons[0]);
    std::string m = fileError([&] { persist::fromBytes(persist::toBytes(e), "five.gradlab"); });
    QVERIFY2(contains(m, "five.gradlab is damaged") && contains(m, "4 runs besides the first") &&
                 contains(m, "at most 3") && test::isOneShortLine(m, 400),
             m.c_str());
    // Such a set is not saved (nor autosaved): the file would not open again.
    QTemporaryDir dir;
    const fs::path path = dir.path().toStdString() + "/five.gradlab";
    m = fileError([&] { persist::saveExperiment(e, path); });
    QVERIFY2(
        contains(m, "Cannot save") && contains(m, "5 runs") && contains(m, "at most 4") && test::isOneShortLine(m, 400),
        m.c_str());
    QVERIFY(!fs::exists(path));
    // The fixture's count of runs, then RunVariant's class information (not tracked, version 1),
    // then the first run's label and name.
    const std::string fixture = readAll(GRADLAB_TEST_DATA "/experiment_v4.gradlab");
    const size_t at = fixture.find("\n1 0 1 1 B 15 slower, with BN", 40);
    QVERIFY2(at != std::string::npos, "the fixture's run count is not where this test looks for it");
    for (const std::string count : {"4", "4000000000", "18446744073709551615"}) {
      std::string forged = fixture;
      forged.replace(at + 1, 1, count);
      resealPayload(forged);
      const auto outcome =
          test::runInChild([&] { return fileError([&] { persist::fromBytes(forged, "forged.gradlab"); }); }, 20);
      m = outcome.message;
      QVERIFY2(outcome.exited && outcome.signal == 0, (count + ": " + m).c_str());
      QVERIFY2(contains(m, "forged.gradlab is damaged") && contains(m, count + " runs besides the first") &&
                   test::isOneShortLine(m, 400),
               (count + ": " + m).c_str());
    }
  }

  // A run of a comparison is the base with its changes applied, each key as compare --run takes
  // it, and its own results; the base's other runs do not come along.
  void variantAppliesEveryKey() {
    persist::Experiment base = versionFourExperiment();
    base.training.optimizerValues = {{"lr", "0.1"}};
    persist::RunVariant run;
    run.label = "C";
    run.changes = {{"optimizer", "adam:beta2=0.99;eps=1e-07"},
                   {"schedule", "cosine:T_max=100;warmup=10"},
                   {"l1", "0.001"},
                   {"l2", "0.01"},
                   {"clip-norm", "2"},
                   {"clip-value", "0.5"},
                   {"seed", "7"},
                   {"augment", "flip;crop=2"},
                   {"normalize", "standardize"},
                   {"conv", "direct"},
                   {"batch", "8"},
                   {"init", "xavier_normal"}};
    run.trainingHistory = {{0, 2.5, 0.125}};
    run.weights["h1.bias"] = {{16}, std::vector<float>(16, 0.5f)};
    const persist::Experiment e = persist::variantExperiment(base, run);
    const persist::TrainingSettings& t = e.training;
    QCOMPARE(t.optimizer, std::string("adam"));
    QVERIFY((t.optimizerValues == std::map<std::string, std::string>{{"beta2", "0.99"}, {"eps", "1e-07"}}));
    QCOMPARE(t.schedule, std::string("cosine"));
    QVERIFY((t.scheduleValues == std::map<std::string, std::string>{{"T_max", "100"}, {"warmup", "10"}}));
    QCOMPARE(t.l1, 0.001);
    QCOMPARE(t.l2, 0.01);
    QCOMPARE(t.clipNorm, 2.0);
    QCOMPARE(t.clipValue, 0.5);
    QCOMPARE(t.seed, 7u);
    QVERIFY((t.augmentation == std::map<std::string, std::string>{{"flip", ""}, {"crop", "2"}}));
    QCOMPARE(t.normalization, std::string("standardize"));
    QCOMPARE(t.convolution, std::string("direct"));
    QCOMPARE(t.batch, 8u);
    QCOMPARE(t.dataset, base.training.dataset);  // what the run does not change is the base's
    QCOMPARE(t.epochs, base.training.epochs);
    const nn::Graph g = nn::parseNetwork(e.network).graph;
    for (const char* linear : {"h1", "logits"})
      QVERIFY(std::count(g.find(linear)->params.begin(), g.find(linear)->params.end(),
                         std::pair<std::string, std::string>{"init", "xavier_normal"}) == 1);
    QVERIFY(e.trainingHistory == run.trainingHistory && e.weights == run.weights && e.progress.empty());
    QVERIFY(e.comparisons.empty());
    QCOMPARE(e.title, std::string("Format 4 fixture (C)"));
    // An lr change is the rate of the base's optimizer; a network text replaces the base's.
    run.changes = {{"lr", "0.01"}};
    run.network = base.comparisons[0].network;
    const persist::Experiment slower = persist::variantExperiment(base, run);
    QCOMPARE(slower.training.optimizerValues.at("lr"), std::string("0.01"));
    QCOMPARE(slower.network, run.network);
    QVERIFY(persist::variantExperiment(base, {}).training == base.training);
    run.changes = {{"schedule", "warmup=50"}};  // a constant rate after a warm-up, as --schedule takes it
    const persist::Experiment warm = persist::variantExperiment(base, run);
    QCOMPARE(warm.training.schedule, std::string("constant"));
    QVERIFY((warm.training.scheduleValues == std::map<std::string, std::string>{{"warmup", "50"}}));
  }

  // A bad change is refused as gradlab-cli refuses the option, led by the run.
  void variantRefusalsAreTheCliWords() {
    const persist::Experiment base = versionFourExperiment();
    const auto refusal = [&](const std::map<std::string, std::string>& changes, const std::string& network = "") {
      persist::RunVariant run;
      run.label = "B";
      run.changes = changes;
      run.network = network;
      try {
        persist::variantExperiment(base, run);
      } catch (const std::invalid_argument& e) {
        return std::string(e.what());
      }
      return std::string("accepted");
    };
    const auto cli = [](const std::function<void()>& f) {
      try {
        f();
      } catch (const std::invalid_argument& e) {
        return "run B: " + std::string(e.what());
      }
      return std::string("accepted");
    };
    namespace ranges = util::ranges;
    QCOMPARE(refusal({{"lr", "fast"}}), cli([] { util::parseNumber("--lr", "fast", ranges::kLearningRate); }));
    QCOMPARE(refusal({{"batch", "0"}}), cli([] { util::parseInteger("--batch", "0", ranges::kBatch); }));
    QCOMPARE(refusal({{"seed", "-1"}}), cli([] { util::parseInteger("--seed", "-1", ranges::kSeed); }));
    QCOMPARE(refusal({{"clip-norm", "0"}}), cli([] { util::parseNumber("--clip-norm", "0", ranges::kClip); }));
    QCOMPARE(refusal({{"l2", "nan"}}), cli([] { util::parseNumber("--l2", "nan", ranges::kPenalty); }));
    QCOMPARE(refusal({{"augment", "flip;zoom=2"}}), cli([] {
               util::parseKeyValues("flip,zoom=2", "--augment", {"flip", "crop", "rotate", "brightness", "contrast"},
                                    {"flip"});
             }));
    QCOMPARE(refusal({{"lr", "0.01"}, {"optimizer", "adam:lr=0.001"}}),
             std::string("run B: --lr 0.01 and --optimizer adam:lr=0.001 both set the learning rate: give it once"));
    for (const auto& [changes, start] : std::vector<std::pair<std::map<std::string, std::string>, std::string>>{
             {{{"momentum", "0.9"}}, "run B: 'momentum' is not a setting a run changes; use lr, optimizer,"},
             {{{"optimizer", "adamx"}}, "run B: --optimizer: "},
             {{{"optimizer", "adam:beta1=2"}}, "run B: "},
             {{{"normalize", "zscore"}}, "run B: --normalize: "},
             {{{"conv", "winograd"}}, "run B: --conv: "},
             {{{"schedule", "linear"}}, "run B: --schedule: "},
             {{{"init", "glorot"}}, "run B: --init: "},
             {{{"network", "/nonexistent/net.net"}}, "run B: network: "}}) {
      const std::string m = refusal(changes);
      QVERIFY2(m.rfind(start, 0) == 0 && test::isOneShortLine(m, 400), m.c_str());
    }
    const std::string m = refusal({}, "network \"broken\"\ninput x: 2\nh = Linear(y, out_features=2)\n");
    QVERIFY2(m.rfind("run B: network: ", 0) == 0 && test::isOneShortLine(m, 400), m.c_str());
  }

  // A run's legend says what it changes, in words.
  void variantDescriptionsSayTheChange() {
    persist::Experiment base = versionFourExperiment();
    base.training.optimizerValues = {{"lr", "0.1"}};
    base.training.scheduleValues.clear();
    base.training.schedule = "constant";
    const auto described = [&](const std::map<std::string, std::string>& changes, const std::string& network = "") {
      persist::RunVariant run;
      run.label = "B";
      run.changes = changes;
      run.network = network;
      return persist::variantDescription(base, run);
    };
    QCOMPARE(described({{"init", "xavier_normal"}}), std::string("init=xavier_normal"));
    QCOMPARE(described({{"lr", "0.01"}}), std::string("lr 0.01 instead of 0.1"));
    QCOMPARE(described({}), std::string("same settings"));
    const nn::LayerInsertion bn{"BatchNorm1d", {}, nn::LayerInsertion::After::EveryLinearButLast};
    const std::string bnNetwork = nn::printNetwork(nn::insertLayers(nn::parseNetwork(base.network).graph, bn));
    QCOMPARE(described({{"network", nn::describe(bn)}}, bnNetwork),
             std::string("BatchNorm1d after every Linear but the last"));
    QCOMPARE(described({}, bnNetwork), std::string("BatchNorm1d added after h1"));
    QCOMPARE(described({{"network", nn::describe(bn)}, {"seed", "3"}, {"init", "kaiming_normal"}}, bnNetwork),
             std::string("BatchNorm1d after every Linear but the last; init=kaiming_normal; seed 3 instead of 42"));
  }

  void foreignFilesAreNamed() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    const std::vector<std::pair<std::string, std::string>> cases{
        {std::string("\x89PNG\r\n\x1a\n\0\0\0\rIHDR", 16), "it is a PNG image"},
        {kNetwork, "it is a text file"},
        {"GRADLAX\nxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx", "it is a text file"},
        {std::string("\x7f"
                     "ELF\x02\x01\x01\0\0\0",
                     10),
         "does not start with GradLab's signature"},
    };
    for (const auto& [bytes, lookalike] : cases) {
      writeAll(folder / "foreign.gradlab", bytes);
      const std::string message = fileError([&] { persist::loadExperiment(folder / "foreign.gradlab"); });
      QVERIFY2(contains(message, "is not a GradLab experiment file") && contains(message, lookalike), message.c_str());
      QVERIFY2(contains(message, "Open a .gradlab file saved by GradLab"), message.c_str());
    }
    writeAll(folder / "empty.gradlab", "");
    std::string message = fileError([&] { persist::loadExperiment(folder / "empty.gradlab"); });
    QVERIFY2(contains(message, "is empty"), message.c_str());
    message = fileError([&] { persist::loadExperiment(folder / "missing.gradlab"); });
    QVERIFY2(contains(message, "Cannot open") && contains(message, "No such file or directory"), message.c_str());
    message = fileError([&] { persist::loadExperiment(folder); });
    QVERIFY2(contains(message, "Cannot read") && contains(message, "Is a directory"), message.c_str());
    QCOMPARE(mkfifo((folder / "pipe").c_str(), 0600), 0);  // no writer: opening must not wait for one
    message = fileError([&] { persist::loadExperiment(folder / "pipe"); });
    QVERIFY2(contains(message, "Cannot read"), message.c_str());
    message = fileError([&] { persist::loadExperiment("/dev/zero"); });
    QVERIFY2(contains(message, "Cannot read"), message.c_str());
  }

  void truncatedFilesAreIncomplete() {
    std::mt19937 rng(3);
    const std::string bytes = persist::toBytes(populated(rng));
    int checked = 0;
    for (size_t length = 1; length < bytes.size(); length += length < 64 ? 1 : 13, ++checked) {
      const std::string message = fileError([&] { persist::fromBytes(bytes.substr(0, length), "cut.gradlab"); });
      QVERIFY2(contains(message, "is incomplete"), (std::to_string(length) + ": " + message).c_str());
    }
    QVERIFY(checked > 300);
  }

  // Every flipped byte is caught: by the signature, the size or the checksum (there are no bytes
  // the checksum does not cover).
  void corruptedBytesAreCaught() {
    std::mt19937 rng(5);
    const std::string bytes = persist::toBytes(populated(rng));
    std::vector<size_t> positions;
    for (size_t i = 0; i < 64; ++i) positions.push_back(i);  // the whole header and the archive's own
    for (int k = 0; k < 1500; ++k) positions.push_back(64 + rng() % (bytes.size() - 64));
    positions.push_back(bytes.size() - 1);
    for (size_t position : positions) {
      std::string damaged = bytes;
      damaged[position] = char(damaged[position] ^ (1 + rng() % 255));
      const std::string message = fileError([&] { persist::fromBytes(damaged, "flip.gradlab"); });
      const bool named = contains(message, "is damaged") || contains(message, "is incomplete") ||
                         (position < 8 && contains(message, "is not a GradLab experiment file"));
      QVERIFY2(named, (std::to_string(position) + ": " + message).c_str());
    }
    const std::string message = fileError([&] { persist::fromBytes(bytes + "x", "longer.gradlab"); });
    QVERIFY2(contains(message, "is damaged") && contains(message, "checksum"), message.c_str());
  }

  // Past the checksum the archive reader itself must still fail cleanly: flipped payload bytes
  // with the checksum recomputed, and random bytes behind a valid header.
  void archiveReaderSurvivesGarbage() {
    std::mt19937 rng(7);
    const std::string bytes = persist::toBytes(populated(rng));
    int refused = 0, loaded = 0;
    for (int k = 0; k < 400; ++k) {
      std::string forged = bytes;
      forged[40 + rng() % (bytes.size() - 40)] ^= char(1 + rng() % 255);
      resealChecksum(forged);
      try {
        persist::fromBytes(forged, "forged.gradlab");  // a flip in a name or a base64 digit still reads
        ++loaded;
      } catch (const persist::FileError& e) {
        QVERIFY2(contains(e.what(), "is damaged") || contains(e.what(), "newer Boost"), e.what());
        ++refused;
      }
    }
    QVERIFY(refused > 0);
    for (int k = 0; k < 300; ++k) {
      std::string random(rng() % 2000, '\0');
      for (char& c : random) c = char(rng());
      if (k % 2) random = bytes.substr(0, 40 + random.size() % 100) + random;  // our header, then noise
      if (k % 4 == 1) {
        for (int i = 0; i < 8; ++i) random[16 + i] = char((random.size() - 40) >> (8 * i));
        resealChecksum(random);
      }
      const std::string message = fileError([&] { persist::fromBytes(random, "random.gradlab"); });
      QVERIFY2(!contains(message, "NOT A FileError") && message != "NO ERROR", message.c_str());
    }
    qInfo("flipped payloads: %d refused, %d still readable", refused, loaded);
  }

  // Lengths inside the payload forged in a small file whose checksum is then recomputed: each is
  // refused against the bytes that remain, before anything is allocated (the loader runs in a
  // child process limited to 512 MiB more memory: a runaway allocation shows as bad_alloc), and
  // the message quotes no more than a short, escaped excerpt of the file.
  void forgedLengthsAreRefusedBeforeAllocating() {
    const std::string fixture = readAll(GRADLAB_TEST_DATA "/experiment_v2.gradlab");
    const auto forge = [&](const std::string& from, const std::string& to) {
      std::string forged = fixture;
      const size_t at = forged.find(from, 40);
      if (at == std::string::npos) return std::string();
      forged.replace(at, from.size(), to);
      resealPayload(forged);
      return forged;
    };
    struct Case {
      const char* what;
      std::string from, to;
      bool namesLength;  // refused for a length the remaining bytes cannot hold
    };
    const std::vector<Case> cases{
        {"a 4 GB title", "16 Format 2 fixture", "4000000000 Format 2 fixture", true},
        {"8 GB of tensor shape", "7 h1.bias 0 1 1 0 16 16", "7 h1.bias 0 1 2000000000 0 16 16", true},
        {"2 GB of weights", "7 h1.bias 0 1 1 0 16 16", "7 h1.bias 0 1 1 0 16 500000000", true},
        {"a number's text running over the payload", "3 0.1 3 0 1 0 16", "2000 0.1 3 0 1 0 16", false},
    };
    for (const Case& c : cases) {
      const std::string forged = forge(c.from, c.to);
      QVERIFY2(!forged.empty(), c.what);
      const auto outcome =
          test::runInChild([&] { return fileError([&] { persist::fromBytes(forged, "forged.gradlab"); }); }, 20);
      const std::string& m = outcome.message;
      QVERIFY2(outcome.exited && outcome.signal == 0, (std::string(c.what) + ": " + m).c_str());
      QVERIFY2(contains(m, "forged.gradlab is damaged") && !contains(m, "bad_alloc"),
               (std::string(c.what) + ": " + m).c_str());
      QVERIFY2(test::isOneShortLine(m, 400), (std::string(c.what) + ": " + m).c_str());
      if (c.namesLength) QVERIFY2(contains(m, "remain"), (std::string(c.what) + ": " + m).c_str());
    }
  }

  void newerVersionIsNamed() {
    std::string bytes = persist::toBytes({});
    put32(bytes, 12, persist::kFormatVersion + 1);
    bytes.replace(24, 16, std::string("9.1.0\0\0\0\0\0\0\0\0\0\0\0", 16));
    resealChecksum(bytes);
    const std::string message = fileError([&] { persist::fromBytes(bytes, "future.gradlab"); });
    const std::string newer = std::to_string(persist::kFormatVersion + 1),
                      known = std::to_string(persist::kFormatVersion);
    QVERIFY2(contains(message, "future.gradlab was written by GradLab 9.1.0 (experiment format " + newer + ")"),
             message.c_str());
    QVERIFY2(contains(message, "opens formats up to " + known) && contains(message, "Update GradLab"), message.c_str());
    // Without resealing the change is damage, not a newer version.
    put32(bytes, 12, persist::kFormatVersion + 2);
    QVERIFY(contains(fileError([&] { persist::fromBytes(bytes, "x"); }), "is damaged"));
  }

  // A save that fails part-way (the file size limit makes write() fail with EFBIG, even for root)
  // leaves the previous file as it was and no temporary file behind.
  void failedSaveKeepsPreviousFile() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString(), path = folder / "kept.gradlab";
    std::mt19937 rng(9);
    const persist::Experiment before = populated(rng), bigger = populated(rng, 2000);
    persist::saveExperiment(before, path);
    const std::string beforeBytes = readAll(path);
    QVERIFY(persist::toBytes(bigger).size() > 4 * beforeBytes.size());

    rlimit saved;
    getrlimit(RLIMIT_FSIZE, &saved);
    const auto previousHandler = signal(SIGXFSZ, SIG_IGN);
    rlimit limited = saved;
    limited.rlim_cur = 2 * beforeBytes.size();
    setrlimit(RLIMIT_FSIZE, &limited);
    const std::string message = fileError([&] { persist::saveExperiment(bigger, path); });
    setrlimit(RLIMIT_FSIZE, &saved);
    signal(SIGXFSZ, previousHandler);
    QVERIFY2(contains(message, "Cannot save") && contains(message, "File too large") && contains(message, "unchanged"),
             message.c_str());
    QCOMPARE(readAll(path), beforeBytes);
    QVERIFY(filesIn(folder) == std::vector<fs::path>{"kept.gradlab"});

    // Where no file can be created at all.
    std::string m = fileError([&] { persist::saveExperiment(before, path / "inside.gradlab"); });
    QVERIFY2(contains(m, "Cannot save") && contains(m, "Not a directory"), m.c_str());
    fs::create_directory(folder / "a folder");
    m = fileError([&] { persist::saveExperiment(before, folder / "a folder"); });
    QVERIFY2(contains(m, "replacing the file failed") && contains(m, "Is a directory"), m.c_str());
    if (geteuid() != 0) {  // root writes into read-only folders
      fs::permissions(folder, fs::perms::owner_read | fs::perms::owner_exec);
      m = fileError([&] { persist::saveExperiment(bigger, path); });
      fs::permissions(folder, fs::perms::owner_all);
      QVERIFY2(contains(m, "Permission denied"), m.c_str());
      QCOMPARE(readAll(path), beforeBytes);
    }
    QVERIFY((filesIn(folder) == std::vector<fs::path>{"a folder", "kept.gradlab"}));

    // A replaced file keeps its permissions.
    fs::permissions(path, fs::perms::owner_read | fs::perms::owner_write);
    persist::saveExperiment(bigger, path);
    QCOMPARE(fs::status(path).permissions(), fs::perms::owner_read | fs::perms::owner_write);
    QVERIFY(persist::loadExperiment(path) == bigger);
  }

  // Saving over a symbolic link replaces the file it points to (through a chain of links, and a
  // dangling one) and keeps the link, as editors do.
  void savingOverASymlinkWritesThrough() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    std::mt19937 rng(11);
    const persist::Experiment first = populated(rng), second = populated(rng, 2);
    fs::create_directory(folder / "real");
    persist::saveExperiment(first, folder / "real" / "target.gradlab");
    fs::create_symlink("real/target.gradlab", folder / "link.gradlab");
    fs::create_symlink(folder / "link.gradlab", folder / "link-to-link.gradlab");
    persist::saveExperiment(second, folder / "link-to-link.gradlab");
    QVERIFY(fs::is_symlink(folder / "link.gradlab") && fs::is_symlink(folder / "link-to-link.gradlab"));
    QCOMPARE(fs::read_symlink(folder / "link.gradlab"), fs::path("real/target.gradlab"));
    QVERIFY(persist::loadExperiment(folder / "real" / "target.gradlab") == second);
    QVERIFY((filesIn(folder / "real") == std::vector<fs::path>{"target.gradlab"}));
    fs::create_symlink("real/new.gradlab", folder / "dangling.gradlab");
    persist::saveExperiment(first, folder / "dangling.gradlab");
    QVERIFY(fs::is_symlink(folder / "dangling.gradlab"));
    QVERIFY(persist::loadExperiment(folder / "real" / "new.gradlab") == first);
  }

  // A save or an autosave killed mid-write leaves its temporary file; the next save of that file,
  // and the next session's autosave, remove such files once their writer is gone, and only those.
  void staleTemporaryFilesAreRemoved() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    const pid_t gone = fork();
    if (gone == 0) _exit(0);
    waitpid(gone, nullptr, 0);
    const std::string dead = std::to_string(gone);
    for (const std::string& name :
         std::vector<std::string>{"kept.gradlab.tmp-" + dead + "-7", "kept.gradlab.tmp-1-5",
                                  "other.gradlab.tmp-" + dead + "-3", "kept.gradlab.tmp-" + dead + "-x", "notes.txt"})
      writeAll(folder / name, "partial");
    persist::saveExperiment({}, folder / "kept.gradlab");
    QVERIFY((filesIn(folder) == std::vector<fs::path>{"kept.gradlab", "kept.gradlab.tmp-1-5",  // pid 1 still runs
                                                      "kept.gradlab.tmp-" + dead + "-x", "notes.txt",
                                                      "other.gradlab.tmp-" + dead + "-3"}));
    const fs::path autosaves = folder / "autosave";
    fs::create_directory(autosaves);
    writeAll(autosaves / ("autosave-" + dead + ".gradlab.tmp-" + dead + "-12"), "partial");
    persist::AutosaveSlot slot(autosaves);
    slot.begin();
    QVERIFY((filesIn(autosaves) == std::vector<fs::path>{"autosave-" + std::to_string(getpid()) + ".running"}));
    slot.finish();
  }

  void cleanExitLeavesNothingToRestore() {
    QTemporaryDir dir;
    const fs::path folder = fs::path(dir.path().toStdString()) / "app data";  // created by the slot
    std::mt19937 rng(13);
    const persist::Experiment work = populated(rng);
    QCOMPARE(work.comparisons.size(), persist::kMaxComparisons);  // autosave keeps every run of a set
    {
      persist::AutosaveSlot slot(folder);
      QVERIFY(slot.recoverable().empty());
      slot.begin();
      slot.save(work);
      QVERIFY(persist::loadExperiment(slot.autosaveFile()) == work);
      QVERIFY(slot.recoverable().empty());  // our own session is not a crashed one
      slot.finish();
    }
    QVERIFY(filesIn(folder).empty());
    QVERIFY(persist::AutosaveSlot(folder).recoverable().empty());
    const std::string m = fileError([&] { persist::AutosaveSlot(folder / "x" / "y" / "z").begin(); });
    QCOMPARE(m, std::string("NO ERROR"));
    writeAll(folder / "file", "");
    QVERIFY(contains(fileError([&] { persist::AutosaveSlot slot(folder / "file" / "sub"); }),
                     "Cannot use the autosave folder"));
  }

  // A session that ends without finish() (here a child process that exits at once) is offered at
  // the next start; one still running is not.
  void crashedSessionIsOffered() {
    QTemporaryDir dir;
    const fs::path folder = dir.path().toStdString();
    std::mt19937 rng(17);
    const persist::Experiment work = populated(rng);
    int release[2];
    QCOMPARE(pipe(release), 0);
    const pid_t child = fork();
    if (child == 0) {
      close(release[1]);
      try {
        persist::AutosaveSlot slot(folder);
        slot.begin();
        slot.save(work);
      } catch (const std::exception&) {
        _exit(1);
      }
      char c;
      (void)!read(release[0], &c, 1);  // waits for the parent, then "crashes"
      _exit(0);
    }
    close(release[0]);
    const fs::path marker = folder / ("autosave-" + std::to_string(child) + ".running");
    for (int i = 0; i < 500 && !fs::exists(folder / ("autosave-" + std::to_string(child) + ".gradlab")); ++i)
      usleep(10000);

    persist::AutosaveSlot slot(folder);
    QVERIFY(fs::exists(marker));
    QVERIFY(slot.recoverable().empty());  // the other session still runs
    slot.begin();
    QVERIFY(fs::exists(marker));
    close(release[1]);
    int status = 0;
    QCOMPARE(waitpid(child, &status, 0), child);

    const auto offered = slot.recoverable();
    QCOMPARE(offered.size(), size_t(1));
    QCOMPARE(offered[0].pid, int(child));
    QVERIFY(persist::loadExperiment(offered[0].file) == work);
    slot.save(persist::loadExperiment(offered[0].file));  // restored: now this session's work
    slot.discard(offered[0]);
    QVERIFY(slot.recoverable().empty());
    QVERIFY(!fs::exists(marker));
    slot.finish();
    QVERIFY(filesIn(folder).empty());

    // A crash before the first autosave leaves a marker only: nothing to offer, and the next
    // session removes it.
    writeAll(folder / ("autosave-" + std::to_string(child) + ".running"), std::to_string(child) + " 1\n");
    persist::AutosaveSlot next(folder);
    QVERIFY(next.recoverable().empty());
    next.begin();
    next.finish();
    QVERIFY(filesIn(folder).empty());
  }
};

QTEST_APPLESS_MAIN(TestExperimentFile)
#include "test_experiment_file.moc"

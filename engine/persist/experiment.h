#pragma once
// Everything a user made in the lab, as File > Save stores it and File > Open gives it back: the
// network (in its text form, docs/NETWORK_FORMAT.md), where its nodes sit in the editor, the
// training settings, and optionally the results (metric history, trained weights). Settings are
// kept as names and text (as the command line takes them), not enum integers, so files stay
// readable when the engine's enums change. The file format is in docs/EXPERIMENT_FORMAT.md.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::persist {

struct NodePosition {
  double x = 0, y = 0;
  bool operator==(const NodePosition&) const = default;
};

// What gradlab-cli train's options say, by the same names.
struct TrainingSettings {
  std::string dataset = "fashion-mnist";  // data::DatasetSpec::name: fashion-mnist, idx:DIRECTORY, spiral, ...
  uint32_t toySamples = 600;              // the 2-D toy sets: points, noise and classes
  double toyNoise = 0.1;
  uint32_t toyClasses = 2;
  uint32_t sampleLimit = 0;       // use only the first N training samples (0: all)
  double validationFraction = 0;  // held out of the training data (0: the test split)
  uint32_t batch = 64;
  uint32_t epochs = 1;
  uint64_t maxSteps = 0;  // 0: the epochs decide
  uint32_t seed = 0;
  std::string device;                  // a device index or part of its name ("": the best)
  std::string normalization = "none";  // data::normalizationName: none, symmetric, mean-image, ...
  // --augment's keys (flip, crop, rotate, brightness, contrast) -> value text ("" for flip).
  std::map<std::string, std::string> augmentation;
  std::string optimizer = "sgd";                       // optim catalog name
  std::map<std::string, std::string> optimizerValues;  // "lr" -> "0.1", as optim::resolveSettings takes them
  std::string schedule = "constant";                   // optim::scheduleNames()
  std::map<std::string, std::string> scheduleValues;   // "T_max" -> "1000", "warmup" -> "100"
  double l1 = 0, l2 = 0;                               // train::Regularization
  bool penalizeAllTensors = false;
  double clipNorm = 0, clipValue = 0;
  uint32_t probeInterval = 0;        // steps between probes (0: none)
  std::string convolution = "auto";  // how Conv2d computes: auto, direct or fft (nn::parseConvAlgorithm); format 2
  // Fine-tuning (format 7, train/transfer.h): layers whose parameters stay fixed, and layers' factors
  // on the learning rate as text ("f5" -> "0.1"), as --freeze and --lr-mult take them.
  std::vector<std::string> frozenLayers;
  std::map<std::string, std::string> lrMultipliers;

  bool operator==(const TrainingSettings&) const = default;
};

// One point of a loss/accuracy curve. Equality is bit for bit, so a diverged run's NaN loss
// compares equal to itself after a round trip through a file.
struct MetricPoint {
  uint64_t step = 0;
  double loss = 0, accuracy = 0;
  bool operator==(const MetricPoint& o) const;
};

// A trained parameter tensor ("h1.weight"); equality is bit for bit as for MetricPoint.
struct Tensor {
  std::vector<uint32_t> shape;
  std::vector<float> values;
  bool operator==(const Tensor& o) const;
};

// Where a saved run stands, so a reopened one continues instead of starting over (format 3): the
// step it reached (the epoch, the data order's position and the schedule's position follow from
// it and the seed) and its optimizer's state, block by block ("0.exp_avg": the first tensor's
// first moment). step 0 and no blocks: the file holds no run to continue.
struct RunProgress {
  uint64_t step = 0;
  std::string optimizer;  // the optimizer that saved the blocks ("Adam")
  std::map<std::string, Tensor> optimizerState;
  bool empty() const { return step == 0 && optimizerState.empty(); }
  bool operator==(const RunProgress&) const = default;
};

// How the lab shows a run of a comparison: the name the user gave it ("" : none), its palette
// entry (ui::runColor) and whether the views draw it. Run A's is Experiment::look (format 5).
struct RunLook {
  std::string name;
  uint32_t colour = 0;
  bool visible = true;
  bool operator==(const RunLook&) const = default;
};

// The palette entries a saved colour may name (ui::kRunPaletteSize): a file naming another is refused.
inline constexpr uint32_t kRunColours = 8;

// A run of a comparison other than the first (the experiment itself is run "A"): the base's
// settings with a few changed, and its own results. Changes are key=value text by the keys of
// `gradlab-cli compare --run` (lr, optimizer, schedule, l1, l2, clip-norm, clip-value, seed,
// augment, normalize, conv, batch, init, network, freeze, lr-mult), checked when the run is built
// (persist::variantExperiment), so a file never holds an enum number.
struct RunVariant {
  std::string label;                           // "B", "C", "D": its place in the set
  std::string name;                            // what the user called it ("" : none)
  uint32_t colour = 0;                         // palette index (ui runColor)
  bool visible = true;                         // drawn in the views
  std::map<std::string, std::string> changes;  // "lr" -> "0.01", "init" -> "xavier_normal"
  std::string network;                         // the variant's network text; "": the base's
  std::vector<MetricPoint> trainingHistory;    // as Experiment's results, for this run
  std::vector<MetricPoint> validationHistory;
  std::map<std::string, Tensor> weights;
  RunProgress progress;

  bool operator==(const RunVariant&) const = default;
};

// The timeline's moments (persist/saved_moments.h), shared by copies of the experiment; compared by
// contents. Null: none (files before format 6, or an untrained experiment).
struct SavedTimeline;
struct Moments {
  std::shared_ptr<const SavedTimeline> saved;
  bool empty() const;
  bool operator==(const Moments& o) const;
};

// Runs 2-4 of a comparison; a set holds at most 4 runs (train::kMaxRunsInSet).
inline constexpr size_t kMaxComparisons = 3;

struct Experiment {
  std::string title;
  std::string network;                         // the network's text (nn::printNetwork / nn::parseNetwork)
  std::map<std::string, NodePosition> layout;  // node name -> position in the editor
  TrainingSettings training;
  // Results, empty when the experiment was not trained (or the user saved without them).
  std::vector<MetricPoint> trainingHistory;    // one point per step
  std::vector<MetricPoint> validationHistory;  // one point per validation pass
  std::map<std::string, Tensor> weights;       // parameter name -> trained values
  RunProgress progress;                        // with weights: the run to continue
  // Runs 2-4 trained beside this one in lockstep (format 4); empty: a single run.
  std::vector<RunVariant> comparisons;
  RunLook look;     // how the lab shows this run, run A (format 5; older files: unnamed, colour 0, shown)
  Moments moments;  // what the timeline can go back to, every run's (format 6)

  bool operator==(const Experiment&) const = default;
};

// What a file holds, in words for the user: "the network and settings, curves to step 1630,
// trained weights and Adam's state at step 1630".
std::string contentsOf(const Experiment& experiment);

}  // namespace gradlab::persist

#include "cli/run_options.h"

#include "cli/conv_option.h"
#include "cli/dataset_option.h"
#include "optim/optimizer_spec.h"
#include "optim/schedule.h"
#include "persist/run_setup.h"
#include "train/transfer.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::cli {
namespace {

// `read()`, a refusal of the text of `option` turned into a usage error naming it.
template <typename F>
auto optionText(const char* option, F&& read) {
  try {
    return read();
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string(option) + ": " + e.what());
  }
}

// The optimizer as --optimizer names it, with --lr as its lr (once: both is refused). Without
// --optimizer the run is plain SGD at --lr (default 0.1).
void readOptimizer(const Arguments& o, persist::TrainingSettings& s) {
  optim::OptimizerSpec spec{"sgd", {}, "sgd"};
  if (o.has("optimizer"))
    spec = optionText("--optimizer", [&] { return optim::parseOptimizerSpec(o.text("optimizer")); });
  if (o.has("lr")) o.number("lr", 0.0, util::ranges::kLearningRate);  // a bad number is named first
  if (o.has("lr") && spec.values.count("lr"))
    throw UsageError("--lr " + o.text("lr") + " and --optimizer " + spec.text +
                     " both set the learning rate: give it once");
  if (o.has("lr"))
    spec.values["lr"] = o.text("lr");
  else if (!o.has("optimizer"))
    spec.values["lr"] = "0.1";  // plain SGD's default here, not the catalog's
  s.optimizer = spec.name;
  s.optimizerValues = spec.values;
}

}  // namespace

std::vector<OptionSpec> sharedTrainingOptions() {
  return {{"lr", "RATE", "learning rate (default 0.1 for plain SGD, else the optimizer's lr)"},
          {"optimizer", "NAME[:K=V,...]",
           "sgd, adagrad, rmsprop, adam, adamw, radam, nadam, adabelief, diffgrad, "
           "adamnorm or adaminject with PyTorch's hyper-parameters, e.g. "
           "adam:lr=0.001,beta2=0.99 (default: plain SGD)"},
          {"schedule", "NAME[:K=V,...]",
           "learning-rate schedule per step: constant, step:step_size=N,gamma=G, "
           "exponential:gamma=G, inverse:decay=D, cosine:T_max=N,eta_min=E, "
           "sgdr:T_0=N,T_mult=M,eta_min=E; warmup=N with any (or alone)"},
          {"l1", "L", "L1 penalty L sum|w| on weights, added to the loss (with --l2: elastic net)"},
          {"l2", "L", "L2 penalty (L/2) sum w^2 on weights, added to the loss (not decoupled weight decay)"},
          {"clip-norm", "N", "clip the global gradient norm to N (as PyTorch's clip_grad_norm_)"},
          {"clip-value", "V", "clamp every gradient element to [-V, V]"},
          {"seed", "N", "seed for weights, shuffling, dropout and augmentation (default 0); the data's too"},
          {"device", "INDEX|NAME", "Vulkan device (default: GRADLAB_DEVICE, else the best)"},
          {"conv", "auto|direct|fft", kConvHelp},
          {"validation", "FRACTION", "hold out this part of the training data (default: use the test split)"},
          {"limit", "N", "use only the first N training samples"},
          {"normalize", "MODE", "none, symmetric, mean-image, channel-mean or standardize (default none)"},
          {"augment", "LIST", "flip, crop=PIXELS, rotate=DEGREES, brightness=A, contrast=A"},
          {"samples", "N", "points in a toy dataset (default 600)"},
          {"noise", "SIGMA", "noise of a toy dataset (default 0.1)"},
          {"classes", "N", "classes (arms, blobs) of a toy dataset (default 2)"}};
}

std::vector<OptionSpec> withSharedTrainingOptions(std::vector<OptionSpec> specs, const std::string& before) {
  const auto at = std::find_if(specs.begin(), specs.end(), [&](const OptionSpec& s) { return s.name == before; });
  const std::vector<OptionSpec> shared = sharedTrainingOptions();
  specs.insert(at, shared.begin(), shared.end());
  return specs;
}

persist::TrainingSettings basicTrainingSettings(const Arguments& o, const char* samplesOption) {
  namespace ranges = util::ranges;
  persist::TrainingSettings s;
  s.batch = uint32_t(o.integer("batch", 64, ranges::kBatch));
  s.seed = uint32_t(o.integer("seed", 0, ranges::kSeed));
  s.normalization = o.choice("normalize", {"none", "symmetric", "mean-image", "channel-mean", "standardize"}, "none");
  s.dataset = o.text("dataset");
  s.validationFraction = o.number("validation", 0.0, ranges::kValidation);
  s.sampleLimit = uint32_t(o.integer("limit", 0, ranges::kSampleLimit));
  const ToyDataOptions toy = toyDataOptions(o, samplesOption);
  s.toySamples = toy.samples;
  s.toyNoise = toy.noise;
  s.toyClasses = toy.classes;
  s.optimizerValues["lr"] = o.has("lr") ? o.text("lr") : "0.1";
  return s;
}

persist::RunSetup buildRun(const persist::TrainingSettings& settings) {
  try {
    return persist::runSetup(settings);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

persist::TrainingSettings trainingSettings(const Arguments& o) {
  namespace ranges = util::ranges;
  persist::TrainingSettings s = basicTrainingSettings(o, "samples");
  s.convolution = o.has("conv") ? o.choice("conv", {"auto", "direct", "fft"}, "auto") : "";
  if (o.has("augment"))
    for (const auto& item : optionText("--augment", [&] {
           return util::parseKeyValues(o.text("augment"), "", {"flip", "crop", "rotate", "brightness", "contrast"},
                                       {"flip"});
         }))
      s.augmentation[item.key] = item.value;
  readOptimizer(o, s);
  if (o.has("schedule")) {
    const optim::ScheduleSpec schedule =
        optionText("--schedule", [&] { return optim::parseScheduleSpec(o.text("schedule")); });
    s.schedule = schedule.name;
    s.scheduleValues = schedule.values;
  }
  s.l1 = o.number("l1", 0.0, ranges::kPenalty);
  s.l2 = o.number("l2", 0.0, ranges::kPenalty);
  s.clipNorm = o.number("clip-norm", 0.0, ranges::kClip);
  s.clipValue = o.number("clip-value", 0.0, ranges::kClip);
  s.epochs = uint32_t(o.integer("epochs", 1, ranges::kEpochs));
  s.maxSteps = uint64_t(o.integer("steps", 0, ranges::kSteps));
  if (o.has("probes") || o.has("internals"))
    s.probeInterval = uint32_t(o.integer("probe-every", 100, ranges::kProbeEvery));
  if (o.has("freeze"))
    s.frozenLayers = optionText("--freeze", [&] { return train::parseLayerList(o.text("freeze"), ""); });
  if (o.has("lr-mult"))
    for (const auto& item : optionText("--lr-mult", [&] { return util::parseKeyValues(o.text("lr-mult"), ""); }))
      s.lrMultipliers[item.key] = item.value;
  return s;
}

persist::RunSetup buildRun(const Arguments& o) { return buildRun(trainingSettings(o)); }

train::RunDefinition runSettings(const Arguments& o, const persist::RunSetup& setup) {
  train::RunDefinition run;
  run.options = setup.options;
  if (o.has("optimizer")) {
    run.optimizer = setup.optimizer;
    run.optimizerValues = setup.optimizerValues;
  }
  if (o.has("augment")) run.augmentation = o.text("augment");
  return run;
}

}  // namespace gradlab::cli

#include "cli/run_options.h"

#include "cli/conv_option.h"
#include "cli/dataset_option.h"
#include "optim/optimizer_spec.h"
#include "optim/schedule.h"
#include "optim/settings.h"
#include "util/option_ranges.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::cli {
namespace {

// The optimizer as --optimizer names it, with --lr as its lr (once: both is refused).
void readOptimizer(const Arguments& o, train::RunDefinition& run) {
  optim::OptimizerSpec spec;
  try {
    spec = optim::parseOptimizerSpec(o.text("optimizer"));
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--optimizer: ") + e.what());
  }
  if (o.has("lr") && spec.values.count("lr"))
    throw UsageError("--lr " + o.text("lr") + " and --optimizer " + spec.text + " both set the learning rate: give it once");
  if (o.has("lr")) spec.values["lr"] = o.text("lr");
  optim::resolveSettings(spec.name, spec.values);  // a bad name or value: exit 2 before any work
  run.optimizer = spec.name;
  run.optimizerValues = spec.values;
}

}  // namespace

std::vector<OptionSpec> sharedTrainingOptions() {
  return {{"lr", "RATE", "learning rate (default 0.1 for plain SGD, else the optimizer's lr)"},
          {"optimizer", "NAME[:K=V,...]", "sgd, adagrad, rmsprop, adam, adamw, radam, nadam, adabelief, diffgrad, "
                                          "adamnorm or adaminject with PyTorch's hyper-parameters, e.g. "
                                          "adam:lr=0.001,beta2=0.99 (default: plain SGD)"},
          {"schedule", "NAME[:K=V,...]", "learning-rate schedule per step: constant, step:step_size=N,gamma=G, "
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

train::RunDefinition runSettings(const Arguments& o) {
  namespace ranges = util::ranges;
  train::RunDefinition run;
  train::TrainingOptions& options = run.options;
  options.batch = uint32_t(o.integer("batch", 64, ranges::kBatch));
  options.learningRate = o.number("lr", 0.1, ranges::kLearningRate);
  options.seed = uint32_t(o.integer("seed", 0, ranges::kSeed));
  options.conv = convOption(o);
  options.normalization = normalizationOption(o);
  if (o.has("augment")) {
    try {
      options.augmentation = data::parseAugmentationList(o.text("augment"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--augment: ") + e.what());
    }
    run.augmentation = o.text("augment");
  }
  if (o.has("optimizer")) readOptimizer(o, run);
  if (o.has("schedule")) {
    try {
      options.schedule = optim::parseSchedule(o.text("schedule"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--schedule: ") + e.what());
    }
  }
  options.regularization.l1 = o.number("l1", 0.0, ranges::kPenalty);
  options.regularization.l2 = o.number("l2", 0.0, ranges::kPenalty);
  options.regularization.clipNorm = o.number("clip-norm", 0.0, ranges::kClip);
  options.regularization.clipValue = o.number("clip-value", 0.0, ranges::kClip);
  return run;
}

}  // namespace gradlab::cli

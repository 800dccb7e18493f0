#include "persist/run_setup.h"

#include "nn/conv_algorithm.h"
#include "optim/schedule.h"
#include "optim/settings.h"

#include <cmath>
#include <stdexcept>

namespace gradlab::persist {

std::string scheduleText(const TrainingSettings& s) {
  std::string text = s.schedule.empty() ? "constant" : s.schedule, values;
  for (const auto& [key, value] : s.scheduleValues) values += (values.empty() ? "" : ",") + key + "=" + value;
  return values.empty() ? text : text + ":" + values;
}

RunSetup runSetup(const TrainingSettings& s) {
  RunSetup out;
  auto check = [](bool ok, const std::string& what) {
    if (!ok) throw std::invalid_argument(what);
  };
  check(s.batch >= 1 && s.batch <= 65536, "the batch size must be between 1 and 65536, got " + std::to_string(s.batch));
  check(s.epochs >= 1 || s.maxSteps >= 1, "train for at least one epoch or one step");
  check(s.validationFraction >= 0 && s.validationFraction < 1, "the validation fraction must be in [0, 1)");
  check(s.toySamples >= 4 && s.toySamples <= (1u << 24), "a toy dataset needs between 4 and 16777216 points");
  check(std::isfinite(s.toyNoise) && s.toyNoise >= 0 && s.toyNoise <= 10, "the toy noise must be in [0, 10]");
  check(s.toyClasses >= 2 && s.toyClasses <= 64, "a toy dataset has between 2 and 64 classes");
  out.dataset = {s.dataset, s.validationFraction, s.sampleLimit, s.seed, s.toySamples, s.toyNoise, s.toyClasses};

  out.optimizer = s.optimizer.empty() ? "sgd" : s.optimizer;
  out.optimizerValues = s.optimizerValues;
  const optim::Settings resolved = optim::resolveSettings(out.optimizer, out.optimizerValues);
  out.options.learningRate = resolved["lr"];
  out.options.batch = s.batch;
  out.options.seed = s.seed;
  out.options.normalization = data::parseNormalization(s.normalization.empty() ? "none" : s.normalization);
  out.options.augmentation = data::parseAugmentation(s.augmentation);
  out.options.schedule = optim::parseSchedule(scheduleText(s));
  out.options.regularization = {s.l1, s.l2, s.penalizeAllTensors, s.clipNorm, s.clipValue};
  train::validate(out.options.regularization);
  out.options.conv = nn::parseConvAlgorithm(s.convolution.empty() ? "auto" : s.convolution);
  return out;
}

}  // namespace gradlab::persist

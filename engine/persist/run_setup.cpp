#include "persist/run_setup.h"

#include "nn/conv_algorithm.h"
#include "optim/schedule.h"
#include "optim/settings.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"

namespace gradlab::persist {

std::string scheduleText(const TrainingSettings& s) {
  std::string text = s.schedule.empty() ? "constant" : s.schedule, values;
  for (const auto& [key, value] : s.scheduleValues) values += (values.empty() ? "" : ",") + key + "=" + value;
  return values.empty() ? text : text + ":" + values;
}

namespace {

// The numbers gradlab-cli takes as options, checked against the same ranges and refused in the
// same words, named by those options ("--noise: -1 is out of range [0, 10]"). A file says "off"
// with 0 where the command line leaves the option out (steps, clipping).
void checkNumbers(const TrainingSettings& s) {
  namespace ranges = util::ranges;
  util::checkNumber("--batch", s.batch, ranges::kBatch);
  if (s.maxSteps) util::checkNumber("--steps", double(s.maxSteps), ranges::kSteps);
  else util::checkNumber("--epochs", s.epochs, ranges::kEpochs);
  util::checkNumber("--validation", s.validationFraction, ranges::kValidation);
  util::checkNumber("--limit", s.sampleLimit, ranges::kSampleLimit);
  util::checkNumber("--samples", s.toySamples, ranges::kToySamples);
  util::checkNumber("--noise", s.toyNoise, ranges::kToyNoise);
  util::checkNumber("--classes", s.toyClasses, ranges::kToyClasses);
  util::checkNumber("--l1", s.l1, ranges::kPenalty);
  util::checkNumber("--l2", s.l2, ranges::kPenalty);
  if (s.clipNorm != 0) util::checkNumber("--clip-norm", s.clipNorm, ranges::kClip);
  if (s.clipValue != 0) util::checkNumber("--clip-value", s.clipValue, ranges::kClip);
}

}  // namespace

RunSetup runSetup(const TrainingSettings& s) {
  RunSetup out;
  checkNumbers(s);
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

#include "persist/run_setup.h"

#include "nn/conv_algorithm.h"
#include "optim/schedule.h"
#include "optim/settings.h"
#include "train/transfer.h"
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
// with 0 where the command line leaves the option out (steps, clipping, probes).
void checkNumbers(const TrainingSettings& s) {
  namespace ranges = util::ranges;
  util::checkNumber("--batch", s.batch, ranges::kBatch);
  if (s.maxSteps)
    util::checkNumber("--steps", double(s.maxSteps), ranges::kSteps);
  else
    util::checkNumber("--epochs", s.epochs, ranges::kEpochs);
  util::checkNumber("--validation", s.validationFraction, ranges::kValidation);
  util::checkNumber("--limit", s.sampleLimit, ranges::kSampleLimit);
  util::checkNumber("--samples", s.toySamples, ranges::kToySamples);
  util::checkNumber("--noise", s.toyNoise, ranges::kToyNoise);
  util::checkNumber("--classes", s.toyClasses, ranges::kToyClasses);
  util::checkNumber("--l1", s.l1, ranges::kPenalty);
  util::checkNumber("--l2", s.l2, ranges::kPenalty);
  if (s.clipNorm != 0) util::checkNumber("--clip-norm", s.clipNorm, ranges::kClip);
  if (s.clipValue != 0) util::checkNumber("--clip-value", s.clipValue, ranges::kClip);
  if (s.probeInterval != 0) util::checkNumber("--probe-every", s.probeInterval, ranges::kProbeEvery);
  // The rate as text, before the optimizer reads it, so it is refused in --lr's words whether it
  // came from --lr, from --optimizer's lr= or from the lab's field.
  const auto lr = s.optimizerValues.find("lr");
  if (lr != s.optimizerValues.end()) util::parseNumber("--lr", lr->second, ranges::kLearningRate);
}

}  // namespace

RunSetup runSetup(const TrainingSettings& s) {
  RunSetup out;
  checkNumbers(s);
  out.dataset = {s.dataset, s.validationFraction, s.sampleLimit, s.seed, s.toySamples, s.toyNoise, s.toyClasses};
  out.maxSteps = s.maxSteps;
  out.epochs = s.epochs;
  out.probeInterval = s.probeInterval;

  out.optimizer = s.optimizer.empty() ? "sgd" : s.optimizer;
  out.optimizerValues = s.optimizerValues;
  const optim::Settings resolved =
      util::readNamed("--optimizer", [&] { return optim::resolveSettings(out.optimizer, out.optimizerValues); });
  train::TrainingOptions& o = out.options;
  o.learningRate = resolved["lr"];
  o.batch = s.batch;
  o.seed = s.seed;
  o.normalization = util::readNamed(
      "--normalize", [&] { return data::parseNormalization(s.normalization.empty() ? "none" : s.normalization); });
  o.augmentation = util::readNamed("--augment", [&] { return data::parseAugmentation(s.augmentation); });
  o.schedule = util::readNamed("--schedule", [&] {
    return optim::makeSchedule({s.schedule.empty() ? "constant" : s.schedule, s.scheduleValues});
  });
  o.regularization = {s.l1, s.l2, s.penalizeAllTensors, s.clipNorm, s.clipValue};
  train::validate(o.regularization);
  if (!s.convolution.empty()) o.conv = util::readNamed("--conv", [&] { return nn::parseConvAlgorithm(s.convolution); });
  o.layers.frozen = s.frozenLayers;
  for (const auto& [layer, factor] : s.lrMultipliers)
    o.layers.lrMultipliers[layer] = util::parseNumber("--lr-mult " + layer, factor, train::kLrMultiplier);
  return out;
}

}  // namespace gradlab::persist

#pragma once
// The one place a run's settings become what the engine runs: the dataset to load, the session's
// options (batch, seed, normalisation, augmentation, schedule, penalties, convolution), the
// optimizer, the length and the probe interval. gradlab-cli (train, compare), the lab and the
// analysis jobs all build their runs here, so they accept and refuse the same values in the same
// words. Every value is checked before any data is read or GPU work begins.
//
// Every refusal is one line naming the setting by its gradlab-cli option, which the lab's fields
// and an experiment file's keys mirror: "--noise: -1 is out of range [0, 10]",
// "--schedule: Unknown schedule 'linear'; accepted: ...", "--optimizer: Invalid beta1 value: ...".
//
// The learning rate is accepted in [0, 1e6] (util::ranges::kLearningRate): 0 is PyTorch's lower
// bound too, and a frozen run is a legitimate control beside a trained one (what the data
// pipeline, BatchNorm's running statistics and the penalties alone do to the loss).
#include "data/dataset_choice.h"
#include "persist/experiment.h"
#include "train/training_session.h"

#include <map>
#include <string>

namespace gradlab::persist {

struct RunSetup {
  data::DatasetSpec dataset;
  train::TrainingOptions options;
  std::string optimizer;                               // optim catalog name
  std::map<std::string, std::string> optimizerValues;  // checked by optim::resolveSettings
  uint64_t maxSteps = 0;                               // 0: `epochs` passes over the training data
  uint32_t epochs = 1;
  uint32_t probeInterval = 0;  // steps between probes (0: none)
};

// Throws std::invalid_argument, one line naming the setting by its gradlab-cli option and what it
// accepts. An empty convolution leaves options.conv unset (GRADLAB_CONV, else auto).
RunSetup runSetup(const TrainingSettings& settings);

// The schedule as parseSchedule reads it: "cosine:T_max=1000,warmup=100".
std::string scheduleText(const TrainingSettings& settings);

}  // namespace gradlab::persist

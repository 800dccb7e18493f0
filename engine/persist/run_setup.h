#pragma once
// Turns an experiment's saved training settings (names and text, as the command line takes them)
// into what the engine runs: the dataset to load, the session's options and the optimizer. Every
// value is checked here, so a bad setting is reported before any data is read or GPU work begins.
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
};

// Throws std::invalid_argument naming the setting and what it accepts; a number is named by its
// gradlab-cli option and refused in the words gradlab-cli uses ("--noise: -1 is out of range [0, 10]").
RunSetup runSetup(const TrainingSettings& settings);

// The schedule as parseSchedule reads it: "cosine:T_max=1000,warmup=100".
std::string scheduleText(const TrainingSettings& settings);

}  // namespace gradlab::persist

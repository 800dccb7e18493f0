#pragma once
// The training options train and compare share, read into a run's settings by one parser, so a
// run of compare accepts and refuses exactly what train does.
#include "cli/arguments.h"
#include "persist/run_setup.h"
#include "train/run_set.h"

#include <string>
#include <vector>

namespace gradlab::cli {

// --batch, --lr, --seed, --conv, --normalize, --augment, --optimizer, --schedule, --l1, --l2,
// --clip-norm and --clip-value as an experiment file keeps them (the text split, numbers read);
// what they mean is checked by persist::runSetup, as the lab's are.
persist::TrainingSettings trainingSettings(const Arguments& o);
// trainingSettings with --dataset, --validation, --limit, --samples, --noise, --classes, --epochs,
// --steps and (with --probes) --probe-every, built by persist::runSetup: a refusal is a UsageError.
persist::RunSetup runSetup(const Arguments& o);
// trainingSettings built by persist::runSetup, checked before any work: a bad value throws
// UsageError naming its option. The graph, init and label are left to the caller.
train::RunDefinition runSettings(const Arguments& o);

// How train's and compare's help lists the options they share: runSettings' (but --batch, whose
// meaning compare extends) and the device and data options, in help order.
std::vector<OptionSpec> sharedTrainingOptions();
// `specs` with sharedTrainingOptions() inserted before the option named `before`.
std::vector<OptionSpec> withSharedTrainingOptions(std::vector<OptionSpec> specs, const std::string& before);

}  // namespace gradlab::cli

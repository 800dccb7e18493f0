#pragma once
// The options of every command that trains, read into persist::TrainingSettings (what an
// experiment file keeps) and built by persist::runSetup as the lab's settings are: train, compare,
// landscape and race accept and refuse what the lab does, in the same words.
#include "cli/arguments.h"
#include "persist/run_setup.h"
#include "train/run_set.h"

#include <string>
#include <vector>

namespace gradlab::cli {

// --batch, --seed, --normalize, --lr (as plain SGD's lr, default 0.1), --dataset, --validation,
// --limit and the toy options (`samplesOption`: "samples" or "toy-samples", --noise, --classes):
// what every command that trains takes, as an experiment file keeps it.
persist::TrainingSettings basicTrainingSettings(const Arguments& o, const char* samplesOption);
// persist::runSetup, a refusal turned into a UsageError.
persist::RunSetup buildRun(const persist::TrainingSettings& settings);

// basicTrainingSettings (with --samples) and --conv, --augment, --optimizer, --schedule, --l1,
// --l2, --clip-norm, --clip-value, --epochs, --steps and (with --probes) --probe-every: the text
// split and numbers read; what they mean is checked by persist::runSetup, as the lab's are.
persist::TrainingSettings trainingSettings(const Arguments& o);
// buildRun(trainingSettings(o)).
persist::RunSetup buildRun(const Arguments& o);
// The run `setup` (buildRun(o), which checks every value before any work) defines, with the
// optimizer and augmentation as `o` writes them. The graph, init and label are left to the caller.
train::RunDefinition runSettings(const Arguments& o, const persist::RunSetup& setup);

// How train's and compare's help lists the options they share: runSettings' (but --batch, whose
// meaning compare extends) and the device and data options, in help order.
std::vector<OptionSpec> sharedTrainingOptions();
// `specs` with sharedTrainingOptions() inserted before the option named `before`.
std::vector<OptionSpec> withSharedTrainingOptions(std::vector<OptionSpec> specs, const std::string& before);

}  // namespace gradlab::cli

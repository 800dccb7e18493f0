#pragma once
// The --dataset argument of gradlab-cli: a name or a directory, turned into training and
// evaluation datasets (data::chooseDataset), with an unknown name reported as a usage error.
#include "cli/arguments.h"
#include "data/dataset_choice.h"
#include "data/device_dataset.h"
#include "nn/network.h"

#include <string>
#include <vector>

namespace gradlab::cli {

using data::DatasetChoice;

// `spec`: fashion-mnist | idx:DIRECTORY | images[,size=WxH][,skip-unreadable]:DIRECTORY | cifar:DIRECTORY |
// points:FILE.csv | drawn:x,y,label;... | spiral | circles | xor | blobs | moons
// `validation`: fraction of the training data held out (0: evaluate on the test split if any).
// `limit`: use at most this many training samples (0: all).
DatasetChoice chooseDataset(const std::string& spec, double validation, uint32_t limit, uint32_t seed,
                            uint32_t toySamples, double toyNoise, uint32_t toyClasses);
// The same for a spec persist::runSetup built.
DatasetChoice chooseRunData(const data::DatasetSpec& spec);

// --toy-samples (or --samples), --noise and --classes, checked against util::ranges; --classes
// other than 2 only for the toy sets that take it (spiral, blobs).
struct ToyDataOptions {
  uint32_t samples = 600;
  double noise = 0.1;
  uint32_t classes = 2;
};
ToyDataOptions toyDataOptions(const Arguments& o, const char* samplesOption);

// `specs` with the options that shape a training dataset added before --quiet / --help: --limit,
// --normalize, --toy-samples, --noise, --classes. basicTrainingSettings (cli/run_options.h) reads them.
std::vector<OptionSpec> withTrainingDataOptions(std::vector<OptionSpec> specs);

// The network's input batch from `source`: "gaussian" (N(0, 1) noise, labels left as they are)
// or a dataset name (its first batch, with labels). A dataset whose samples do not fit the
// network's input is a usage error.
void loadInputBatch(gpu::Context& context, nn::Network& net, const std::string& source, uint32_t seed);

extern const char* const kDatasetHelp;

}  // namespace gradlab::cli

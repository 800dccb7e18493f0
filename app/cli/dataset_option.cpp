#include "cli/dataset_option.h"

#include "cli/arguments.h"
#include "data/device_dataset.h"
#include "data/toy_datasets.h"
#include "gpu/recording.h"
#include "util/option_ranges.h"

#include <algorithm>
#include <iostream>

#include <stdexcept>

namespace gradlab::cli {

const char* const kDatasetHelp = data::kDatasetNames;

DatasetChoice chooseRunData(const data::DatasetSpec& spec) {
  try {
    DatasetChoice chosen = data::chooseDataset(spec);
    // Skipped image files are worth a line each on stderr, where they do not mix with the results.
    for (const std::string& note : chosen.notes) std::cerr << "gradlab-cli: " << note << "\n";
    return chosen;
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--dataset: ") + e.what());
  }
}

DatasetChoice chooseDataset(const std::string& spec, double validation, uint32_t limit, uint32_t seed,
                            uint32_t toySamples, double toyNoise, uint32_t toyClasses) {
  return chooseRunData(data::DatasetSpec{spec, validation, limit, seed, toySamples, toyNoise, toyClasses});
}

std::vector<OptionSpec> withTrainingDataOptions(std::vector<OptionSpec> specs) {
  const std::vector<OptionSpec> data{
      {"limit", "N", "use only the first N training samples"},
      {"normalize", "MODE", "none, symmetric, mean-image, channel-mean or standardize (default none)"},
      {"toy-samples", "N", "points in a toy dataset (default 600)"},
      {"noise", "SIGMA", "noise of a toy dataset (default 0.1)"},
      {"classes", "N", "classes (arms, blobs) of a toy dataset (default 2)"}};
  const auto last = std::find_if(specs.begin(), specs.end(),
                                 [](const OptionSpec& s) { return s.name == "quiet" || s.name == "help"; });
  specs.insert(last, data.begin(), data.end());
  return specs;
}

ToyDataOptions toyDataOptions(const Arguments& o, const char* samplesOption) {
  namespace ranges = util::ranges;
  ToyDataOptions toy;
  toy.samples = uint32_t(o.integer(samplesOption, 600, ranges::kToySamples));
  toy.noise = o.number("noise", 0.1, ranges::kToyNoise);
  const std::string dataset = o.text("dataset");
  if (ranges::toyClassesVary(dataset)) {
    toy.classes = uint32_t(o.integer("classes", 2, ranges::kToyClasses));
  } else if (o.has("classes") && o.text("classes") != "2") {
    throw UsageError("--classes: " + o.text("classes") + " is out of range [2, 2] for " + dataset +
                     " (only spiral and blobs take " + ranges::kToyClasses.text() + ")");
  }
  return toy;
}

void loadInputBatch(gpu::Context& context, nn::Network& net, const std::string& source, uint32_t seed) {
  const uint32_t batch = net.batch();
  if (source == "gaussian") {
    const auto noise = data::makeGaussianNoise(batch, net.inputShape(), seed + 1);
    net.input().upload(noise.floats.data(), noise.floats.size() * 4);
    return;
  }
  const DatasetChoice chosen = chooseDataset(source, 0, 0, seed, std::max(batch, 600u), 0.1, net.classes());
  if (!(chosen.train.sampleShape == net.inputShape()))
    throw UsageError("the network's input is " + net.inputShape().text() + " but " + chosen.train.name +
                     " samples are " + chosen.train.sampleShape.text());
  data::DeviceDataset device(context, chosen.train,
                             data::NormalizationTable::compute(chosen.train, data::Normalization::None));
  gpu::Recording gather(context);
  device.recordEvalBatch(gather, {net.input(), net.labels(), net.step(), batch}, 0);
  context.run(gather);
}

}  // namespace gradlab::cli

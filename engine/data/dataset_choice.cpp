#include "data/dataset_choice.h"

#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "util/printable.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::data {

const char* const kDatasetNames =
    "fashion-mnist, idx:DIRECTORY (MNIST-format files), or a 2-D toy set: spiral, circles, xor, blobs, moons";

DatasetChoice chooseDataset(const DatasetSpec& spec) {
  DatasetChoice out;
  const auto& toys = toyDatasetNames();
  if (std::find(toys.begin(), toys.end(), spec.name) != toys.end()) {
    const ToyOptions o{spec.toySamples, spec.toyNoise, spec.toyClasses, spec.seed};
    auto [train, held] = makeToyDataset(spec.name, o).split(spec.validation > 0 ? spec.validation : 0.2, spec.seed);
    out.train = spec.limit ? train.head(spec.limit) : std::move(train);
    out.evaluation = std::move(held);
    out.evaluationName = "validation";
    return out;
  }
  const bool idx = spec.name.rfind("idx:", 0) == 0;
  if (spec.name != "fashion-mnist" && !idx)
    throw std::invalid_argument("the dataset must be " + std::string(kDatasetNames) + ", got '" +
                                util::printable(spec.name, 60) + "'");
  const std::string directory = idx ? spec.name.substr(4) : "";
  auto load = [&](const char* split) {
    return idx ? loadIdxDirectory(directory, split, directory) : loadFashionMnist(split);
  };
  Dataset train = load("train");
  if (spec.limit) train = train.head(spec.limit);
  if (spec.validation > 0) {
    auto [kept, held] = train.split(spec.validation, spec.seed);
    out.train = std::move(kept);
    out.evaluation = std::move(held);
    out.evaluationName = "validation";
  } else {
    out.train = std::move(train);
    out.evaluation = load("test");
    out.evaluationName = "test";
  }
  return out;
}

}  // namespace gradlab::data

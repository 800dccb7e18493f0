#include "cli/dataset_option.h"

#include "cli/arguments.h"
#include "data/idx_file.h"
#include "data/toy_datasets.h"

#include <algorithm>

namespace gradlab::cli {

const char* const kDatasetHelp =
    "fashion-mnist, idx:DIRECTORY (MNIST-format files), or a 2-D toy set: spiral, circles, xor, blobs, moons";

DatasetChoice chooseDataset(const std::string& spec, double validation, uint32_t limit, uint32_t seed,
                            uint32_t toySamples, double toyNoise, uint32_t toyClasses) {
  DatasetChoice out;
  const auto& toys = data::toyDatasetNames();
  if (std::find(toys.begin(), toys.end(), spec) != toys.end()) {
    data::ToyOptions o{toySamples, toyNoise, toyClasses, seed};
    data::Dataset all = data::makeToyDataset(spec, o);
    auto [train, held] = all.split(validation > 0 ? validation : 0.2, seed);
    out.train = std::move(train);
    out.evaluation = std::move(held);
    out.evaluationName = "validation";
  } else if (spec == "fashion-mnist" || spec.rfind("idx:", 0) == 0) {
    data::Dataset train = spec == "fashion-mnist" ? data::loadFashionMnist("train")
                                                  : data::loadIdxDirectory(spec.substr(4), "train", spec.substr(4));
    if (limit) train = train.head(limit);
    if (validation > 0) {
      auto [kept, held] = train.split(validation, seed);
      out.train = std::move(kept);
      out.evaluation = std::move(held);
      out.evaluationName = "validation";
    } else {
      out.train = std::move(train);
      out.evaluation = spec == "fashion-mnist" ? data::loadFashionMnist("test")
                                               : data::loadIdxDirectory(spec.substr(4), "test", spec.substr(4));
      out.evaluationName = "test";
    }
    return out;
  } else {
    throw UsageError("--dataset must be " + std::string(kDatasetHelp) + ", got '" + spec + "'");
  }
  if (limit) out.train = out.train.head(limit);
  return out;
}

}  // namespace gradlab::cli

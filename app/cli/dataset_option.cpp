#include "cli/dataset_option.h"

#include "cli/arguments.h"

#include <stdexcept>

namespace gradlab::cli {

const char* const kDatasetHelp = data::kDatasetNames;

DatasetChoice chooseDataset(const std::string& spec, double validation, uint32_t limit, uint32_t seed,
                            uint32_t toySamples, double toyNoise, uint32_t toyClasses) {
  try {
    return data::chooseDataset({spec, validation, limit, seed, toySamples, toyNoise, toyClasses});
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--dataset: ") + e.what());
  }
}

}  // namespace gradlab::cli

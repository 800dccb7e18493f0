#pragma once
// A labelled dataset in host memory: images as bytes (0-255, as MNIST stores them) or samples as
// floats (the 2-D toy sets), one class label each.
#include "nn/shape.h"

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradlab::data {

// Thrown for a missing, truncated or malformed dataset; the message says what to do.
struct DataError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Dataset {
  std::string name;
  nn::Shape sampleShape;
  uint32_t classes = 0;
  std::vector<std::string> classNames;
  std::vector<uint8_t> bytes;  // size() * sampleShape.elements() values, or empty
  std::vector<float> floats;   // used when bytes is empty
  std::vector<uint32_t> labels;

  uint32_t size() const { return uint32_t(labels.size()); }
  uint32_t sampleSize() const { return uint32_t(sampleShape.elements()); }
  bool isBytes() const { return !bytes.empty(); }
  // Value j of a sample as the network sees it before preprocessing: bytes / 255, or the float.
  float raw(uint32_t sample, uint32_t j) const {
    const size_t i = size_t(sample) * sampleSize() + j;
    return isBytes() ? bytes[i] * (1.0f / 255.0f) : floats[i];
  }
  // The first `count` samples (a subset for quick runs and CI).
  Dataset head(uint32_t count) const;
  // The samples of the classes in `keep` (sorted), in their order, their labels unchanged: a network
  // trained on them keeps all `classes` outputs, as fine-tuning on part of a dataset does.
  Dataset onlyClasses(const std::vector<uint32_t>& keep, const std::string& suffix) const;
  // Splits off the last `fraction` of the samples (after a seeded shuffle) as validation.
  std::pair<Dataset, Dataset> split(double validationFraction, uint32_t seed) const;
};

}  // namespace gradlab::data

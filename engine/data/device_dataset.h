#pragma once
// A dataset kept on the device (bytes stay bytes, four to a word), with the normalisation and
// augmentation that turn its samples into a network's mini-batches there (shaders/gather_batch.comp).
#include "data/dataset.h"
#include "gpu/buffer.h"
#include "gpu/recording.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::data {

enum class Normalization {
  None,         // bytes / 255 (images in [0, 1]) or the floats as they are
  Symmetric,    // scaled to [-1, 1]
  MeanImage,    // the training set's mean image subtracted
  ChannelMean,  // each channel's mean subtracted
  Standardize,  // each channel to mean 0 and standard deviation 1
};
const char* normalizationName(Normalization n);
Normalization parseNormalization(const std::string& text);  // throws std::invalid_argument

struct Augmentation {
  bool flip = false;         // random horizontal flip
  uint32_t cropPadding = 0;  // random shift by up to this many pixels (zero padding)
  float rotationDegrees = 0;
  float brightness = 0;  // added, uniformly within +-brightness (on the [0, 1] scale)
  float contrast = 0;    // contrast multiplied by 1 +- contrast
};
// From keys flip, crop=PIXELS, rotate=DEGREES, brightness=A, contrast=A (flip has no value).
// Throws std::invalid_argument naming the key and its range (util/option_ranges.h).
Augmentation parseAugmentation(const std::map<std::string, std::string>& items);
// The same from the command line's list, "flip,crop=4" (util::parseKeyValues).
Augmentation parseAugmentationList(const std::string& list);

// x = raw * scale[j] + offset[j] for each value j of a sample, from training-set statistics.
struct NormalizationTable {
  std::vector<float> scale, offset;
  static NormalizationTable compute(const Dataset& train, Normalization mode);
};

// The bytes of the buffers a DeviceDataset allocates for `samples` samples of `sampleSize` values,
// stored as bytes (four to a word) or as floats: the constructor allocates these, and the
// device-fit check compares them with a device's limits.
struct DeviceDatasetSizes {
  uint64_t data = 0, labels = 0, order = 0, normalization = 0;
  uint64_t total() const { return data + labels + order + normalization; }
};
DeviceDatasetSizes deviceDatasetSizes(uint64_t samples, uint64_t sampleSize, bool bytes);
DeviceDatasetSizes deviceDatasetSizes(const Dataset& data);

class DeviceDataset {
 public:
  DeviceDataset(gpu::Context& context, const Dataset& data, const NormalizationTable& norm);

  const Dataset& host() const { return *host_; }
  uint32_t size() const { return host_->size(); }

  // Writes the shuffled order of `epoch` into its slot (epochs alternate between two slots, so the
  // device may still be reading the previous epoch's order).
  void setEpochOrder(uint32_t epoch, uint32_t seed);

  struct Target {
    gpu::BufferRange input, labels, step;
    uint32_t batch;
  };
  // A training batch: samples from the epoch order at the device step counter, augmented.
  void recordTrainingBatch(gpu::Recording& rec, const Target& t, uint32_t seed, const Augmentation& augmentation) const;
  // An evaluation batch: samples first .. first + batch - 1 (clamped at the end), not augmented.
  void recordEvalBatch(gpu::Recording& rec, const Target& t, uint32_t first) const;

 private:
  void record(gpu::Recording& rec, const Target& t, bool training, uint32_t first, uint32_t seed,
              const Augmentation& augmentation) const;
  std::shared_ptr<const Dataset> host_;
  std::unique_ptr<gpu::Buffer> data_, labels_, order_, norm_;
};

}  // namespace gradlab::data

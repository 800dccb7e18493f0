#include "data/device_dataset.h"

#include "gpu/context.h"
#include "spirv/shaders.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numbers>
#include <numeric>
#include <random>
#include <stdexcept>

namespace gradlab::data {
namespace {
using gpu::Access;
const gpu::KernelSpec kGather{"gather_batch",
                              spirv::gather_batch,
                              {Access::ReadUintTexels, Access::ReadUintTexels, Access::ReadUintTexels, Access::Read,
                               Access::ReadFloatTexels, Access::Write, Access::Write}};
// The same shader for whole words of byte images: the normalization table read as vec4s.
const gpu::KernelSpec kGatherWords{"gather_batch_words",
                                   spirv::gather_batch,
                                   {Access::ReadUintTexels, Access::ReadUintTexels, Access::ReadUintTexels,
                                    Access::Read, Access::ReadVec4Texels, Access::Write, Access::Write}};
}  // namespace

const char* normalizationName(Normalization n) {
  switch (n) {
    case Normalization::None: return "none";
    case Normalization::Symmetric: return "symmetric";
    case Normalization::MeanImage: return "mean-image";
    case Normalization::ChannelMean: return "channel-mean";
    case Normalization::Standardize: return "standardize";
  }
  return "?";
}

Normalization parseNormalization(const std::string& text) {
  for (auto n : {Normalization::None, Normalization::Symmetric, Normalization::MeanImage, Normalization::ChannelMean,
                 Normalization::Standardize})
    if (text == normalizationName(n)) return n;
  throw std::invalid_argument("unknown normalization '" + text +
                              "' (accepted: none, symmetric, mean-image, channel-mean, standardize)");
}

Augmentation parseAugmentation(const std::map<std::string, std::string>& items) {
  namespace ranges = util::ranges;
  Augmentation a;
  for (const auto& [key, value] : items) {
    if (key == "flip" && value.empty())
      a.flip = true;
    else if (key == "crop")
      a.cropPadding = uint32_t(util::parseInteger(key, value, ranges::kCropPadding));
    else if (key == "rotate")
      a.rotationDegrees = float(util::parseNumber(key, value, ranges::kRotationDegrees));
    else if (key == "brightness")
      a.brightness = float(util::parseNumber(key, value, ranges::kBrightness));
    else if (key == "contrast")
      a.contrast = float(util::parseNumber(key, value, ranges::kContrast));
    else
      throw std::invalid_argument(
          "augmentation takes flip, crop=PIXELS, rotate=DEGREES, brightness=AMOUNT, "
          "contrast=AMOUNT; got '" +
          util::printable(key + (value.empty() ? "" : "=" + value), 60) + "'");
  }
  return a;
}

Augmentation parseAugmentationList(const std::string& list) {
  std::map<std::string, std::string> items;
  for (const auto& item :
       util::parseKeyValues(list, "", {"flip", "crop", "rotate", "brightness", "contrast"}, {"flip"}))
    items[item.key] = item.value;
  return parseAugmentation(items);
}

NormalizationTable NormalizationTable::compute(const Dataset& train, Normalization mode) {
  const uint32_t n = train.sampleSize(), count = std::max(train.size(), 1u);
  NormalizationTable t{std::vector<float>(n, 1.0f), std::vector<float>(n, 0.0f)};
  if (mode == Normalization::None) return t;
  if (mode == Normalization::Symmetric) {  // [min, max] of the data to [-1, 1]
    float lo = INFINITY, hi = -INFINITY;
    for (uint32_t s = 0; s < train.size(); ++s)
      for (uint32_t j = 0; j < n; ++j) lo = std::min(lo, train.raw(s, j)), hi = std::max(hi, train.raw(s, j));
    if (!(hi > lo)) return t;
    std::fill(t.scale.begin(), t.scale.end(), 2.0f / (hi - lo));
    std::fill(t.offset.begin(), t.offset.end(), -1.0f - 2.0f * lo / (hi - lo));
    return t;
  }
  std::vector<double> mean(n, 0.0);
  for (uint32_t s = 0; s < train.size(); ++s)
    for (uint32_t j = 0; j < n; ++j) mean[j] += train.raw(s, j);
  for (double& m : mean) m /= count;
  if (mode == Normalization::MeanImage) {
    for (uint32_t j = 0; j < n; ++j) t.offset[j] = float(-mean[j]);
    return t;
  }
  // Per channel: images are C x H x W; flat vectors are one "channel" per value.
  const nn::Shape& shape = train.sampleShape;
  const uint32_t channels = shape.isImage() ? shape.channels() : n, spatial = n / channels;
  for (uint32_t c = 0; c < channels; ++c) {
    double m = 0, var = 0;
    for (uint32_t k = 0; k < spatial; ++k) m += mean[c * spatial + k];
    m /= spatial;
    if (mode == Normalization::Standardize) {
      for (uint32_t s = 0; s < train.size(); ++s)
        for (uint32_t k = 0; k < spatial; ++k) var += std::pow(train.raw(s, c * spatial + k) - m, 2);
      var /= double(count) * spatial;
    }
    const double scale = mode == Normalization::Standardize && var > 0 ? 1.0 / std::sqrt(var) : 1.0;
    for (uint32_t k = 0; k < spatial; ++k) {
      t.scale[c * spatial + k] = float(scale);
      t.offset[c * spatial + k] = float(-m * scale);
    }
  }
  return t;
}

DeviceDatasetSizes deviceDatasetSizes(uint64_t samples, uint64_t sampleSize, bool bytes) {
  DeviceDatasetSizes s;
  s.data = bytes ? (samples * sampleSize + 3) / 4 * 4 : samples * sampleSize * 4;
  s.labels = samples * 4;
  s.order = 2 * samples * 4;  // two epochs' orders (see setEpochOrder)
  s.normalization = 2 * sampleSize * 4;
  return s;
}

DeviceDatasetSizes deviceDatasetSizes(const Dataset& data) {
  DeviceDatasetSizes s = deviceDatasetSizes(data.size(), data.sampleSize(), data.isBytes());
  // What is really stored, should a dataset hold more or fewer values than its shape says.
  s.data = data.isBytes() ? (data.bytes.size() + 3) / 4 * 4 : data.floats.size() * 4;
  return s;
}

DeviceDataset::DeviceDataset(gpu::Context& context, const Dataset& data, const NormalizationTable& norm)
    : host_(std::make_shared<Dataset>(data)) {
  if (data.size() == 0) throw DataError("The dataset " + data.name + " is empty.");
  const uint32_t n = data.sampleSize();
  const DeviceDatasetSizes sizes = deviceDatasetSizes(data);
  data_ = std::make_unique<gpu::Buffer>(context, sizes.data);
  if (data.isBytes()) {
    std::vector<uint32_t> words(sizes.data / 4, 0);
    std::memcpy(words.data(), data.bytes.data(), data.bytes.size());
    data_->upload(words.data(), words.size() * 4);
  } else {
    data_->upload(data.floats.data(), data.floats.size() * 4);
  }
  labels_ = std::make_unique<gpu::Buffer>(context, sizes.labels);
  labels_->upload(data.labels.data(), data.labels.size() * 4);
  order_ = std::make_unique<gpu::Buffer>(context, sizes.order);
  std::vector<float> table(norm.scale);
  table.insert(table.end(), norm.offset.begin(), norm.offset.end());
  if (table.size() != 2ull * n) throw std::invalid_argument("normalization table does not match the dataset");
  norm_ = std::make_unique<gpu::Buffer>(context, sizes.normalization);
  norm_->upload(table.data(), table.size() * 4);
}

void DeviceDataset::setEpochOrder(uint32_t epoch, uint32_t seed) {
  std::vector<uint32_t> order(size());
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937 rng(seed * 2654435761u + epoch);
  std::shuffle(order.begin(), order.end(), rng);
  order_->upload(order.data(), order.size() * 4, uint64_t(epoch & 1) * size() * 4);
}

void DeviceDataset::record(gpu::Recording& rec, const Target& t, bool training, uint32_t first, uint32_t seed,
                           const Augmentation& a) const {
  const Dataset& d = *host_;
  struct {
    uint32_t sampleSize, samples, batch, stepsPerEpoch;
    uint32_t training, first, seed, channels;
    uint32_t height, width, flip, cropPadding;
    float rotation, brightness, contrast, pad;
  } push{d.sampleSize(),
         d.size(),
         t.batch,
         std::max(d.size() / t.batch, 1u),
         training ? 1u : 0u,
         first,
         seed,
         d.sampleShape.channels(),
         d.sampleShape.height(),
         d.sampleShape.width(),
         a.flip ? 1u : 0u,
         a.cropPadding,
         float(a.rotationDegrees * std::numbers::pi / 180.0),
         a.brightness,
         a.contrast,
         0.0f};
  if (training && d.size() < t.batch)
    throw DataError("The dataset " + d.name + " has " + std::to_string(d.size()) +
                    " samples, fewer than the batch size " + std::to_string(t.batch) + ": use a smaller batch.");
  const bool augment = training && d.sampleShape.height() > 1 &&
                       (a.flip || a.cropPadding || a.rotationDegrees != 0 || a.brightness != 0 || a.contrast != 0);
  const bool words = d.isBytes() && !augment && d.sampleSize() % 4 == 0;
  const auto& kernel = rec.context().kernel(words ? kGatherWords : kGather, {256, 1, 1},
                                            {d.isBytes() ? 1u : 0u, augment ? 1u : 0u, words ? 1u : 0u});
  const uint32_t n = t.batch * d.sampleSize() / (words ? 4 : 1);
  rec.dispatch(kernel, {*data_, *labels_, *order_, t.step, *norm_, t.input, t.labels}, push,
               {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1});
}

void DeviceDataset::recordTrainingBatch(gpu::Recording& rec, const Target& t, uint32_t seed,
                                        const Augmentation& augmentation) const {
  record(rec, t, true, 0, seed, augmentation);
}

void DeviceDataset::recordEvalBatch(gpu::Recording& rec, const Target& t, uint32_t first) const {
  record(rec, t, false, first, 0, Augmentation{});
}

}  // namespace gradlab::data

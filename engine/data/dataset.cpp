#include "data/dataset.h"

#include <algorithm>
#include <numeric>
#include <random>

namespace gradlab::data {
namespace {

Dataset select(const Dataset& d, const std::vector<uint32_t>& samples, const std::string& suffix) {
  Dataset out;
  out.name = d.name + suffix;
  out.sampleShape = d.sampleShape;
  out.classes = d.classes;
  out.classNames = d.classNames;
  const size_t n = d.sampleSize();
  for (uint32_t s : samples) {
    out.labels.push_back(d.labels[s]);
    if (d.isBytes())
      out.bytes.insert(out.bytes.end(), d.bytes.begin() + s * n, d.bytes.begin() + (s + 1) * n);
    else
      out.floats.insert(out.floats.end(), d.floats.begin() + s * n, d.floats.begin() + (s + 1) * n);
  }
  return out;
}

}  // namespace

Dataset Dataset::head(uint32_t count) const {
  std::vector<uint32_t> samples(std::min(count, size()));
  std::iota(samples.begin(), samples.end(), 0u);
  return select(*this, samples, "");
}

Dataset Dataset::onlyClasses(const std::vector<uint32_t>& keep, const std::string& suffix) const {
  std::vector<uint32_t> samples;
  for (uint32_t s = 0; s < size(); ++s)
    if (std::binary_search(keep.begin(), keep.end(), labels[s])) samples.push_back(s);
  return select(*this, samples, suffix);
}

std::pair<Dataset, Dataset> Dataset::split(double validationFraction, uint32_t seed) const {
  std::vector<uint32_t> order(size());
  std::iota(order.begin(), order.end(), 0u);
  std::mt19937 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  const size_t validation = size_t(std::clamp(validationFraction, 0.0, 1.0) * size());
  std::vector<uint32_t> trainPart(order.begin(), order.end() - validation),
      validPart(order.end() - validation, order.end());
  std::sort(trainPart.begin(), trainPart.end());
  std::sort(validPart.begin(), validPart.end());
  return {select(*this, trainPart, ""), select(*this, validPart, " (validation)")};
}

}  // namespace gradlab::data

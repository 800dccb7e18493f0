#pragma once
// Small generated datasets for intuition: 2-D classification sets whose decision boundaries can be
// drawn (spiral, circles, XOR, gaussian blobs, moons), and pure gaussian noise as an input source
// for the initialisation demo. Reproducible from the seed.
#include "data/dataset.h"

#include <string>
#include <vector>

namespace gradlab::data {

struct ToyOptions {
  uint32_t samples = 600;
  double noise = 0.1;    // standard deviation of the gaussian noise added to each point
  uint32_t classes = 2;  // spiral arms and blobs; the other sets have 2
  uint32_t seed = 0;
};

// "spiral", "circles", "xor", "blobs", "moons". Throws DataError for another name.
Dataset makeToyDataset(const std::string& kind, const ToyOptions& options);
const std::vector<std::string>& toyDatasetNames();

// `samples` vectors of `features` values drawn from N(0, 1), labels 0 (for forward-only probes).
Dataset makeGaussianNoise(uint32_t samples, const nn::Shape& shape, uint32_t seed);

}  // namespace gradlab::data

#include "data/toy_datasets.h"

#include <cmath>
#include <numbers>
#include <random>

namespace gradlab::data {

const std::vector<std::string>& toyDatasetNames() {
  static const std::vector<std::string> names{"spiral", "circles", "xor", "blobs", "moons"};
  return names;
}

Dataset makeToyDataset(const std::string& kind, const ToyOptions& o) {
  std::mt19937 rng(o.seed);
  std::normal_distribution<double> noise(0.0, o.noise);
  std::uniform_real_distribution<double> unit(0.0, 1.0);
  Dataset d;
  d.name = kind;
  d.sampleShape = nn::Shape{2};
  d.classes = (kind == "spiral" || kind == "blobs") ? std::max(o.classes, 2u) : 2u;
  const double pi = std::numbers::pi;
  auto add = [&](double x, double y, uint32_t label) {
    d.floats.push_back(float(x + noise(rng)));
    d.floats.push_back(float(y + noise(rng)));
    d.labels.push_back(label);
  };
  for (uint32_t i = 0; i < o.samples; ++i) {
    const uint32_t label = i % d.classes;
    const double t = unit(rng);
    if (kind == "spiral") {  // CS231n's spiral: radius grows with the angle, one arm per class
      const double r = t, angle = 4.0 * t + 2.0 * pi * label / d.classes;
      add(r * std::sin(angle), r * std::cos(angle), label);
    } else if (kind == "circles") {
      const double r = label ? 0.5 : 1.0, angle = 2 * pi * t;
      add(r * std::cos(angle), r * std::sin(angle), label);
    } else if (kind == "xor") {
      const double x = 2 * unit(rng) - 1, y = 2 * t - 1;
      add(x, y, (x > 0) != (y > 0) ? 1 : 0);
    } else if (kind == "blobs") {
      const double angle = 2 * pi * label / d.classes;
      std::normal_distribution<double> spread(0.0, 0.25);
      add(std::cos(angle) + spread(rng), std::sin(angle) + spread(rng), label);
    } else if (kind == "moons") {
      const double angle = pi * t;
      if (label == 0)
        add(std::cos(angle), std::sin(angle), 0);
      else
        add(1 - std::cos(angle), 0.5 - std::sin(angle), 1);
    } else {
      std::string names;
      for (const auto& n : toyDatasetNames()) names += (names.empty() ? "" : ", ") + n;
      throw DataError("Unknown toy dataset '" + kind + "' (known: " + names + ").");
    }
  }
  for (uint32_t c = 0; c < d.classes; ++c) d.classNames.push_back("class " + std::to_string(c));
  return d;
}

Dataset makeGaussianNoise(uint32_t samples, const nn::Shape& shape, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal(0.0f, 1.0f);
  Dataset d;
  d.name = "gaussian noise";
  d.sampleShape = shape;
  d.classes = 1;
  d.classNames = {"noise"};
  d.floats.resize(size_t(samples) * shape.elements());
  for (float& v : d.floats) v = normal(rng);
  d.labels.assign(samples, 0);
  return d;
}

}  // namespace gradlab::data

#pragma once
// Shared by the engine tests: a Context with the validation layer required, random inputs, and
// comparisons against double-precision references. Every test class that uses GpuTest fails a
// test function that produced any validation message.
#include "gpu/context.h"
#include "nn/network_text.h"

#include <QTest>

#include <cmath>
#include <memory>
#include <random>
#include <span>
#include <string>
#include <vector>

namespace gradlab::test {

// A Context for tests: validation layer on (the test fails without it), the device from
// GRADLAB_DEVICE, no pipeline-cache file written into the user's home.
inline std::unique_ptr<gpu::Context> makeContext(gpu::ContextOptions options = {}) {
  options.validation = gpu::Validation::Required;
  if (options.pipelineCacheDir.empty()) options.persistentPipelineCache = false;
  return std::make_unique<gpu::Context>(std::move(options));
}

// Fails the current test if the layer reported anything, printing every message.
inline void verifyNoValidationMessages(gpu::Context& context) {
  const auto messages = context.validationMessages();
  context.clearValidationMessages();
  for (const auto& m : messages) qWarning("%s", m.c_str());
  QVERIFY2(messages.empty(), (std::to_string(messages.size()) + " validation message(s); see above").c_str());
}

// A network from its text; a syntax error throws with its message (test networks are literals).
inline nn::Graph graphOf(const std::string& text) {
  auto parsed = nn::parseNetwork(text);
  if (!parsed.ok()) throw std::runtime_error(parsed.errors[0].text());
  return parsed.graph;
}

inline std::vector<float> randomFloats(size_t n, uint32_t seed, float lo = -1, float hi = 1) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(lo, hi);
  std::vector<float> out(n);
  for (float& v : out) v = uniform(rng);
  return out;
}

// Largest |got - want| / scale over all elements, scale[i] the size rounding error scales with.
inline double maxScaledError(std::span<const float> got, std::span<const double> want, std::span<const double> scale) {
  double worst = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    const double err = std::abs(double(got[i]) - want[i]);
    if (std::isnan(got[i]) != std::isnan(want[i])) return INFINITY;
    if (std::isnan(want[i])) continue;
    worst = std::max(worst, err / std::max(scale[i], 1e-30));
  }
  return worst;
}

// Whether every |got - want| <= atol + rtol |want|; returns the worst ratio to that bound (<= 1 passes).
inline double worstOfBound(std::span<const float> got, std::span<const double> want, double rtol, double atol) {
  std::vector<double> scale(want.size());
  for (size_t i = 0; i < want.size(); ++i) scale[i] = atol + rtol * std::abs(want[i]);
  return maxScaledError(got, want, scale);
}

// Largest relative error |got - want| / max(|want|, floor).
inline double maxRelativeError(std::span<const float> got, std::span<const double> want, double floor = 1e-6) {
  std::vector<double> scale(want.size());
  for (size_t i = 0; i < want.size(); ++i) scale[i] = std::max(std::abs(want[i]), floor);
  return maxScaledError(got, want, scale);
}

}  // namespace gradlab::test

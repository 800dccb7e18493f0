#pragma once
// The CPU twin of shaders/random.glsl: bit-identical counter-based random numbers.
#include <cstdint>

namespace gradlab::nn {

inline uint32_t pcgHash(uint32_t v) {
  const uint32_t state = v * 747796405u + 2891336453u;
  const uint32_t word = ((state >> ((state >> 28u) + 4u)) ^ state) * 277803737u;
  return (word >> 22u) ^ word;
}

inline float uniformRandom(uint32_t seed, uint32_t step, uint32_t index) {
  return float(pcgHash(index ^ pcgHash(seed ^ pcgHash(step))) >> 8) * (1.0f / 16777216.0f);
}

}  // namespace gradlab::nn

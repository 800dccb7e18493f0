#pragma once
// The control block every training step reads and writes on the device: the not-finite flag with
// where it went up, and the step's learning rate. Its one declaration is shared with the shaders
// (shaders/training_control_block.h); the asserts below hold C++ to the layout GLSL gives it
// (std430: four consecutive uints).
#include <bit>
#include <cstddef>
#include <cstdint>

namespace gradlab::train {
namespace shared {
using uint = uint32_t;
#include "../../shaders/training_control_block.h"
}  // namespace shared

struct ControlBlock : shared::ControlBlock {
  bool flagged() const { return nonFinite != 0; }
  float learningRate() const { return std::bit_cast<float>(learningRateBits); }
  // A block with no flag raised, for a step at `rate`.
  static ControlBlock clearAt(float rate) {
    ControlBlock block{};
    block.learningRateBits = std::bit_cast<uint32_t>(rate);
    return block;
  }
};
using shared::kGradients;
using shared::kLossTensor;

static_assert(sizeof(ControlBlock) == 16);
static_assert(offsetof(shared::ControlBlock, nonFinite) == 0);
static_assert(offsetof(shared::ControlBlock, failedStep) == 4);
static_assert(offsetof(shared::ControlBlock, failedTensor) == 8);
static_assert(offsetof(shared::ControlBlock, learningRateBits) == 12);

// Bytes of a buffer holding one control block.
constexpr uint64_t kControlBlockBytes = sizeof(ControlBlock);

}  // namespace gradlab::train

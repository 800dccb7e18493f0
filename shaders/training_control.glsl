// The control block every training step reads and writes (training_control_block.h, shared with
// engine/train/control_block.h), bound at CONTROL_BINDING as `control`.
#include "training_control_block.h"
layout(std430, binding = CONTROL_BINDING) buffer Control { ControlBlock control; };

bool notFinite(vec4 v) { return any(isnan(v)) || any(isinf(v)); }
bool stepFlagged() { return control.nonFinite != 0u; }
float stepLearningRate() { return uintBitsToFloat(control.learningRateBits); }

// Raises the flag for `step`, naming `tensor`. The compare-and-swap keeps the first: exactly one
// invocation, of the first kernel to find a value that is not finite, records where.
void flagNotFinite(uint step, uint tensor) {
  if (atomicCompSwap(control.nonFinite, 0u, 1u) == 0u) {
    control.failedStep = step;
    control.failedTensor = tensor;
  }
}

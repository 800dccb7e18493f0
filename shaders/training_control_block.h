// The control block every training step reads and writes, declared once for both sides: GLSL
// includes it through training_control.glsl, C++ through engine/train/control_block.h (which
// static_asserts its layout). Valid GLSL and C++ alike: scalars only, named `uint`.
#ifndef GRADLAB_TRAINING_CONTROL_BLOCK_H
#define GRADLAB_TRAINING_CONTROL_BLOCK_H

struct ControlBlock {
  uint nonFinite;         // 1 once a loss or gradient was not finite: updates stop, weights stay
  uint failedStep;        // the step it happened at
  uint failedTensor;      // kLossTensor: the loss; else the index its check was given (kGradients)
  uint learningRateBits;  // this step's learning rate (float bits), set by the host or a schedule
};

const uint kLossTensor = 0xffffffffu;
const uint kGradients = 0u;  // the check over every parameter gradient at once

#endif

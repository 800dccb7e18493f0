// The control block every training step reads and writes (engine/train/training_control.h):
//   [0] 1 once a loss or gradient was not finite (updates stop; weights stay at the last good step)
//   [1] the step it happened at, [2] which tensor (0xffffffff: the loss, else the index its check
//       was given; a training step checks all gradients at once as 0)
//   [3] the learning rate (float bits), set by the host or a schedule
layout(std430, binding = CONTROL_BINDING) buffer Control { uint control[]; };

bool notFinite(vec4 v) { return any(isnan(v)) || any(isinf(v)); }

// Raises the flag for `step`, naming `tensor` in [2]. The compare-and-swap keeps the first: exactly
// one invocation, of the first kernel to find a value that is not finite, records where.
void flagNotFinite(uint step, uint tensor) {
  if (atomicCompSwap(control[0], 0u, 1u) == 0u) {
    control[1] = step;
    control[2] = tensor;
  }
}

// The control block every training step reads and writes (engine/train/training_control.h):
//   [0] 1 once a loss or gradient was not finite (updates stop; weights stay at the last good step)
//   [1] the step it happened at, [2] which tensor (0xffffffff: the loss, else the index its check
//       was given; a training step checks all gradients at once as 0)
//   [3] the learning rate (float bits), set by the host or a schedule
layout(std430, binding = CONTROL_BINDING) buffer Control { uint control[]; };

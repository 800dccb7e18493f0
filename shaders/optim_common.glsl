// Shared by the optimizer update kernels (engine/optim/): binding 0 the training control block
// (no update once the step is flagged; the learning rate), binding 1 the device step counter (this
// update is step t = counter + 1), binding 2 the parameters, binding 3 their gradient. State
// buffers follow from binding 4. One invocation per element in a grid-stride loop.
#define CONTROL_BINDING 0
#include "elementwise.glsl"
#include "training_control.glsl"

layout(std430, binding = 1) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 2) buffer Param { float param[]; };
layout(std430, binding = 3) readonly buffer Grad { float grad[]; };

bool skipUpdate() { return stepFlagged(); }
float learningRate() { return stepLearningRate(); }
float stepNumber() { return float(stepCounter[0] + 1u); }

// 1 - beta^t from ln(beta) (the host passes -80 for beta = 0): a series where beta^t is close to 1,
// so 1 - 0.999^1 keeps its digits in float.
float oneMinusPow(float lnBeta, float t) {
  float x = lnBeta * t;
  if (x > -0.1) return -x * (1.0 + x * (0.5 + x * (1.0 / 6.0 + x * (1.0 / 24.0 + x * (1.0 / 120.0 + x / 720.0)))));
  return 1.0 - exp(x);
}

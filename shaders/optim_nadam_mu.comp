#version 450
// NAdam's running product of momentum coefficients, once per step before the updates:
// mu_product *= mu_t = beta1 (1 - 0.5 0.96^(t momentum_decay)), unless the step is skipped.
#define CONTROL_BINDING 0
#include "training_control.glsl"
layout(local_size_x = 1) in;
layout(std430, binding = 1) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 2) buffer Mu { float muProduct[]; };
layout(push_constant) uniform Push { float beta1, momentumDecay; } p;

void main() {
  if (stepFlagged()) return;
  const float t = float(stepCounter[0] + 1u);
  muProduct[0] *= p.beta1 * (1.0 - 0.5 * pow(0.96, t * p.momentumDecay));
}

#version 450
// Flags the first tensor of a step holding NaN or infinity (see training_control.glsl). The
// compare-and-swap lets exactly one invocation record where it happened.
#define CONTROL_BINDING 1
#include "elementwise.glsl"
#include "training_control.glsl"

layout(std430, binding = 0) readonly buffer T { float t[]; };
layout(std430, binding = 2) readonly buffer Step { uint stepCounter[]; };
layout(push_constant) uniform Push { uint n; uint tensor; } p;

void main() {
  bool bad = false;
  FOR_EACH_ELEMENT(i, p.n) bad = bad || isnan(t[i]) || isinf(t[i]);
  if (bad && atomicCompSwap(control[0], 0u, 1u) == 0u) {
    control[1] = stepCounter[0];
    control[2] = p.tensor;
  }
}

#version 450
// Plain SGD: p -= lr * g. Skipped entirely once the step's loss or a gradient was not finite.
#define CONTROL_BINDING 0
#include "elementwise.glsl"
#include "training_control.glsl"

layout(std430, binding = 1) buffer Param { float param[]; };
layout(std430, binding = 2) readonly buffer Grad { float grad[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
  if (control[0] != 0u) return;
  float lr = uintBitsToFloat(control[3]);
  FOR_EACH_ELEMENT(i, p.n) param[i] -= lr * grad[i];
}

#version 450
// Plain SGD: p -= lr * g. Skipped entirely once the step's loss or a gradient was not finite.
// Four floats per invocation step: the gradient as a texel buffer of vec4s (a branch-free gather
// on CPU devices), the parameters as vec4s but for a last partial vec4.
#define CONTROL_BINDING 0
#include "elementwise.glsl"
#include "training_control.glsl"

layout(std430, binding = 1) buffer Param { float param[]; };
layout(std430, binding = 1) buffer Param4 { vec4 param4[]; };
layout(binding = 2) uniform samplerBuffer grad;
layout(push_constant) uniform Push { uint n; } p;

void main() {
  if (control[0] != 0u) return;
  float lr = uintBitsToFloat(control[3]);
  FOR_EACH_ELEMENT(i, (p.n + 3) / 4) {
    const vec4 g = texelFetch(grad, int(i));
    if (4 * i + 4 <= p.n) {
      param4[i] -= lr * g;
    } else {
      for (uint c = 0; 4 * i + c < p.n; ++c) param[4 * i + c] -= lr * g[c];
    }
  }
}

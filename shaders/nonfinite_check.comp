#version 450
// Flags the first tensor of a step holding NaN or infinity (flagNotFinite, training_control.glsl,
// keeps the first). The tensor is read as a texel buffer of vec4s: four floats per fetch, and a
// branch-free gather on CPU devices.
#define CONTROL_BINDING 1
#include "elementwise.glsl"
#include "training_control.glsl"

layout(binding = 0) uniform samplerBuffer t;
layout(std430, binding = 2) readonly buffer Step { uint stepCounter[]; };
#include "nonfinite_check.h"
layout(push_constant) uniform Push { NonFiniteCheckPush p; };

void main() {
  bool bad = false;
  FOR_EACH_ELEMENT(i, (p.n + 3) / 4) {
    // The view ends on a whole vec4: floats past n are not the tensor's and count as finite.
    const vec4 v = mix(texelFetch(t, int(i)), vec4(0), greaterThanEqual(uvec4(4 * i) + uvec4(0, 1, 2, 3), uvec4(p.n)));
    bad = bad || notFinite(v);
  }
  if (bad) flagNotFinite(stepCounter[0], p.tensor);
}

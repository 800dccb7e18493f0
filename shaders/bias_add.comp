#version 450
// y[b, c, s] += bias[c] for a tensor of `channels` channels of `spatial` values each (Linear:
// spatial = 1; convolutions: height * width).
#include "elementwise.glsl"

layout(std430, binding = 0) readonly buffer Bias { float bias[]; };
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform Push { uint n; uint channels; uint spatial; } p;

void main() {
  FOR_EACH_ELEMENT(i, p.n) y[i] += bias[(i / p.spatial) % p.channels];
}

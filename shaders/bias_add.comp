#version 450
// y[b, c, s] += bias(c) for a tensor of `channels` channels of `spatial` values each (Linear:
// spatial = 1; convolutions: height * width).
#include "divide.glsl"
#include "elementwise.glsl"

layout(binding = 0) uniform samplerBuffer biasTexels;
float bias(uint i) { return texelFetch(biasTexels, int(i)).r; }
layout(std430, binding = 1) buffer Y { float y[]; };
layout(push_constant) uniform Push { uint n; uint channels; uint spatial; } p;

void main() {
  FOR_EACH_ELEMENT(i, p.n) y[i] += bias(remainder(quotient(i, p.spatial), p.channels));
}

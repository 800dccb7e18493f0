#version 450
// Gradient clipping of one tensor, before the update: by global norm (useNorm: g *= clip[0] when
// that coefficient is < 1), then by value (value > 0: g = clamp(g, -value, value)).
#include "elementwise.glsl"
layout(std430, binding = 0) buffer Grad { float grad[]; };
layout(std430, binding = 1) readonly buffer Clip { float clip[]; };
layout(push_constant) uniform Push { uint n, useNorm; float value; } p;

void main() {
  const float coefficient = p.useNorm != 0u ? clip[0] : 1.0;
  FOR_EACH_ELEMENT(i, p.n) {
    float g = grad[i];
    if (coefficient < 1.0) g *= coefficient;
    if (p.value > 0.0) g = clamp(g, -p.value, p.value);
    grad[i] = g;
  }
}

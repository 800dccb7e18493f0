#version 450
// y = x0 + x1 + ... + x(COUNT-1), element-wise: the Add layer (residual connections), 2 to 8
// inputs in one pass instead of a copy and COUNT-1 read-modify-write passes. Bindings past COUNT
// are bound to any buffer and never read.
#include "elementwise.glsl"
layout(constant_id = 3) const uint COUNT = 2;

layout(std430, binding = 0) readonly buffer X0 { float x0[]; };
layout(std430, binding = 1) readonly buffer X1 { float x1[]; };
layout(std430, binding = 2) readonly buffer X2 { float x2[]; };
layout(std430, binding = 3) readonly buffer X3 { float x3[]; };
layout(std430, binding = 4) readonly buffer X4 { float x4[]; };
layout(std430, binding = 5) readonly buffer X5 { float x5[]; };
layout(std430, binding = 6) readonly buffer X6 { float x6[]; };
layout(std430, binding = 7) readonly buffer X7 { float x7[]; };
layout(std430, binding = 8) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
  FOR_EACH_ELEMENT(i, p.n) {
    float s = x0[i] + x1[i];
    if (COUNT > 2) s += x2[i];
    if (COUNT > 3) s += x3[i];
    if (COUNT > 4) s += x4[i];
    if (COUNT > 5) s += x5[i];
    if (COUNT > 6) s += x6[i];
    if (COUNT > 7) s += x7[i];
    y[i] = s;
  }
}

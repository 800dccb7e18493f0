#version 450
// z[i] = (alpha * x[i]) op y[i], op chosen by a specialization constant (see ops/elementwise.h).
// axpy is op "add" with z bound to y.
#include "elementwise.glsl"

layout(constant_id = 3) const uint OP = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };
layout(std430, binding = 2) writeonly buffer Z { float z[]; };
layout(push_constant) uniform Push { uint n; float alpha; } p;

float apply(float a, float b) {
  switch (OP) {
    case 0: return a + b;
    case 1: return a - b;
    case 2: return a * b;
    case 3: return a / b;
    case 4: return max(a, b);
    case 5: return min(a, b);
    default: return a;
  }
}

void main() {
  FOR_EACH_ELEMENT(i, p.n) z[i] = apply(p.alpha * x[i], y[i]);
}

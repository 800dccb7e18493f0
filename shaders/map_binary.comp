#version 450
// z[i] = (alpha * x[i]) op y[i], op chosen by a specialization constant (see ops/elementwise.h).
// axpy is op "add" with z bound to y.
#include "elementwise.glsl"

layout(constant_id = 3) const uint OP = 0;

// Four values per step (see FOR_EACH_VEC4 in elementwise.glsl); z may be y (in place).
layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) uniform samplerBuffer y;
layout(std430, binding = 2) writeonly buffer Z { float z[]; };
layout(std430, binding = 2) writeonly buffer Z4 { vec4 z4[]; };
layout(push_constant) uniform Push { uint n; float alpha; } p;

vec4 apply(vec4 a, vec4 b) {
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
  FOR_EACH_VEC4(i, p.n) z4[i] = apply(p.alpha * texelFetch(x, int(i)), texelFetch(y, int(i)));
  const int t = int(p.n / 4u);
  STORE_TAIL(z, p.n, apply(p.alpha * texelFetch(x, t), texelFetch(y, t)));
}

#version 450
// y[i] = f(alpha * x[i] + beta), f chosen by a specialization constant (see ops/elementwise.h).
#include "elementwise.glsl"

layout(constant_id = 3) const uint OP = 0;

// Four values per step (see FOR_EACH_VEC4 in elementwise.glsl).
layout(binding = 0) uniform samplerBuffer x;
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(std430, binding = 1) writeonly buffer Y4 { vec4 y4[]; };
layout(push_constant) uniform Push { uint n; float alpha; float beta; } p;

vec4 apply(vec4 v) {
  switch (OP) {
    case 0: return v;                                  // affine (copy when alpha = 1, beta = 0)
    case 1: return abs(v);
    case 2: return v * v;
    case 3: return sqrt(v);
    case 4: return exp(v);
    case 5: return log(v);
    case 6: return tanh(v);
    case 7: return 1.0 / (1.0 + exp(-v));              // sigmoid
    case 8: return max(v, vec4(0.0));                  // relu
    default: return v;
  }
}

void main() {
  FOR_EACH_VEC4(i, p.n) y4[i] = apply(p.alpha * texelFetch(x, int(i)) + p.beta);
  STORE_TAIL(y, p.n, apply(p.alpha * texelFetch(x, int(p.n / 4u)) + p.beta));
}

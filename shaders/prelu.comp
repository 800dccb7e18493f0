#version 450
// PReLU with slope a[c] (one shared slope: count 1). MODE 0: y = x > 0 ? x : a x (element-wise).
// MODE 1: dx (+)= dy * (x > 0 ? 1 : a) (element-wise). MODE 2: da[c] = sum of dy x over x <= 0 in
// channel c, one invocation per slope, over i = (j * count + c) * inner + t, j < outer, t < inner.
#include "elementwise.glsl"

layout(constant_id = 3) const uint MODE = 0;
layout(constant_id = 4) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Slope { float slope[]; };
layout(std430, binding = 2) readonly buffer DY { float dy[]; };  // MODE 1, 2
layout(std430, binding = 3) buffer Out { float result[]; };     // y, dx or da
layout(push_constant) uniform Push { uint n; uint count; uint inner; uint outer; } p;

void main() {
  if (MODE == 2) {
    uint c = gl_GlobalInvocationID.x;
    if (c >= p.count) return;
    float sum = 0.0;
    for (uint j = 0; j < p.outer; ++j) {
      uint base = (j * p.count + c) * p.inner;
      for (uint t = 0; t < p.inner; ++t) sum += x[base + t] > 0.0 ? 0.0 : dy[base + t] * x[base + t];
    }
    result[c] = sum;
    return;
  }
  FOR_EACH_ELEMENT(i, p.n) {
    float a = slope[(i / p.inner) % p.count];
    if (MODE == 0) {
      result[i] = x[i] > 0.0 ? x[i] : a * x[i];
    } else {
      float d = x[i] > 0.0 ? dy[i] : a * dy[i];
      result[i] = ACCUMULATE != 0 ? result[i] + d : d;
    }
  }
}

#version 450
// FFT convolution's channel mixing in the frequency domain: for every frequency f of plane (i, j),
//   out[(i J + j) plane + f] = sum over r < R of a[A(i, j, r) plane + f] * b'[B(i, j, r) plane + f]
// with A(i, j, r) = i aI + j aJ + r aR (B likewise) and b' = conj(b) when conjugateB is set
// (a correlation) or b (a convolution). The strides pick forward, input or weight gradient.
#include "elementwise.glsl"

layout(std430, binding = 0) readonly buffer A { vec2 a[]; };
layout(std430, binding = 1) readonly buffer B { vec2 b[]; };
layout(std430, binding = 2) writeonly buffer Out { vec2 result[]; };
layout(push_constant) uniform Push {
  uint countI, countJ, countR, planeSize;
  uint aI, aJ, aR, bI, bJ, bR;
  uint conjugateB;
} p;

void main() {
  const float sign = p.conjugateB != 0 ? -1.0 : 1.0;
  FOR_EACH_ELEMENT(e, p.countI * p.countJ * p.planeSize) {
    const uint f = e % p.planeSize, ij = e / p.planeSize;
    const uint i = ij / p.countJ, j = ij % p.countJ;
    uint ia = (i * p.aI + j * p.aJ) * p.planeSize + f, ib = (i * p.bI + j * p.bJ) * p.planeSize + f;
    vec2 sum = vec2(0.0);
    for (uint r = 0; r < p.countR; ++r) {
      const vec2 x = a[ia], y = vec2(b[ib].x, sign * b[ib].y);
      sum += vec2(x.x * y.x - x.y * y.y, x.x * y.y + x.y * y.x);
      ia += p.aR * p.planeSize;
      ib += p.bR * p.planeSize;
    }
    result[e] = sum;
  }
}

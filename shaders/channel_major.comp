#version 450
// Moves a chunk of samples between the tensor layout t[bb][c][q] (from `base`) and the GEMM layout
// g[c][bb P + q] that convolutions multiply (one row per channel, all pixels of the chunk side by
// side). TO_GEMM = 1: g = t. TO_GEMM = 0: t (+)= g (+ bias[c] when HAS_BIAS). Memory-bound; a
// grid-stride loop over g's index, so any size runs with a capped number of work groups.
#include "elementwise.glsl"
layout(constant_id = 3) const uint TO_GEMM = 1;
layout(constant_id = 4) const uint ACCUMULATE = 0;
layout(constant_id = 5) const uint HAS_BIAS = 0;

layout(std430, binding = 0) readonly buffer Src { float src[]; };
layout(std430, binding = 1) buffer Dst { float dst[]; };
layout(std430, binding = 2) readonly buffer Bias { float bias[]; };  // read only when HAS_BIAS
layout(push_constant) uniform Push { uint base, samples, channels, spatial; } p;

void main() {
  uint chunk = p.samples * p.spatial;
  FOR_EACH_ELEMENT(g, p.channels * chunk) {
    uint c = g / chunk, rest = g % chunk, bb = rest / p.spatial, q = rest % p.spatial;
    uint t = p.base + (bb * p.channels + c) * p.spatial + q;
    if (TO_GEMM != 0) {
      dst[g] = src[t];
    } else {
      float v = src[g];
      if (HAS_BIAS != 0) v += bias[c];
      dst[t] = ACCUMULATE != 0 ? dst[t] + v : v;
    }
  }
}

#version 450
// Moves a chunk of samples between the tensor layout t[bb][c][q] (from `base`) and the GEMM layout
// g[c][bb P + q] that convolutions multiply (one row per channel, all pixels of the chunk side by
// side). TO_GEMM = 1: g = t. TO_GEMM = 0: t (+)= g (+ bias(c) when HAS_BIAS). Memory-bound; a
// grid-stride loop over g's index, so any size runs with a capped number of work groups.
#include "divide.glsl"
#include "elementwise.glsl"
layout(constant_id = 3) const uint TO_GEMM = 1;
layout(constant_id = 4) const uint ACCUMULATE = 0;
layout(constant_id = 5) const uint HAS_BIAS = 0;

layout(binding = 0) uniform samplerBuffer srcTexels;
float src(uint i) { return texelFetch(srcTexels, int(i)).r; }
layout(std430, binding = 1) buffer Dst { float dst[]; };
layout(binding = 2) uniform samplerBuffer biasTexels;  // read only when HAS_BIAS
float bias(uint i) { return texelFetch(biasTexels, int(i)).r; }
layout(push_constant) uniform Push { uint base, samples, channels, spatial; } p;

void main() {
  uint chunk = p.samples * p.spatial;
  FOR_EACH_ELEMENT(g, p.channels * chunk) {
    uint c = quotient(g, chunk), rest = g - c * chunk, bb = quotient(rest, p.spatial), q = rest - bb * p.spatial;
    uint t = p.base + (bb * p.channels + c) * p.spatial + q;
    if (TO_GEMM != 0) {
      dst[g] = src(t);
    } else {
      float v = src(g);
      if (HAS_BIAS != 0) v += bias(c);
      dst[t] = ACCUMULATE != 0 ? dst[t] + v : v;
    }
  }
}

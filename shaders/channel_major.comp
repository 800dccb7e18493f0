#version 450
// Moves a chunk of samples between the tensor layout t[bb][c][q] (from `base`) and the GEMM layout
// g[c][bb P + q] that convolutions multiply (one row per channel, all pixels of the chunk side by
// side). TO_GEMM = 1: g = t. TO_GEMM = 0: t (+)= g (+ bias(c) when HAS_BIAS). Memory-bound; a
// grid-stride loop over the output's vec4s, so any size runs with a capped number of work groups.
#include "divide.glsl"
#include "elementwise.glsl"
layout(constant_id = 3) const uint TO_GEMM = 1;
layout(constant_id = 4) const uint ACCUMULATE = 0;
layout(constant_id = 5) const uint HAS_BIAS = 0;
// Set by the host when spatial (and, from the GEMM layout, base) is a multiple of 4: the output is
// whole vec4s whose four values share one sample and channel, found once; no per-value path (a CPU
// device would run it too: both sides of a branch that varies per lane are executed).
layout(constant_id = 6) const uint ALIGNED = 0;

layout(binding = 0) uniform samplerBuffer srcTexels;
float src(uint i) { return texelFetch(srcTexels, int(i)).r; }
layout(std430, binding = 1) buffer Dst { float dst[]; };
layout(std430, binding = 1) buffer Dst4 { vec4 dst4[]; };
layout(binding = 2) uniform samplerBuffer biasTexels;  // read only when HAS_BIAS
float bias(uint i) { return texelFetch(biasTexels, int(i)).r; }
layout(push_constant) uniform Push { uint base, samples, channels, spatial; } p;

// Four consecutive outputs per step, stored as one vec4 (see elementwise.glsl).
void main() {
  const uint chunk = p.samples * p.spatial, total = p.channels * chunk;
  if (TO_GEMM != 0) {
    FOR_EACH_VEC4_IN(s, 0u, total) {
      vec4 v = vec4(0.0);
      if (ALIGNED != 0) {
        const uint g = 4u * s, c = quotient(g, chunk), rest = g - c * chunk, bb = quotient(rest, p.spatial);
        const uint t = p.base + (bb * p.channels + c) * p.spatial + rest - bb * p.spatial;
        dst4[s] = vec4(src(t), src(t + 1u), src(t + 2u), src(t + 3u));
        continue;
      }
      for (uint j = 0; j < 4u; ++j) {
        const uint g = min(4u * s + j, total - 1u);
        const uint c = quotient(g, chunk), rest = g - c * chunk, bb = quotient(rest, p.spatial);
        v[j] = src(p.base + (bb * p.channels + c) * p.spatial + rest - bb * p.spatial);
      }
      STORE_VEC4_RANGE(dst, dst4, s, 0u, total, v);
    }
  } else {
    FOR_EACH_VEC4_IN(s, p.base, p.base + total) {
      vec4 v = vec4(0.0);
      if (ALIGNED != 0) {
        const uint t = 4u * s - p.base, bb = quotient(t, p.channels * p.spatial), rest = t - bb * p.channels * p.spatial;
        const uint c = quotient(rest, p.spatial), g = c * chunk + bb * p.spatial + rest - c * p.spatial;
        v = vec4(src(g), src(g + 1u), src(g + 2u), src(g + 3u));
        if (HAS_BIAS != 0) v += bias(c);
        dst4[s] = ACCUMULATE != 0 ? dst4[s] + v : v;
        continue;
      }
      for (uint j = 0; j < 4u; ++j) {
        const uint t = clamp(4u * s + j, p.base, p.base + total - 1u) - p.base;
        const uint bb = quotient(t, p.channels * p.spatial), rest = t - bb * p.channels * p.spatial;
        const uint c = quotient(rest, p.spatial);
        v[j] = src(c * chunk + bb * p.spatial + rest - c * p.spatial);
        if (HAS_BIAS != 0) v[j] += bias(c);
        if (ACCUMULATE != 0) v[j] += dst[p.base + t];
      }
      STORE_VEC4_RANGE(dst, dst4, s, p.base, p.base + total, v);
    }
  }
}

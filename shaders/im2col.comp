#version 450
// im2col: col[(c k + ki) k + kj][bb P + oh colW + ow] = image(bb, c, oh s - pad + ki d, ow s - pad + kj d)
// (0 in the padding), P = colH colW. One GEMM with the weights then convolves a whole chunk.
// Two forms of the same result:
// - PER_VALUE = 1 (GPUs): one invocation per value of col, so consecutive invocations store to
//   consecutive addresses (coalesced) and every value is its own thread; the grid is folded
//   (folded_grid.glsl) when it has more groups than one dimension allows.
// - PER_VALUE = 0 (CPU devices): one invocation fills all P values of one (row r, sample bb),
//   walking (oh, ow) without division, and stores them as vec4s when P is a multiple of 4 (VEC4):
//   on CPU devices a store costs a branchy loop over the lanes per component, and stores are most
//   of this kernel's work.
#include "conv_geometry.glsl"
#include "folded_grid.glsl"
layout(constant_id = 3) const uint VEC4 = 0;
layout(constant_id = 4) const uint PER_VALUE = 0;

layout(binding = 0) uniform samplerBuffer imageTexels;
layout(std430, binding = 1) writeonly buffer Col { float col[]; };
layout(std430, binding = 1) writeonly buffer Col4 { vec4 col4[]; };

// The image value tap (ki, kj) of grid position (oh, ow) reads; 0 in the padding.
float tapValue(uint plane, uint oh, uint ow, uint ki, uint kj) {
  const uint h = oh * p.stride + ki * p.dilation, w = ow * p.stride + kj * p.dilation;  // padded
  const bool inside = h >= p.pad && h - p.pad < p.height && w >= p.pad && w - p.pad < p.width;
  const uint i = inside ? plane + (h - p.pad) * p.width + (w - p.pad) : plane;  // never outside the view
  const float v = texelFetch(imageTexels, int(i)).r;
  return inside ? v : 0.0;
}

// The image plane of sample bb, channel c.
uint planeOf(uint bb, uint c) { return p.base + (bb * p.channels + c) * p.height * p.width; }

void perValue() {
  const uint kk = p.k * p.k, P = p.colH * p.colW, rowLength = p.samples * P;
  const uint t = foldedInvocation();
  if (t >= p.channels * kk * rowLength) return;
  const uint r = quotient(t, rowLength), column = t - r * rowLength;
  const uint bb = quotient(column, P), q = column - bb * P, oh = quotient(q, p.colW), ow = q - oh * p.colW;
  const uint c = quotient(r, kk), tap = r - c * kk, ki = quotient(tap, p.k), kj = tap - ki * p.k;
  col[t] = tapValue(planeOf(bb, c), oh, ow, ki, kj);
}

void perRowAndSample() {
  const uint kk = p.k * p.k, P = p.colH * p.colW;
  GRID_STRIDE_LOOP(u, p.channels * kk * p.samples) {
    const uint r = quotient(u, p.samples), bb = u - r * p.samples;
    const uint c = quotient(r, kk), tap = r - c * kk, ki = quotient(tap, p.k), kj = tap - ki * p.k;
    const uint dst = r * (p.samples * P) + bb * P, plane = planeOf(bb, c);
    uint oh = 0, ow = 0;
    if (VEC4 != 0) {
      for (uint q = 0; q < P; q += 4) {
        vec4 v;
        for (uint j = 0; j < 4; ++j) {
          v[j] = tapValue(plane, oh, ow, ki, kj);
          if (++ow == p.colW) { ow = 0; ++oh; }
        }
        col4[(dst + q) / 4] = v;
      }
    } else {
      for (uint q = 0; q < P; ++q) {
        col[dst + q] = tapValue(plane, oh, ow, ki, kj);
        if (++ow == p.colW) { ow = 0; ++oh; }
      }
    }
  }
}

void main() {
  if (PER_VALUE != 0) perValue();
  else perRowAndSample();
}

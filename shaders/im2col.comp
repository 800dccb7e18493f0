#version 450
// im2col: col[(c k + ki) k + kj][bb P + oh colW + ow] = image(bb, c, oh s - pad + ki d, ow s - pad + kj d)
// (0 in the padding), P = colH colW. One GEMM with the weights then convolves a whole chunk.
// One invocation fills a segment of consecutive values of one (row r, sample bb): all P of them on
// CPU devices (ROW_SEGMENTS = 0), one grid row of colW on GPUs (ROW_SEGMENTS = 1, more parallel
// work), walking (oh, ow) without division, and stores them as vec4s when the segment is a
// multiple of 4 long (VEC4): on CPU devices a store costs a branchy loop over the lanes per
// component, and stores are most of this kernel's work.
#include "conv_geometry.glsl"
layout(constant_id = 3) const uint VEC4 = 0;
layout(constant_id = 4) const uint ROW_SEGMENTS = 0;

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

void main() {
  const uint kk = p.k * p.k, P = p.colH * p.colW;
  const uint segments = ROW_SEGMENTS != 0 ? p.colH : 1u, length = ROW_SEGMENTS != 0 ? p.colW : P;
  GRID_STRIDE_LOOP(t, p.channels * kk * p.samples * segments) {
    const uint u = quotient(t, segments), segment = t - u * segments;
    const uint r = quotient(u, p.samples), bb = u - r * p.samples;
    const uint c = quotient(r, kk), tap = r - c * kk, ki = quotient(tap, p.k), kj = tap - ki * p.k;
    const uint dst = r * (p.samples * P) + bb * P + segment * length;
    const uint plane = p.base + (bb * p.channels + c) * p.height * p.width;
    uint oh = segment * (length / p.colW), ow = 0;
    if (VEC4 != 0) {
      for (uint q = 0; q < length; q += 4) {
        vec4 v;
        for (uint j = 0; j < 4; ++j) {
          v[j] = tapValue(plane, oh, ow, ki, kj);
          if (++ow == p.colW) { ow = 0; ++oh; }
        }
        col4[(dst + q) / 4] = v;
      }
    } else {
      for (uint q = 0; q < length; ++q) {
        col[dst + q] = tapValue(plane, oh, ow, ki, kj);
        if (++ow == p.colW) { ow = 0; ++oh; }
      }
    }
  }
}

#version 450
// im2col: col[(c k + ki) k + kj][bb P + oh colW + ow] = image(bb, c, oh s - pad + ki d, ow s - pad + kj d)
// (0 in the padding), P = colH colW. One GEMM with the weights then convolves a whole chunk.
// CPU-friendly: one invocation fills one segment (r, bb, oh) of colW consecutive values, so its
// row bounds test and index math are done once per segment and its writes are contiguous.
#include "conv_geometry.glsl"

layout(binding = 0) uniform samplerBuffer imageTexels;
float image(uint i) { return texelFetch(imageTexels, int(i)).r; }
layout(std430, binding = 1) writeonly buffer Col { float col[]; };

void main() {
  uint kk = p.k * p.k, P = p.colH * p.colW;
  GRID_STRIDE_LOOP(t, p.channels * kk * p.samples * p.colH) {
    uint rest = quotient(t, p.colH), oh = t - rest * p.colH, r = quotient(rest, p.samples), bb = rest - r * p.samples;
    uint c = quotient(r, kk), tap = r - c * kk, ki = quotient(tap, p.k), kj = tap - ki * p.k;
    uint dst = r * (p.samples * P) + bb * P + oh * p.colW;
    uint h = oh * p.stride + ki * p.dilation;  // row in padded coordinates
    if (h < p.pad || h - p.pad >= p.height) {
      for (uint ow = 0; ow < p.colW; ++ow) col[dst + ow] = 0.0;
      continue;
    }
    uint src = p.base + ((bb * p.channels + c) * p.height + (h - p.pad)) * p.width;
    uint w = kj * p.dilation;  // column in padded coordinates
    for (uint ow = 0; ow < p.colW; ++ow, w += p.stride) {
      float v = 0.0;
      if (w >= p.pad && w - p.pad < p.width) v = image(src + w - p.pad);
      col[dst + ow] = v;
    }
  }
}

#version 450
// col2im, the adjoint of im2col: image[bb, c, h, w] (+)= sum of col((c k + ki) k + kj)[bb P + oh colW + ow]
// over the taps with oh s - pad + ki d = h and ow s - pad + kj d = w. It is the convolution's input
// gradient and ConvTranspose2d's forward. Gathered per image value (no atomics, deterministic):
// one invocation sums one image row (bb, c, h), at most k x k taps per value, all in uint.
#include "conv_geometry.glsl"
layout(constant_id = 3) const uint ACCUMULATE = 0;
layout(constant_id = 4) const uint UNIT_STRIDE = 0;  // stride 1: every tap lands on the grid, no division

layout(binding = 0) uniform samplerBuffer colTexels;
float col(uint i) { return texelFetch(colTexels, int(i)).r; }
layout(std430, binding = 1) buffer Image { float image[]; };

void main() {
  uint P = p.colH * p.colW, ld = p.samples * P;
  GRID_STRIDE_LOOP(t, p.samples * p.channels * p.height) {
    uint rest = quotient(t, p.height), h = t - rest * p.height, bb = quotient(rest, p.channels), c = rest - bb * p.channels;
    uint dst = p.base + t * p.width;
    uint colBase = bb * P;
    for (uint w = 0; w < p.width; ++w) {
      float sum = 0.0;
      for (uint ki = 0; ki < p.k; ++ki) {
        uint th = h + p.pad;
        if (th < ki * p.dilation) break;  // later taps lie further up
        th -= ki * p.dilation;
        uint oh = UNIT_STRIDE != 0 ? th : quotient(th, p.stride);
        if ((UNIT_STRIDE == 0 && oh * p.stride != th) || oh >= p.colH) continue;
        uint row = (c * p.k + ki) * p.k;
        for (uint kj = 0; kj < p.k; ++kj) {
          uint tw = w + p.pad;
          if (tw < kj * p.dilation) break;
          tw -= kj * p.dilation;
          uint ow = UNIT_STRIDE != 0 ? tw : quotient(tw, p.stride);
          if ((UNIT_STRIDE == 0 && ow * p.stride != tw) || ow >= p.colW) continue;
          sum += col((row + kj) * ld + colBase + oh * p.colW + ow);
        }
      }
      image[dst + w] = ACCUMULATE != 0 ? image[dst + w] + sum : sum;
    }
  }
}

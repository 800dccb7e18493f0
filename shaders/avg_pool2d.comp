#version 450
// AvgPool2d as PyTorch (floor mode): each window's sum over its in-image values divided by its
// size clipped to the padded image (count_include_pad) or by its in-image value count. Also
// GlobalAvgPool2d (one window of height x width). BACKWARD = 1: dx[h, w] (+)= sum of
// dy[o] / divisor(o) over the windows containing (h, w), gathered per input value (no atomics).
#include "pool_geometry.glsl"
layout(constant_id = 3) const uint BACKWARD = 0;
layout(constant_id = 4) const uint ACCUMULATE = 0;
layout(constant_id = 5) const uint COUNT_INCLUDE_PAD = 1;

layout(binding = 0) uniform samplerBuffer xTexels;  // x (forward) or dy (backward)
float x(uint i) { return texelFetch(xTexels, int(i)).r; }
layout(std430, binding = 1) buffer Out { float result[]; };     // y (forward) or dx (backward)

// [first, end) of window `o` along an axis, in padded coordinates, and its divisor's factor.
uvec2 span(uint o, uint k, uint size) {
  uint first = o * p.stride;
  return uvec2(first, min(first + k, size + 2 * p.pad));
}
float extent(uvec2 s, uint size) {
  if (COUNT_INCLUDE_PAD != 0) return float(s.y - s.x);
  return float(min(s.y, size + p.pad) - max(s.x, p.pad));
}

void main() {
  uint hw = p.height * p.width, ohw = p.outH * p.outW;
  if (BACKWARD == 0) {
    FOR_EACH_ELEMENT(o, p.planes * ohw) {
      uint plane = quotient(o, ohw), q = o - plane * ohw, oh = quotient(q, p.outW), ow = q - oh * p.outW;
      uvec2 sh = span(oh, p.kh, p.height), sw = span(ow, p.kw, p.width);
      float sum = 0.0;
      for (uint h = max(sh.x, p.pad); h < min(sh.y, p.height + p.pad); ++h) {
        uint row = plane * hw + (h - p.pad) * p.width - p.pad;
        for (uint w = max(sw.x, p.pad); w < min(sw.y, p.width + p.pad); ++w) sum += x(row + w);
      }
      result[o] = sum / max(extent(sh, p.height) * extent(sw, p.width), 1.0);
    }
  } else {
    FOR_EACH_ELEMENT(i, p.planes * hw) {
      uint plane = quotient(i, hw), idx = i - plane * hw, row = quotient(idx, p.width);
      uint h = row + p.pad, w = idx - row * p.width + p.pad;
      float sum = 0.0;
      for (uint oh = firstWindow(h, p.kh); oh <= lastWindow(h, p.outH); ++oh) {
        float eh = extent(span(oh, p.kh, p.height), p.height);
        for (uint ow = firstWindow(w, p.kw); ow <= lastWindow(w, p.outW); ++ow)
          sum += x(plane * ohw + oh * p.outW + ow) / max(eh * extent(span(ow, p.kw, p.width), p.width), 1.0);
      }
      result[i] = ACCUMULATE != 0 ? result[i] + sum : sum;
    }
  }
}

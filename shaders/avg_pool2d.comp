#version 450
// AvgPool2d as PyTorch (floor mode): each window's sum over its in-image values divided by its
// size clipped to the padded image (count_include_pad) or by its in-image value count. Also
// GlobalAvgPool2d (one window of height x width). BACKWARD = 1: dx[h, w] (+)= sum of
// dy[o] / divisor(o) over the windows containing (h, w), gathered per input value (no atomics).
#include "pool_geometry.glsl"
layout(constant_id = 3) const uint BACKWARD = 0;
layout(constant_id = 4) const uint ACCUMULATE = 0;
layout(constant_id = 5) const uint COUNT_INCLUDE_PAD = 1;
// Set by the host when windows tile the image (stride = kernel, no padding): each input value
// lies in at most one window, found without the window search.
layout(constant_id = 6) const uint TILING = 0;

layout(binding = 0) uniform samplerBuffer xTexels;  // x (forward) or dy (backward)
float x(uint i) { return texelFetch(xTexels, int(i)).r; }
layout(std430, binding = 1) buffer Out { float result[]; };     // y (forward) or dx (backward)
layout(std430, binding = 1) buffer Out4 { vec4 result4[]; };

// [first, end) of window `o` along an axis, in padded coordinates, and its divisor's factor.
uvec2 span(uint o, uint k, uint size) {
  uint first = o * p.stride;
  return uvec2(first, min(first + k, size + 2 * p.pad));
}
float extent(uvec2 s, uint size) {
  if (COUNT_INCLUDE_PAD != 0) return float(s.y - s.x);
  return float(min(s.y, size + p.pad) - max(s.x, p.pad));
}

// y[o]: the window's average.
float averageAt(uint o) {
  const uint hw = p.height * p.width, ohw = p.outH * p.outW;
  uint plane = quotient(o, ohw), q = o - plane * ohw, oh = quotient(q, p.outW), ow = q - oh * p.outW;
  uvec2 sh = span(oh, p.kh, p.height), sw = span(ow, p.kw, p.width);
  float sum = 0.0;
  for (uint h = max(sh.x, p.pad); h < min(sh.y, p.height + p.pad); ++h) {
    uint row = plane * hw + (h - p.pad) * p.width - p.pad;
    for (uint w = max(sw.x, p.pad); w < min(sw.y, p.width + p.pad); ++w) sum += x(row + w);
  }
  return sum / max(extent(sh, p.height) * extent(sw, p.width), 1.0);
}

// dx[i]: the gradients of the windows containing input value i, each over its divisor.
float gradientAt(uint i) {
  const uint hw = p.height * p.width, ohw = p.outH * p.outW;
  uint plane = quotient(i, hw), idx = i - plane * hw, row = quotient(idx, p.width);
  if (TILING != 0) {
    const uint oh = quotient(row, p.kh), ow = quotient(idx - row * p.width, p.kw);
    return oh < p.outH && ow < p.outW ? x(plane * ohw + oh * p.outW + ow) / float(p.kh * p.kw) : 0.0;
  }
  uint h = row + p.pad, w = idx - row * p.width + p.pad;
  float sum = 0.0;
  for (uint oh = firstWindow(h, p.kh); oh <= lastWindow(h, p.outH); ++oh) {
    float eh = extent(span(oh, p.kh, p.height), p.height);
    for (uint ow = firstWindow(w, p.kw); ow <= lastWindow(w, p.outW); ++ow)
      sum += x(plane * ohw + oh * p.outW + ow) / max(eh * extent(span(ow, p.kw, p.width), p.width), 1.0);
  }
  return sum;
}

// Four consecutive outputs per step, stored as one vec4 (see elementwise.glsl).
void main() {
  const uint n = BACKWARD == 0 ? p.planes * p.outH * p.outW : p.planes * p.height * p.width;
  FOR_EACH_VEC4(s, n) {
    vec4 v;
    for (uint j = 0; j < 4u; ++j) {
      const uint i = min(4u * s + j, n - 1u);
      v[j] = BACKWARD == 0 ? averageAt(i) : gradientAt(i);
      if (BACKWARD != 0 && ACCUMULATE != 0) v[j] += result[i];
    }
    STORE_VEC4(result, result4, s, n, v);
  }
}

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
// Set by the host when the width is a multiple of 4: a vec4 of inputs lies in one image row.
layout(constant_id = 7) const uint ROW_VEC4 = 0;

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

// The four outputs of vec4 s (indices clamped to the last output).
float valueAt(uint i, uint n) { return BACKWARD == 0 ? averageAt(min(i, n - 1u)) : gradientAt(min(i, n - 1u)); }
vec4 valuesAt(uint s, uint n) {  // written out: a vec4 filled in a loop is indexed memory on CPU devices
  if (BACKWARD != 0 && TILING != 0 && ROW_VEC4 != 0) {  // one row, one window row: its place found once
    const uint hw = p.height * p.width, i = min(4u * s, n - 4u), plane = quotient(i, hw), idx = i - plane * hw;
    const uint row = quotient(idx, p.width), col = idx - row * p.width, oh = quotient(row, p.kh);
    const uint first = plane * p.outH * p.outW + oh * p.outW;
    const uvec4 ow = uvec4(quotient(col, p.kw), quotient(col + 1u, p.kw), quotient(col + 2u, p.kw), quotient(col + 3u, p.kw));
    const vec4 v = vec4(x(first + min(ow.x, p.outW - 1u)), x(first + min(ow.y, p.outW - 1u)),
                        x(first + min(ow.z, p.outW - 1u)), x(first + min(ow.w, p.outW - 1u)));
    return oh < p.outH ? mix(vec4(0.0), v / float(p.kh * p.kw), lessThan(ow, uvec4(p.outW))) : vec4(0.0);
  }
  return vec4(valueAt(4u * s, n), valueAt(4u * s + 1u, n), valueAt(4u * s + 2u, n), valueAt(4u * s + 3u, n));
}

// Four consecutive outputs per step, stored as one vec4 (see FOR_EACH_VEC4 in elementwise.glsl).
void main() {
  const uint n = BACKWARD == 0 ? p.planes * p.outH * p.outW : p.planes * p.height * p.width;
  const bool accumulate = BACKWARD != 0 && ACCUMULATE != 0;
  FOR_EACH_VEC4(s, n) result4[s] = accumulate ? result4[s] + valuesAt(s, n) : valuesAt(s, n);
  if (accumulate) {
    ADD_TAIL(result, n, valuesAt(n / 4u, n));
  } else {
    STORE_TAIL(result, n, valuesAt(n / 4u, n));
  }
}

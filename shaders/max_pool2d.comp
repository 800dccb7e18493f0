#version 450
// MaxPool2d as PyTorch: padding never wins, the first maximum in scan order does (NaN propagates).
// BACKWARD = 0: y = max over each window, argmax[o] = h * width + w of the winner (kept in the
// workspace for the backward pass). BACKWARD = 1: dx[h, w] (+)= sum of dy[o] over the windows o
// whose argmax is (h, w): gathered per input value over at most ceil(k / stride)^2 windows, so no
// atomics are needed and overlapping windows are exact.
#include "pool_geometry.glsl"
layout(constant_id = 3) const uint BACKWARD = 0;
layout(constant_id = 4) const uint ACCUMULATE = 0;
const uint NONE = 0xFFFFFFFFu;

layout(binding = 0) uniform samplerBuffer xTexels;  // x (forward) or dy (backward)
float x(uint i) { return texelFetch(xTexels, int(i)).r; }
layout(std430, binding = 1) buffer Arg { uint argmax[]; };
layout(std430, binding = 2) buffer Out { float result[]; };     // y (forward) or dx (backward)

void main() {
  uint hw = p.height * p.width, ohw = p.outH * p.outW;
  if (BACKWARD == 0) {
    FOR_EACH_ELEMENT(o, p.planes * ohw) {
      uint plane = quotient(o, ohw), q = o - plane * ohw, oh = quotient(q, p.outW), ow = q - oh * p.outW;
      float best = 0.0;
      uint arg = NONE;
      for (uint i = 0; i < p.kh; ++i) {
        uint h = oh * p.stride + i;
        if (h < p.pad || h - p.pad >= p.height) continue;
        for (uint j = 0; j < p.kw; ++j) {
          uint w = ow * p.stride + j;
          if (w < p.pad || w - p.pad >= p.width) continue;
          uint idx = (h - p.pad) * p.width + (w - p.pad);
          float v = x(plane * hw + idx);
          if (arg == NONE || v > best || isnan(v)) { best = v; arg = idx; }
        }
      }
      result[o] = best;
      argmax[o] = arg;
    }
  } else {
    FOR_EACH_ELEMENT(i, p.planes * hw) {
      uint plane = quotient(i, hw), idx = i - plane * hw, row = quotient(idx, p.width);
      uint h = row + p.pad, w = idx - row * p.width + p.pad;
      float sum = 0.0;
      for (uint oh = firstWindow(h, p.kh); oh <= lastWindow(h, p.outH); ++oh)
        for (uint ow = firstWindow(w, p.kw); ow <= lastWindow(w, p.outW); ++ow) {
          uint o = plane * ohw + oh * p.outW + ow;
          if (argmax[o] == idx) sum += x(o);
        }
      result[i] = ACCUMULATE != 0 ? result[i] + sum : sum;
    }
  }
}

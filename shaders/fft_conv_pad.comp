#version 450
// FFT convolution: `planes` real height x width images written into zero complex planes of
// sizeH x sizeW, each pixel (y, x) at (y + offsetY, x + offsetX), imaginary parts zero.
#include "elementwise.glsl"

layout(std430, binding = 0) readonly buffer Source { float source[]; };
layout(std430, binding = 1) writeonly buffer Planes { vec2 planes[]; };
layout(push_constant) uniform Push {
  uint planes, height, width, sizeH, sizeW, offsetY, offsetX;
} p;

void main() {
  const uint planeSize = p.sizeH * p.sizeW;
  FOR_EACH_ELEMENT(i, p.planes * planeSize) {
    const uint plane = i / planeSize;
    const int y = int((i / p.sizeW) % p.sizeH) - int(p.offsetY);
    const int x = int(i % p.sizeW) - int(p.offsetX);
    const bool inside = y >= 0 && y < int(p.height) && x >= 0 && x < int(p.width);
    planes[i] = vec2(inside ? source[(plane * p.height + uint(y)) * p.width + uint(x)] : 0.0, 0.0);
  }
}

#version 450
// FFT convolution: the real parts of a height x width window at (offsetY, offsetX) of each
// sizeH x sizeW complex plane, times `scale` (the inverse FFT's 1 / (sizeH sizeW)), plus
// bias[plane % biasChannels] when biasChannels > 0.
#include "elementwise.glsl"

layout(std430, binding = 0) readonly buffer Planes { vec2 planes[]; };
layout(std430, binding = 1) readonly buffer Bias { float bias[]; };
layout(std430, binding = 2) writeonly buffer Target { float target[]; };
layout(push_constant) uniform Push {
  uint planes, height, width, sizeH, sizeW, offsetY, offsetX, biasChannels;
  float scale;
} p;

void main() {
  const uint imageSize = p.height * p.width;
  FOR_EACH_ELEMENT(i, p.planes * imageSize) {
    const uint plane = i / imageSize;
    const uint y = (i / p.width) % p.height + p.offsetY, x = i % p.width + p.offsetX;
    float value = planes[(plane * p.sizeH + y) * p.sizeW + x].x * p.scale;
    if (p.biasChannels > 0) value += bias[plane % p.biasChannels];
    target[i] = value;
  }
}

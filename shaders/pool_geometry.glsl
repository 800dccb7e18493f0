// Shared by the pooling kernels: `planes` (batch x channels) images of height x width, windows of
// kh x kw with one stride and padding on both axes, an outH x outW grid of windows. Positions are
// handled in padded coordinates (real + pad) so all index math stays in uint.
#include "divide.glsl"
#include "elementwise.glsl"
layout(push_constant) uniform Push {
  uint planes, height, width, outH, outW;
  uint kh, kw, stride, pad;
} p;

// The windows (first..last, inclusive) along one axis that contain padded position `x`.
uint firstWindow(uint x, uint k) { return x + 1 > k ? quotient(x + 1 - k + p.stride - 1, p.stride) : 0; }
uint lastWindow(uint x, uint outSize) { return min(quotient(x, p.stride), outSize - 1); }

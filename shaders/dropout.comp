#version 450
// Inverted dropout. Forward (TRAINING): mask[i] = 0 with probability p, else 1 / (1 - p), from
// uniformRandom(seed, step, i) so the CPU reference replays it; y = x * mask. Forward (eval):
// mask = 1, y = x. Backward: dx (+)= dy * mask, with the mask the forward pass kept.
#include "elementwise.glsl"
#include "random.glsl"

layout(constant_id = 3) const uint MODE = 0;  // 0 forward (eval), 1 forward (training), 2 backward
layout(constant_id = 4) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer Src { float src[]; };  // x or dy
layout(std430, binding = 1) readonly buffer Step { uint step; };
layout(std430, binding = 2) buffer Mask { float mask[]; };
layout(std430, binding = 3) buffer Out { float result[]; };       // y or dx
layout(push_constant) uniform Push { uint n; uint seed; float p; float scale; } p;

void main() {
  uint s = step;
  FOR_EACH_ELEMENT(i, p.n) {
    if (MODE == 2) {
      float d = src[i] * mask[i];
      result[i] = ACCUMULATE != 0 ? result[i] + d : d;
    } else {
      float m = MODE == 1 ? (uniformRandom(p.seed, s, i) < p.p ? 0.0 : p.scale) : 1.0;
      mask[i] = m;
      result[i] = src[i] * m;
    }
  }
}

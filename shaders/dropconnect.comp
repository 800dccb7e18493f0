#version 450
// DropConnect weights for Linear. TRAINING: mask[i] = 0 with probability p, else 1 / (1 - p),
// from uniformRandom(seed, step, weight index i); eval: mask = 1. masked[i] = weight[i] * mask[i].
#include "elementwise.glsl"
#include "random.glsl"

layout(constant_id = 3) const uint TRAINING = 0;

layout(std430, binding = 0) readonly buffer Weight { float weight[]; };
layout(std430, binding = 1) readonly buffer Step { uint step; };
layout(std430, binding = 2) writeonly buffer Masked { float masked[]; };
layout(std430, binding = 3) writeonly buffer Mask { float mask[]; };
layout(push_constant) uniform Push { uint n; uint seed; float p; float scale; } p;

void main() {
  uint s = step;
  FOR_EACH_ELEMENT(i, p.n) {
    float m = TRAINING != 0 ? (uniformRandom(p.seed, s, i) < p.p ? 0.0 : p.scale) : 1.0;
    mask[i] = m;
    masked[i] = weight[i] * m;
  }
}

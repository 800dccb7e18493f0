#version 450
// One point of a loss landscape: a parameter tensor set to center + a * delta + b * eta, where
// (a, b) are the coordinates of the point the device counter names. center, delta and eta hold
// every tensor of the network back to back; `offset` is this tensor's place in them.
#include "elementwise.glsl"

layout(std430, binding = 0) readonly buffer Center { float center[]; };
layout(std430, binding = 1) readonly buffer Delta { float delta[]; };
layout(std430, binding = 2) readonly buffer Eta { float eta[]; };
layout(std430, binding = 3) readonly buffer Coordinates { vec2 coordinates[]; };
layout(std430, binding = 4) readonly buffer Counter { uint counter[]; };
layout(std430, binding = 5) writeonly buffer Param { float param[]; };
layout(push_constant) uniform Push { uint n, offset; } p;

void main() {
  const vec2 c = coordinates[counter[0]];
  FOR_EACH_ELEMENT(i, p.n) {
    const uint k = p.offset + i;
    param[i] = center[k] + c.x * delta[k] + c.y * eta[k];
  }
}

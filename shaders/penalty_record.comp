#version 450
// After the penalties of a step: the penalty value (the sum of the partials penalty.comp wrote) is
// added to the step's record, once per sample, so the reported mean loss is data loss + penalty.
layout(local_size_x = 256) in;
#include "group_sum.glsl"
layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) readonly buffer Step { uint stepCounter[]; };
layout(std430, binding = 2) buffer Ring { vec4 ring[]; };
layout(push_constant) uniform Push { uint count, ringSize; float samples; } p;

void main() {
  float sum = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.count; i += 256u) sum += partials[i];
  const float penalty = groupSum(sum);
  if (gl_LocalInvocationID.x == 0u) ring[stepCounter[0] % p.ringSize].y += penalty * p.samples;
}

#version 450
// Gradient clipping by global norm, first pass: this work group's part of sum(g^2) over one
// gradient tensor, to partials[offset + work group].
layout(local_size_x = 256) in;
#include "group_sum.glsl"
layout(std430, binding = 0) readonly buffer Grad { float grad[]; };
layout(std430, binding = 1) writeonly buffer Partials { float partials[]; };
layout(push_constant) uniform Push { uint n, offset; } p;

void main() {
  float sum = 0.0;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) sum += grad[i] * grad[i];
  const float total = groupSum(sum);
  if (gl_LocalInvocationID.x == 0u) partials[p.offset + gl_WorkGroupID.x] = total;
}

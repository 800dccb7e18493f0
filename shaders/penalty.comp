#version 450
// The L1 / L2 penalty of one parameter tensor (engine/train/regularization.h): adds its gradient
// l1 sign(w) + l2 w to the tensor's gradient and writes this work group's part of the penalty
// sum(l1 |w| + (l2 / 2) w^2) to partials[offset + work group]; penalty_record.comp adds them up.
layout(local_size_x = 256) in;
#include "group_sum.glsl"
layout(std430, binding = 0) readonly buffer Param { float param[]; };
layout(std430, binding = 1) buffer Grad { float grad[]; };
layout(std430, binding = 2) writeonly buffer Partials { float partials[]; };
layout(push_constant) uniform Push { uint n, offset; float l1, l2; } p;

void main() {
  float sum = 0.0;
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
    const float w = param[i];
    grad[i] += p.l1 * sign(w) + p.l2 * w;
    sum += p.l1 * abs(w) + 0.5 * p.l2 * w * w;
  }
  const float total = groupSum(sum);
  if (gl_LocalInvocationID.x == 0u) partials[p.offset + gl_WorkGroupID.x] = total;
}

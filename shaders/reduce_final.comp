#version 450
// Reduction, last pass: one work group combines the partials into the result. With a work group
// of 1 it is a plain loop (CPU-style); wider groups (power of two) combine in shared memory.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer P { vec4 partials[]; };
layout(std430, binding = 1) writeonly buffer Y { float y[]; };
layout(push_constant) uniform Push { uint count; } p;

shared vec4 tile[gl_WorkGroupSize.x];

void main() {
  uint lane = gl_LocalInvocationID.x;
  vec4 acc = identity();
  for (uint i = lane; i < p.count; i += gl_WorkGroupSize.x) acc = merge(acc, partials[i]);
  tile[lane] = acc;
  barrier();
  for (uint stride = gl_WorkGroupSize.x / 2; stride > 0; stride /= 2) {
    if (lane < stride) tile[lane] = merge(tile[lane], tile[lane + stride]);
    barrier();
  }
  if (lane == 0) y[0] = finalValue(tile[0]);
}

#version 450
// Reduction, first pass, GPU-style: invocations fold strided shares, then each work group
// combines its invocations' partials in shared memory into one.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer P { vec4 partials[]; };
layout(push_constant) uniform Push { uint n; } p;

shared vec4 tile[gl_WorkGroupSize.x];

void main() {
  uint invocations = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  vec4 acc = identity();
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += invocations) acc = accumulate(acc, x[i]);
  uint lane = gl_LocalInvocationID.x;
  tile[lane] = acc;
  barrier();
  for (uint stride = gl_WorkGroupSize.x / 2; stride > 0; stride /= 2) {
    if (lane < stride) tile[lane] = merge(tile[lane], tile[lane + stride]);
    barrier();
  }
  if (lane == 0) partials[gl_WorkGroupID.x] = tile[0];
}

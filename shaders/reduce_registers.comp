#version 450
// Reduction, first pass, CPU-style: every invocation folds a strided share of the input into one
// partial in registers. No shared memory, no barriers.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
#include "reduce.glsl"

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) writeonly buffer P { vec4 partials[]; };
layout(push_constant) uniform Push { uint n; } p;

void main() {
  uint invocations = gl_NumWorkGroups.x * gl_WorkGroupSize.x;
  vec4 acc = identity();
  for (uint i = gl_GlobalInvocationID.x; i < p.n; i += invocations) acc = accumulate(acc, x[i]);
  partials[gl_GlobalInvocationID.x] = acc;
}

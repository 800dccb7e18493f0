#version 450
// Gradient clipping by global norm, second pass (PyTorch's clip_grad_norm_): the total norm of all
// gradients from the partials, and the coefficient max_norm / (norm + 1e-6) clamped to at most 1.
// clip[0] = the coefficient, clip[1] = the norm before clipping.
layout(local_size_x = 256) in;
#include "group_sum.glsl"
layout(std430, binding = 0) readonly buffer Partials { float partials[]; };
layout(std430, binding = 1) writeonly buffer Clip { float clip[]; };
layout(push_constant) uniform Push { uint count; float maxNorm; } p;

void main() {
  float sum = 0.0;
  for (uint i = gl_LocalInvocationID.x; i < p.count; i += 256u) sum += partials[i];
  const float norm = sqrt(groupSum(sum));
  if (gl_LocalInvocationID.x == 0u) {
    clip[0] = min(p.maxNorm / (norm + 1e-6), 1.0);
    clip[1] = norm;
  }
}

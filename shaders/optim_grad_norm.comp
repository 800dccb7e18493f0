#version 450
// AdamNorm's per-tensor gradient norm, in one work group: norms[0] = n = ||g + wd p||_2 and, unless
// the step is skipped, norms[1] = e = gamma e + (1 - gamma) n (the running norm).
#define CONTROL_BINDING 0
#include "training_control.glsl"
layout(local_size_x = 256) in;
layout(std430, binding = 1) readonly buffer Param { float param[]; };
layout(std430, binding = 2) readonly buffer Grad { float grad[]; };
layout(std430, binding = 3) buffer Norms { float norms[]; };
layout(push_constant) uniform Push { uint n; float gamma, oneMinusGamma, weightDecay; } p;

shared float partial[256];

void main() {
  if (stepFlagged()) return;
  const uint id = gl_LocalInvocationID.x;
  float sum = 0.0;
  for (uint i = id; i < p.n; i += 256u) {
    const float g = grad[i] + p.weightDecay * param[i];
    sum += g * g;
  }
  partial[id] = sum;
  barrier();
  for (uint stride = 128u; stride > 0u; stride >>= 1) {
    if (id < stride) partial[id] += partial[id + stride];
    barrier();
  }
  if (id == 0u) {
    const float n = sqrt(partial[0]);
    norms[0] = n;
    norms[1] = p.gamma * norms[1] + p.oneMinusGamma * n;
  }
}

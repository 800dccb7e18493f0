#version 450
// AdamNorm's per-tensor gradient norm n = ||g + wd p||_2 and, unless the step is skipped, its
// running average e = gamma e + (1 - gamma) n: norms[0] = n, norms[1] = e. PASS (the host's choice
// by the tensor's length):
//   0, whole: one work group sums every square and stores the norms (a short tensor);
//   1, partial: work group w sums its share of the squares into partials[w];
//   2, final: one work group adds the partials up, in a fixed order, and stores the norms.
#define CONTROL_BINDING 0
#include "training_control.glsl"
layout(local_size_x = 256) in;
layout(constant_id = 3) const uint PASS = 0;  // ids 0-2: the host's work-group size
layout(std430, binding = 1) readonly buffer Param { float param[]; };
layout(std430, binding = 2) readonly buffer Grad { float grad[]; };
layout(std430, binding = 3) buffer Norms { float norms[]; };
layout(std430, binding = 4) buffer Partials { float partials[]; };
layout(push_constant) uniform Push { uint n; float gamma, oneMinusGamma, weightDecay; uint groups; } p;

shared float tree[256];

// The sum of `v` over the work group (every invocation takes part); invocation 0 gets it.
float groupSum(float v) {
  const uint id = gl_LocalInvocationID.x;
  tree[id] = v;
  barrier();
  for (uint stride = 128u; stride > 0u; stride >>= 1) {
    if (id < stride) tree[id] += tree[id + stride];
    barrier();
  }
  return tree[0];
}

void storeNorms(float squares) {
  const float n = sqrt(squares);
  norms[0] = n;
  norms[1] = p.gamma * norms[1] + p.oneMinusGamma * n;
}

void main() {
  if (stepFlagged()) return;  // the same in every invocation
  const uint id = gl_LocalInvocationID.x;
  float sum = 0.0;
  if (PASS == 2) {
    for (uint w = id; w < p.groups; w += 256u) sum += partials[w];
  } else {
    for (uint i = gl_GlobalInvocationID.x; i < p.n; i += gl_NumWorkGroups.x * 256u) {
      const float g = grad[i] + p.weightDecay * param[i];
      sum += g * g;
    }
  }
  const float total = groupSum(sum);
  if (id != 0u) return;
  if (PASS == 1)
    partials[gl_WorkGroupID.x] = total;
  else
    storeNorms(total);
}

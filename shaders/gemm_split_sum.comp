#version 450
// The second pass of a GEMM split along K (shaders/gemm.glsl): C = alpha * (the sum of the slices'
// partial products) + beta * C (+ bias[col] with p.bias set). Slices are added in order, so results
// do not depend on scheduling.
#include "elementwise.glsl"

// 0 when the host knows beta is 0: C is not loaded at all (see gemm.glsl).
layout(constant_id = 3) const uint BETA = 1;

layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) buffer MatC { float c[]; };
layout(binding = 2) uniform samplerBuffer biasTexels;
#include "gemm_push.h"
layout(push_constant) uniform Push { GemmSplitSumPush p; };

void main() {
  FOR_EACH_ELEMENT(i, p.M * p.N) {
    uint row = i / p.N, col = i % p.N;
    float sum = 0.0;
    for (uint s = 0; s < p.slices; ++s) sum += partial[s * p.cSlice + row * p.N + col];
    uint at = row * p.ldc + col;
    float bias = 0.0;
    if (p.bias != 0u) bias = texelFetch(biasTexels, int(col)).r;
    float v = p.alpha * sum;
    if (BETA != 0 && p.beta != 0.0) v += p.beta * c[at];
    c[at] = v + bias;
  }
}

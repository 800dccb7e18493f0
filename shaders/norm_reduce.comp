#version 450
// Sums for normalisation backward, one invocation per group k of the values
// i = (j * groups + k) * inner + t (j < outer, t < inner): sumA[k] = sum of a, sumAX[k] = sum of
// a * xhat, with a = dy * weight[param(i)] when WEIGHTED (the input gradient's group sums) or
// a = dy (then per parameter: sumA = d bias, sumAX = d weight). xhat uses the statistics group
// (i / statInner) % statGroups of norm_stats.comp.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint WEIGHTED = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Stats { float stats[]; };
layout(std430, binding = 2) readonly buffer Weight { float weight[]; };  // WEIGHTED only
layout(std430, binding = 3) readonly buffer DY { float dy[]; };
layout(std430, binding = 4) writeonly buffer SumA { float sumA[]; };
layout(std430, binding = 5) writeonly buffer SumAX { float sumAX[]; };
layout(push_constant) uniform Push {
  uint groups; uint inner; uint outer; uint statGroups; uint statInner; uint paramCount; uint paramInner;
} p;

void main() {
  uint k = gl_GlobalInvocationID.x;
  if (k >= p.groups) return;
  float a1 = 0.0, ax = 0.0;
  for (uint j = 0; j < p.outer; ++j) {
    uint base = (j * p.groups + k) * p.inner;
    for (uint t = 0; t < p.inner; ++t) {
      uint i = base + t;
      uint s = (i / p.statInner) % p.statGroups;
      float a = WEIGHTED != 0 ? dy[i] * weight[(i / p.paramInner) % p.paramCount] : dy[i];
      a1 += a;
      ax += a * (x[i] - stats[2 * s]) * stats[2 * s + 1];
    }
  }
  sumA[k] = a1;
  sumAX[k] = ax;
}

#version 450
// Normalisation, element-wise, with the statistics of norm_stats.comp (group of value i:
// (i / inner) % groups; its affine parameter: (i / paramInner) % paramCount).
// Forward: y = xhat * weight + bias, xhat = (x - mean) * rstd.
// Backward: with g = dy * weight, dx (+)= rstd * (g - sum(g) / m - xhat * sum(g xhat) / m) when
// batch statistics were used (sums over the group of m values from norm_reduce.comp), else
// dx (+)= rstd * g (running statistics are constants).
#include "elementwise.glsl"

layout(constant_id = 3) const uint BACKWARD = 0;
layout(constant_id = 4) const uint AFFINE = 0;
layout(constant_id = 5) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Stats { float stats[]; };
layout(std430, binding = 2) readonly buffer Weight { float weight[]; };  // AFFINE only
layout(std430, binding = 3) readonly buffer Aux { float aux[]; };        // bias (forward) or sum(g) per group
layout(std430, binding = 4) readonly buffer SumGX { float sumGX[]; };    // backward: sum(g xhat) per group
layout(std430, binding = 5) readonly buffer DY { float dy[]; };          // backward only
layout(std430, binding = 6) buffer Out { float result[]; };              // y or dx
layout(push_constant) uniform Push { uint n; uint groups; uint inner; uint paramCount; uint paramInner; } p;

void main() {
  float invCount = 1.0 / float(p.n / p.groups);  // 1 / values per group
  FOR_EACH_ELEMENT(i, p.n) {
    uint k = (i / p.inner) % p.groups;
    uint c = (i / p.paramInner) % p.paramCount;
    float rstd = stats[2 * k + 1];
    float xhat = (x[i] - stats[2 * k]) * rstd;
    if (BACKWARD == 0) {
      result[i] = AFFINE != 0 ? xhat * weight[c] + aux[c] : xhat;
    } else {
      float g = AFFINE != 0 ? dy[i] * weight[c] : dy[i];
      float d = stats[2 * p.groups] != 0.0
          ? rstd * (g - aux[k] * invCount - xhat * sumGX[k] * invCount)
          : rstd * g;
      result[i] = ACCUMULATE != 0 ? result[i] + d : d;
    }
  }
}

#version 450
// diffGrad (docs/OPTIMIZERS.md): g += wd p; m, v as Adam; friction xi = 1 / (1 + exp(-|g_prev - g|))
// (g_prev = 0 at t = 1); p -= lr xi (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps). Keeps g and xi.
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgSq { float expAvgSq[]; };
layout(std430, binding = 6) buffer Previous { float previousGrad[]; };
layout(std430, binding = 7) buffer Friction { float friction[]; };
layout(push_constant) uniform Push {
  uint n;
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, weightDecay, eps;
} p;

void main() {
  if (skipUpdate()) return;
  const float t = stepNumber();
  const float stepSize = learningRate() / oneMinusPow(p.lnBeta1, t), correction2 = sqrt(oneMinusPow(p.lnBeta2, t));
  FOR_EACH_ELEMENT(i, p.n) {
    const float g = grad[i] + p.weightDecay * param[i];
    const float m = p.beta1 * expAvg[i] + p.oneMinusBeta1 * g;
    const float v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
    const float xi = 1.0 / (1.0 + exp(-abs(previousGrad[i] - g)));
    expAvg[i] = m;
    expAvgSq[i] = v;
    previousGrad[i] = g;
    friction[i] = xi;
    param[i] -= stepSize * xi * m / (sqrt(v) / correction2 + p.eps);
  }
}

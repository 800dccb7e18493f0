#version 450
// AdaBelief (docs/OPTIMIZERS.md): g += wd p; m = b1 m + (1 - b1) g; s = b2 s + (1 - b2)(g - m)^2 + eps;
// p -= lr (m / (1 - b1^t)) / (sqrt(s / (1 - b2^t)) + eps).
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgVar { float expAvgVar[]; };
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
    const float s = p.beta2 * expAvgVar[i] + p.oneMinusBeta2 * (g - m) * (g - m) + p.eps;
    expAvg[i] = m;
    expAvgVar[i] = s;
    param[i] -= stepSize * m / (sqrt(s) / correction2 + p.eps);
  }
}

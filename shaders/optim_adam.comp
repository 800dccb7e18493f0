#version 450
// PyTorch's Adam and AdamW: decoupled (AdamW) p -= lr wd p, else g += wd p; m = b1 m + (1 - b1) g;
// v = b2 v + (1 - b2) g^2; amsgrad: vmax = max(vmax, v) replaces v below;
// p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgSq { float expAvgSq[]; };
layout(std430, binding = 6) buffer MaxExpAvgSq { float maxExpAvgSq[]; };
layout(push_constant) uniform Push {
  uint n, amsgrad, decoupled;
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, weightDecay, eps;
} p;

void main() {
  if (skipUpdate()) return;
  const float lr = learningRate(), t = stepNumber();
  const float stepSize = lr / oneMinusPow(p.lnBeta1, t), correction2 = sqrt(oneMinusPow(p.lnBeta2, t));
  FOR_EACH_ELEMENT(i, p.n) {
    float g = grad[i], theta = param[i];
    if (p.decoupled != 0u) theta -= lr * p.weightDecay * theta;
    else g += p.weightDecay * theta;
    const float m = p.beta1 * expAvg[i] + p.oneMinusBeta1 * g;
    float v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    if (p.amsgrad != 0u) {
      v = max(maxExpAvgSq[i], v);
      maxExpAvgSq[i] = v;
    }
    param[i] = theta - stepSize * m / (sqrt(v) / correction2 + p.eps);
  }
}

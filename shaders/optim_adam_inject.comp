#version 450
// AdamInject (docs/OPTIMIZERS.md): g += wd p; t = 1: s = b1 s + (1 - b1) g; t > 1: s = b1 s +
// (1 - b1)(g + d g^2) / k with d = theta_{t-2} - theta_{t-1} (kept as param_change); v = b2 v +
// (1 - b2) g^2; d = lr (s / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps); p -= d.
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgSq { float expAvgSq[]; };
layout(std430, binding = 6) buffer Change { float paramChange[]; };
layout(push_constant) uniform Push {
  uint n;
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, weightDecay, eps, k;
} p;

void main() {
  if (skipUpdate()) return;
  const float t = stepNumber();
  const float stepSize = learningRate() / oneMinusPow(p.lnBeta1, t), correction2 = sqrt(oneMinusPow(p.lnBeta2, t));
  const bool first = stepCounter[0] == 0u;
  FOR_EACH_ELEMENT(i, p.n) {
    const float g = grad[i] + p.weightDecay * param[i];
    const float injected = first ? g : (g + paramChange[i] * g * g) / p.k;
    const float s = p.beta1 * expAvg[i] + p.oneMinusBeta1 * injected;
    const float v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
    expAvg[i] = s;
    expAvgSq[i] = v;
    const float d = stepSize * s / (sqrt(v) / correction2 + p.eps);
    paramChange[i] = d;
    param[i] -= d;
  }
}

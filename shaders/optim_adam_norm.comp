#version 450
// AdamNorm (docs/OPTIMIZERS.md): g += wd p; s = e > n ? (e / n) g : g with n, e from optim_grad_norm;
// m = b1 m + (1 - b1) s; v = b2 v + (1 - b2) g^2; p -= lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps).
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgSq { float expAvgSq[]; };
layout(std430, binding = 6) readonly buffer Norms { float norms[]; };
layout(push_constant) uniform Push {
  uint n;
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, weightDecay, eps;
} p;

void main() {
  if (skipUpdate()) return;
  const float t = stepNumber();
  const float stepSize = learningRate() / oneMinusPow(p.lnBeta1, t), correction2 = sqrt(oneMinusPow(p.lnBeta2, t));
  const float norm = norms[0], running = norms[1];
  const float scale = running > norm && norm > 0.0 ? running / norm : 1.0;
  FOR_EACH_ELEMENT(i, p.n) {
    const float g = grad[i] + p.weightDecay * param[i];
    const float m = p.beta1 * expAvg[i] + p.oneMinusBeta1 * scale * g;
    const float v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] -= stepSize * m / (sqrt(v) / correction2 + p.eps);
  }
}

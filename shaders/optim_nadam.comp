#version 450
// PyTorch's NAdam: weight decay L2 or decoupled; mu_t, mu_{t+1} = beta1 (1 - 0.5 0.96^(t psi));
// m, v as Adam; prod = mu_1 ... mu_t (optim_nadam_mu);
// p -= lr [(1 - mu_t) g / (1 - prod) + mu_{t+1} m / (1 - prod mu_{t+1})] / (sqrt(v / (1 - b2^t)) + eps).
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgSq { float expAvgSq[]; };
layout(std430, binding = 6) readonly buffer Mu { float muProduct[]; };
layout(push_constant) uniform Push {
  uint n, decoupled;
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta2, momentumDecay, weightDecay, eps;
} p;

void main() {
  if (skipUpdate()) return;
  const float lr = learningRate(), t = stepNumber();
  const float mu = p.beta1 * (1.0 - 0.5 * pow(0.96, t * p.momentumDecay));
  const float muNext = p.beta1 * (1.0 - 0.5 * pow(0.96, (t + 1.0) * p.momentumDecay));
  const float prod = muProduct[0];
  const float gradScale = lr * (1.0 - mu) / (1.0 - prod), avgScale = lr * muNext / (1.0 - prod * muNext);
  const float correction2 = sqrt(oneMinusPow(p.lnBeta2, t));
  FOR_EACH_ELEMENT(i, p.n) {
    float g = grad[i], theta = param[i];
    if (p.decoupled != 0u) theta -= lr * p.weightDecay * theta;
    else g += p.weightDecay * theta;
    const float m = p.beta1 * expAvg[i] + p.oneMinusBeta1 * g;
    const float v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] = theta - (gradScale * g + avgScale * m) / (sqrt(v) / correction2 + p.eps);
  }
}

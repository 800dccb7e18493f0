#version 450
// PyTorch's RAdam: weight decay as Adam (L2) or AdamW (decoupled); m, v as Adam; with the
// rectification r_t (0 while rho_t <= 5): r_t > 0: p -= lr m^ r_t sqrt(1 - b2^t) / (sqrt(v) + eps),
// else p -= lr m^. r_t comes from a table the host computed in double for the first steps (rho_t
// cancels badly in float there), and is computed here after them.
#include "optim_common.glsl"

layout(std430, binding = 4) buffer ExpAvg { float expAvg[]; };
layout(std430, binding = 5) buffer ExpAvgSq { float expAvgSq[]; };
layout(std430, binding = 6) readonly buffer Rect { float rectTable[]; };
layout(push_constant) uniform Push {
  uint n, decoupled, tableSize;
  float beta1, oneMinusBeta1, beta2, oneMinusBeta2, lnBeta1, lnBeta2, rhoInf, weightDecay, eps;
} p;

float rectification(float t) {
  if (stepCounter[0] < p.tableSize) return rectTable[stepCounter[0]];
  const float rho = p.rhoInf - 2.0 * t * exp(p.lnBeta2 * t) / oneMinusPow(p.lnBeta2, t);
  if (rho <= 5.0) return 0.0;
  return sqrt((rho - 4.0) * (rho - 2.0) * p.rhoInf / ((p.rhoInf - 4.0) * (p.rhoInf - 2.0) * rho));
}

void main() {
  if (skipUpdate()) return;
  const float lr = learningRate(), t = stepNumber(), r = rectification(t);
  const float stepSize = lr / oneMinusPow(p.lnBeta1, t), adaptive = r * sqrt(oneMinusPow(p.lnBeta2, t));
  FOR_EACH_ELEMENT(i, p.n) {
    float g = grad[i], theta = param[i];
    if (p.decoupled != 0u) theta -= lr * p.weightDecay * theta;
    else g += p.weightDecay * theta;
    const float m = p.beta1 * expAvg[i] + p.oneMinusBeta1 * g;
    const float v = p.beta2 * expAvgSq[i] + p.oneMinusBeta2 * g * g;
    expAvg[i] = m;
    expAvgSq[i] = v;
    param[i] = theta - stepSize * m * (r > 0.0 ? adaptive / (sqrt(v) + p.eps) : 1.0);
  }
}

#version 450
// PyTorch's Adagrad: clr = lr / (1 + (t - 1) lr_decay); g += wd p; sum += g^2;
// p -= clr g / (sqrt(sum) + eps).
#include "optim_common.glsl"

layout(std430, binding = 4) buffer Sum { float stateSum[]; };
layout(push_constant) uniform Push { uint n; float lrDecay, weightDecay, eps; } p;

void main() {
  if (skipUpdate()) return;
  const float clr = learningRate() / (1.0 + float(stepCounter[0]) * p.lrDecay);
  FOR_EACH_ELEMENT(i, p.n) {
    const float g = grad[i] + p.weightDecay * param[i];
    const float s = stateSum[i] + g * g;
    stateSum[i] = s;
    param[i] -= clr * g / (sqrt(s) + p.eps);
  }
}

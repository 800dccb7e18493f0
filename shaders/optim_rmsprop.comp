#version 450
// PyTorch's RMSprop: g += wd p; v = alpha v + (1 - alpha) g^2; centered: a = alpha a + (1 - alpha) g
// and v~ = v - a^2 (else v~ = v); momentum > 0: b = momentum b + g / (sqrt(v~) + eps), p -= lr b;
// else p -= lr g / (sqrt(v~) + eps).
#include "optim_common.glsl"

layout(std430, binding = 4) buffer Square { float squareAvg[]; };
layout(std430, binding = 5) buffer GradAvg { float gradAvg[]; };
layout(std430, binding = 6) buffer Momentum { float momentumBuffer[]; };
layout(push_constant) uniform Push { uint n; uint centered; float alpha, oneMinusAlpha, momentum, weightDecay, eps; } p;

void main() {
  if (skipUpdate()) return;
  const float lr = learningRate();
  FOR_EACH_ELEMENT(i, p.n) {
    const float g = grad[i] + p.weightDecay * param[i];
    const float v = p.alpha * squareAvg[i] + p.oneMinusAlpha * g * g;
    squareAvg[i] = v;
    float variance = v;
    if (p.centered != 0u) {
      const float a = p.alpha * gradAvg[i] + p.oneMinusAlpha * g;
      gradAvg[i] = a;
      variance = v - a * a;
    }
    float step = g / (sqrt(variance) + p.eps);
    if (p.momentum > 0.0) {
      step += p.momentum * momentumBuffer[i];
      momentumBuffer[i] = step;
    }
    param[i] -= lr * step;
  }
}

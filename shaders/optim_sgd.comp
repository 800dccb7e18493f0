#version 450
// PyTorch's SGD: g += wd p; with momentum b = g at t = 1, else b = momentum b + (1 - dampening) g,
// and g = nesterov ? g + momentum b : b; then p -= lr g.
#include "optim_common.glsl"

layout(std430, binding = 4) buffer Momentum { float momentumBuffer[]; };
layout(push_constant) uniform Push { uint n; uint nesterov; float momentum, oneMinusDampening, weightDecay; } p;

void main() {
  if (skipUpdate()) return;
  const float lr = learningRate();
  const bool first = stepCounter[0] == 0u;
  FOR_EACH_ELEMENT(i, p.n) {
    float g = grad[i] + p.weightDecay * param[i];
    if (p.momentum != 0.0) {
      const float b = first ? g : p.momentum * momentumBuffer[i] + p.oneMinusDampening * g;
      momentumBuffer[i] = b;
      g = p.nesterov != 0u ? g + p.momentum * b : b;
    }
    param[i] -= lr * g;
  }
}

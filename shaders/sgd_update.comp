#version 450
// Plain SGD: p -= lr * g. Skipped entirely once the step's loss or a gradient was not finite.
// Four floats per invocation step (see FOR_EACH_VEC4 in elementwise.glsl): gradient and
// parameters read as vec4 texels (a branch-free gather on CPU devices), parameters stored as vec4s.
#define CONTROL_BINDING 0
#include "elementwise.glsl"
#include "training_control.glsl"

layout(std430, binding = 1) buffer Param { float param[]; };
layout(std430, binding = 1) buffer Param4 { vec4 param4[]; };
layout(binding = 2) uniform samplerBuffer grad;
layout(binding = 3) uniform samplerBuffer paramTexels;  // the parameters again, read as texels
layout(push_constant) uniform Push { uint n; } p;

void main() {
  if (stepFlagged()) return;
  float lr = stepLearningRate();
  FOR_EACH_VEC4(i, p.n) param4[i] = texelFetch(paramTexels, int(i)) - lr * texelFetch(grad, int(i));
  const int t = int(p.n / 4u);
  STORE_TAIL(param, p.n, texelFetch(paramTexels, t) - lr * texelFetch(grad, t));
}

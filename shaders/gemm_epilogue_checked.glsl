// The registers GEMM's checked-gradient epilogue (engine/ops/gemm.h, GemmCheckedGradient): C and
// the row sums are a training step's parameter gradient, and a value that is not finite flags the
// step in its control block (binding 8) as shaders/nonfinite_check.comp does for tensors (index
// kGradients): the step needs no pass of its own over them. The SGD epilogue checks the same way.
#define CONTROL_BINDING 8
#include "training_control.glsl"
layout(std430, binding = 9) readonly buffer Step { uint stepCounter[]; };

bool gradientNotFinite = false;  // this invocation's values so far

void checkGradient(vec4 v) { gradientNotFinite = gradientNotFinite || notFinite(v); }
void flagGradientIfNotFinite() {
  if (gradientNotFinite) flagNotFinite(stepCounter[0], kGradients);
}

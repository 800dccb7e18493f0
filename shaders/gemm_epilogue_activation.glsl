// The registers GEMM's activation epilogue (engine/ops/gemm.h, GemmActivation): a Linear layer
// whose output feeds only a point-wise activation, or whose input gradient is all an activation's
// output gets. As each element of C is stored, the activation's tensor (binding 5, M x N packed,
// the host guarantees ldc = N; a split GEMM's summing pass includes this too) gets
//   forward (ACTIVATION_BACKWARD 0): f(C), the activation's output;
//   backward (ACTIVATION_BACKWARD 1): C * f'(x), the gradient of its input, with C the gradient of
//   its output and x, f(x) its input and output (bindings 6, 7).
// One dispatch instead of two, and the activation's tensors are not read back from memory.
#include "activation_functions.glsl"

layout(constant_id = 13) const uint ACTIVATION_OP = 0;  // activation_functions.glsl's numbering
layout(constant_id = 14) const uint ACTIVATION_BACKWARD = 0;
layout(std430, binding = 5) writeonly buffer Act { float act[]; };
layout(std430, binding = 5) writeonly buffer Act4 { vec4 act4[]; };
layout(binding = 6) uniform samplerBuffer actX;
layout(binding = 7) uniform samplerBuffer actY;

// The activation's value for vec4 number i of C, holding v.
vec4 activationEpilogue(uint i, vec4 v) {
  if (ACTIVATION_BACKWARD == 0) return activationOf(ACTIVATION_OP, v, p.activationParam);
  return v * activationDerivative(ACTIVATION_OP, texelFetch(actX, int(i)), texelFetch(actY, int(i)), p.activationParam);
}
// The same for element e of the packed tensor, holding v (C's rows not a whole number of vec4s).
float activationEpilogueAt(uint e, float v) {
  if (ACTIVATION_BACKWARD == 0) return activationOf(ACTIVATION_OP, vec4(v), p.activationParam).x;
  const int t = int(e / 4);
  const vec4 x = vec4(texelFetch(actX, t)[e % 4]), y = vec4(texelFetch(actY, t)[e % 4]);
  return v * activationDerivative(ACTIVATION_OP, x, y, p.activationParam).x;
}

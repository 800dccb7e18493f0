#version 450
// Point-wise activations. Forward: y = f(x). Backward: dx (+)= dy * f'(x). OP and param as in
// activation_functions.glsl. Four values per step: inputs are vec4 texel buffers, outputs vec4s
// (see elementwise.glsl).
#include "activation_functions.glsl"
#include "elementwise.glsl"

layout(constant_id = 3) const uint OP = 0;
layout(constant_id = 4) const uint BACKWARD = 0;
layout(constant_id = 5) const uint ACCUMULATE = 0;

layout(binding = 0) uniform samplerBuffer x;
layout(binding = 1) uniform samplerBuffer y;   // forward output (backward only)
layout(binding = 2) uniform samplerBuffer dy;  // d loss / d y (backward only)
layout(std430, binding = 3) buffer Out { float result[]; };  // y (forward) or dx (backward)
layout(std430, binding = 3) buffer Out4 { vec4 result4[]; };
layout(push_constant) uniform Push { uint n; float param; } p;

// y or dx at vec4 i, before accumulation.
vec4 valueAt(uint i) {
  const int t = int(i);
  if (BACKWARD == 0) return activationOf(OP, texelFetch(x, t), p.param);
  return texelFetch(dy, t) * activationDerivative(OP, texelFetch(x, t), texelFetch(y, t), p.param);
}

void main() {
  FOR_EACH_VEC4(i, p.n) result4[i] = ACCUMULATE != 0 ? result4[i] + valueAt(i) : valueAt(i);
  if (ACCUMULATE != 0) {
    ADD_TAIL(result, p.n, valueAt(p.n / 4u));
  } else {
    STORE_TAIL(result, p.n, valueAt(p.n / 4u));
  }
}

#version 450
// Point-wise activations. Forward: y = f(x). Backward: dx (+)= dy * f'(x), with f' written from
// y where that is cheaper and exact (sigmoid, tanh). OP: 0 sigmoid, 1 tanh, 2 relu, 3 leaky relu,
// 4 elu. PARAM is LeakyReLU's negative_slope or ELU's alpha. Four values per step: inputs are
// vec4 texel buffers, outputs vec4s (see elementwise.glsl).
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

vec4 f(vec4 v) {
  const bvec4 positive = greaterThan(v, vec4(0.0));
  if (OP == 0) return 1.0 / (1.0 + exp(-v));
  if (OP == 1) return tanh(v);
  if (OP == 2) return max(v, vec4(0.0));
  if (OP == 3) return mix(p.param * v, v, positive);
  return mix(p.param * (exp(v) - 1.0), v, positive);
}

vec4 derivative(vec4 v, vec4 out_) {
  const bvec4 positive = greaterThan(v, vec4(0.0));
  if (OP == 0) return out_ * (1.0 - out_);
  if (OP == 1) return 1.0 - out_ * out_;
  if (OP == 2) return mix(vec4(0.0), vec4(1.0), positive);
  if (OP == 3) return mix(vec4(p.param), vec4(1.0), positive);
  return mix(out_ + p.param, vec4(1.0), positive);  // d/dv alpha (e^v - 1) = alpha e^v = y + alpha
}

// y or dx at vec4 i, before accumulation.
vec4 valueAt(uint i) {
  const int t = int(i);
  if (BACKWARD == 0) return f(texelFetch(x, t));
  return texelFetch(dy, t) * derivative(texelFetch(x, t), texelFetch(y, t));
}

void main() {
  FOR_EACH_VEC4(i, p.n) result4[i] = ACCUMULATE != 0 ? result4[i] + valueAt(i) : valueAt(i);
  if (ACCUMULATE != 0) {
    ADD_TAIL(result, p.n, valueAt(p.n / 4u));
  } else {
    STORE_TAIL(result, p.n, valueAt(p.n / 4u));
  }
}

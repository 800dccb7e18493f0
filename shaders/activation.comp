#version 450
// Point-wise activations. Forward: y = f(x). Backward: dx (+)= dy * f'(x), with f' written from
// y where that is cheaper and exact (sigmoid, tanh). OP: 0 sigmoid, 1 tanh, 2 relu, 3 leaky relu,
// 4 elu. PARAM is LeakyReLU's negative_slope or ELU's alpha.
#include "elementwise.glsl"

layout(constant_id = 3) const uint OP = 0;
layout(constant_id = 4) const uint BACKWARD = 0;
layout(constant_id = 5) const uint ACCUMULATE = 0;

layout(std430, binding = 0) readonly buffer X { float x[]; };
layout(std430, binding = 1) readonly buffer Y { float y[]; };     // forward output (backward only)
layout(std430, binding = 2) readonly buffer DY { float dy[]; };   // d loss / d y (backward only)
layout(std430, binding = 3) buffer Out { float result[]; };       // y (forward) or dx (backward)
layout(push_constant) uniform Push { uint n; float param; } p;

float f(float v) {
  if (OP == 0) return 1.0 / (1.0 + exp(-v));
  if (OP == 1) return tanh(v);
  if (OP == 2) return max(v, 0.0);
  if (OP == 3) return v > 0.0 ? v : p.param * v;
  return v > 0.0 ? v : p.param * (exp(v) - 1.0);
}

float derivative(float v, float out_) {
  if (OP == 0) return out_ * (1.0 - out_);
  if (OP == 1) return 1.0 - out_ * out_;
  if (OP == 2) return v > 0.0 ? 1.0 : 0.0;
  if (OP == 3) return v > 0.0 ? 1.0 : p.param;
  return v > 0.0 ? 1.0 : out_ + p.param;  // d/dv alpha (e^v - 1) = alpha e^v = y + alpha
}

void main() {
  FOR_EACH_ELEMENT(i, p.n) {
    if (BACKWARD == 0) {
      result[i] = f(x[i]);
    } else {
      float g = dy[i] * derivative(x[i], y[i]);
      result[i] = ACCUMULATE != 0 ? result[i] + g : g;
    }
  }
}

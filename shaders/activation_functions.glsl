// The point-wise activations and their derivatives, shared by shaders/activation.comp and the
// GEMM's activation epilogue (gemm_registers.glsl), so a fused Linear + activation computes exactly
// what the two layers do apart. op: 0 sigmoid, 1 tanh, 2 relu, 3 leaky relu, 4 elu; param is
// LeakyReLU's negative_slope or ELU's alpha.

vec4 activationOf(uint op, vec4 v, float param) {
  const bvec4 positive = greaterThan(v, vec4(0.0));
  if (op == 0) return 1.0 / (1.0 + exp(-v));
  if (op == 1) return tanh(v);
  if (op == 2) return max(v, vec4(0.0));
  if (op == 3) return mix(param * v, v, positive);
  return mix(param * (exp(v) - 1.0), v, positive);
}

// f'(x), written from y = f(x) where that is cheaper and exact (sigmoid, tanh, elu).
vec4 activationDerivative(uint op, vec4 x, vec4 y, float param) {
  const bvec4 positive = greaterThan(x, vec4(0.0));
  if (op == 0) return y * (1.0 - y);
  if (op == 1) return 1.0 - y * y;
  if (op == 2) return mix(vec4(0.0), vec4(1.0), positive);
  if (op == 3) return mix(vec4(param), vec4(1.0), positive);
  return mix(y + param, vec4(1.0), positive);  // d/dx alpha (e^x - 1) = alpha e^x = y + alpha
}

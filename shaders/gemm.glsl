// C = alpha * op(A) * op(B) + beta * C, row-major, op(X) = X or X^T chosen by specialization
// constants. A is M x K (K x M when transposed), B is K x N (N x K when transposed), C is M x N.
// When beta is 0, C is not read (it may hold anything, NaN included), as in BLAS. With p.bias set,
// bias[col] (binding 3) is added to every row of C too: a Linear layer's forward in one dispatch.
//
// Split K: work group z sums only k in [z kSlice, (z + 1) kSlice) and writes its C to
// c[z cSlice ...]; engine/ops/gemm.cpp then adds the slices up (shaders/gemm_split_sum.comp).
// Without a split, kSlice = K and there is one slice.
layout(local_size_x_id = 0, local_size_y_id = 1, local_size_z_id = 2) in;
layout(constant_id = 3) const uint TRANS_A = 0;
layout(constant_id = 4) const uint TRANS_B = 0;
// 0 when the host knows beta is 0: C is then not even loaded. A run-time test on beta is not
// enough on CPU devices, which execute both sides of a condition (masked): there every element of
// C was read, by a loop over the lanes, before being overwritten. 1 (the default): tested at run time.
layout(constant_id = 15) const uint BETA = 1;

// A and B as float arrays in storage buffers, or (TEXEL_OPERANDS) as texel buffers of vec4s.
#ifdef TEXEL_OPERANDS
layout(binding = 0) uniform samplerBuffer texelsA;
layout(binding = 1) uniform samplerBuffer texelsB;
float elementA(uint i) { return texelFetch(texelsA, int(i / 4))[i % 4]; }
float elementB(uint i) { return texelFetch(texelsB, int(i / 4))[i % 4]; }
vec4 vec4A(uint i) { return texelFetch(texelsA, int(i)); }
vec4 vec4B(uint i) { return texelFetch(texelsB, int(i)); }
#else
layout(std430, binding = 0) readonly buffer MatA { float a[]; };
layout(std430, binding = 1) readonly buffer MatB { float b[]; };
layout(std430, binding = 0) readonly buffer MatA4 { vec4 a4[]; };
layout(std430, binding = 1) readonly buffer MatB4 { vec4 b4[]; };
float elementA(uint i) { return a[i]; }
float elementB(uint i) { return b[i]; }
vec4 vec4A(uint i) { return a4[i]; }
vec4 vec4B(uint i) { return b4[i]; }
#endif
layout(std430, binding = 2) buffer MatC { float c[]; };
layout(binding = 3) uniform samplerBuffer biasTexels;
#include "gemm_push.h"
layout(push_constant) uniform Push { GemmPush p; };

// op(A)[row][k] and op(B)[k][col]
float loadA(uint row, uint k) { return elementA(TRANS_A == 0 ? row * p.lda + k : k * p.lda + row); }
float loadB(uint k, uint col) { return elementB(TRANS_B == 0 ? k * p.ldb + col : col * p.ldb + k); }

uint sliceBegin() { return gl_WorkGroupID.z * p.kSlice; }
uint sliceEnd() { return min(p.K, sliceBegin() + p.kSlice); }

// A branch on a push constant: the same way for every invocation, so nothing is read without a bias.
float biasOf(uint col) {
  float b = 0.0;
  if (p.bias != 0u) b = texelFetch(biasTexels, int(col)).r;
  return b;
}

// Stores and returns the final value of C[row][col].
float storeC(uint row, uint col, float value) {
  uint i = gl_WorkGroupID.z * p.cSlice + row * p.ldc + col;
  float v = p.alpha * value;
  if (BETA != 0 && p.beta != 0.0) v += p.beta * c[i];
  v += biasOf(col);
  c[i] = v;
  return v;
}

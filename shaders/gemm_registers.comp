#version 450
#extension GL_EXT_control_flow_attributes : enable
#include "gemm.glsl"
const uint ROWS = 8;
#ifdef ALIAS
layout(std430, binding = 1) readonly buffer MatB4 { vec4 b4[]; };
layout(std430, binding = 0) readonly buffer MatA4 { vec4 a4[]; };
#endif
void main() {
  uint lane = gl_LocalInvocationID.x;
  uint col = (gl_WorkGroupID.x * gl_WorkGroupSize.x + lane) * 4;
  uint row0 = gl_WorkGroupID.y * ROWS;
  vec4 acc[ROWS];
  [[unroll]] for (uint r = 0; r < ROWS; ++r) acc[r] = vec4(0);
  for (uint k = 0; k < p.K; k += 4) {
    vec4 bk[4];
    [[unroll]] for (uint kk = 0; kk < 4; ++kk) {
      uint i = (k + kk) * p.ldb + col;
#ifdef ALIAS
      bk[kk] = b4[i / 4];
#else
      bk[kk] = vec4(b[i], b[i + 1], b[i + 2], b[i + 3]);
#endif
    }
    [[unroll]] for (uint r = 0; r < ROWS; ++r) {
      uint ia = (row0 + r) * p.lda + k;
#ifdef ALIAS
      vec4 av = a4[ia / 4];
#else
      vec4 av = vec4(a[ia], a[ia + 1], a[ia + 2], a[ia + 3]);
#endif
      acc[r] = fma(vec4(av.x), bk[0], acc[r]);
      acc[r] = fma(vec4(av.y), bk[1], acc[r]);
      acc[r] = fma(vec4(av.z), bk[2], acc[r]);
      acc[r] = fma(vec4(av.w), bk[3], acc[r]);
    }
  }
  [[unroll]] for (uint r = 0; r < ROWS; ++r)
    [[unroll]] for (uint j = 0; j < 4; ++j) storeC(row0 + r, col + j, acc[r][j]);
}

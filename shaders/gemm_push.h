// The GEMM kernels' push constants, declared once for GLSL (gemm.glsl, gemm_split_sum.comp) and
// C++ (engine/ops/gemm.cpp, which static_asserts their sizes). Scalars only: std430 lays them out
// as C++ does.
#ifndef GRADLAB_GEMM_PUSH_H
#define GRADLAB_GEMM_PUSH_H

struct GemmPush {
  uint M, N, K;
  uint lda, ldb, ldc;
  float alpha, beta;
  uint kSlice;            // k per slice of a split GEMM (K: no split)
  uint cSlice;            // floats between the slices' products in C
  uint bias;              // 1: add bias[col] to C
  float activationParam;  // the activation epilogue's negative_slope or alpha
};

// The second pass of a split GEMM (gemm_split_sum.comp).
struct GemmSplitSumPush {
  uint M, N, ldc;
  uint slices, cSlice;
  float alpha, beta;
  uint bias;
  float activationParam;  // the activation epilogue's negative_slope or alpha
};

#endif

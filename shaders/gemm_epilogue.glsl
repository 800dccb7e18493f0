// What a GEMM kernel does as it stores C (engine/ops/gemm.h, GemmEpilogue): one of a closed set
// chosen by the host through EPILOGUE, each in its own include. Included by gemm_registers.glsl and
// gemm_tiled.comp after C, the row sums, VEC_C and the push constants are declared.
layout(constant_id = 12) const uint EPILOGUE = 0;
const uint EPILOGUE_NONE = 0;
const uint EPILOGUE_ACTIVATION = 1;        // gemm_epilogue_activation.glsl
const uint EPILOGUE_CHECKED_GRADIENT = 2;  // gemm_epilogue_checked.glsl
const uint EPILOGUE_SGD_STEP = 3;          // gemm_epilogue_sgd.glsl

#include "gemm_epilogue_activation.glsl"
#include "gemm_epilogue_checked.glsl"
#include "gemm_epilogue_sgd.glsl"

bool checksGradient() { return EPILOGUE == EPILOGUE_CHECKED_GRADIENT || EPILOGUE == EPILOGUE_SGD_STEP; }

// Before anything is computed: whether this invocation has nothing to do.
bool epilogueSkips() { return EPILOGUE == EPILOGUE_SGD_STEP && stepFlagged(); }
void beginEpilogue() {
  if (EPILOGUE == EPILOGUE_SGD_STEP) sgdRate = stepLearningRate();
}
void endEpilogue() {
  if (checksGradient()) flagGradientIfNotFinite();
}

// Row sum `row` of op(A), times alpha.
void storeRowSum(uint row, float sum) {
  if (EPILOGUE == EPILOGUE_SGD_STEP) {
    sgdStepRowSum(row, sum);
    return;
  }
  // Slice z of a split GEMM stores its sums at z M + row: the split-sum pass adds them up.
  rowSum[gl_WorkGroupID.z * p.M + row] = sum;
  if (checksGradient()) checkGradient(vec4(sum));
}

// Vec4 number i of C: the product (times alpha) of this invocation's tile and the bias it gets.
void storeC4(uint i, vec4 product, vec4 bias) {
  if (EPILOGUE == EPILOGUE_SGD_STEP) {
    sgdStep(i, product);
    return;
  }
  vec4 v = product;
  if (BETA != 0 && p.beta != 0.0) v += p.beta * c4[i];
  v += bias;
  c4[i] = v;
  if (EPILOGUE == EPILOGUE_ACTIVATION) act4[i] = activationEpilogue(i, v);
  if (checksGradient()) checkGradient(v);
}

// Stores C[row][col .. col + 3], the part inside C, from this invocation's product (before alpha)
// and the bias of those columns: one vec4 when C's rows are whole vec4s (VEC_C, declared by the
// including kernel), else one element at a time.
void storeQuad(uint row, uint col, vec4 product, vec4 bias) {
  if (row >= p.M || col >= p.N) return;
  if (VEC_C != 0) {
    storeC4((gl_WorkGroupID.z * p.cSlice + row * p.ldc + col) / 4, p.alpha * product, bias);
    return;
  }
  vec4 v = vec4(0);
  [[unroll]] for (uint j = 0; j < 4; ++j)
    if (col + j < p.N) {
      v[j] = storeC(row, col + j, product[j]);
      if (checksGradient()) checkGradient(vec4(v[j]));
    }
  if (EPILOGUE == EPILOGUE_ACTIVATION) {
    const uint first = row * p.N + col;  // not a multiple of 4 when N is not
    [[unroll]] for (uint j = 0; j < 4; ++j)
      if (col + j < p.N) act[first + j] = activationEpilogueAt(first + j, v[j]);
  }
}

// What the registers GEMM does as it stores C (engine/ops/gemm.h, GemmEpilogue): one of a closed set
// chosen by the host through EPILOGUE, each in its own include. Included by gemm_registers.glsl
// after C, the row sums and the push constants are declared.
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
  rowSum[row] = sum;
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

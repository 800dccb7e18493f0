#version 450
// The second pass of a GEMM split along K (shaders/gemm.glsl): C = alpha * (the sum of the slices'
// partial products) + beta * C (+ bias[col] with p.bias set), then the GEMM's epilogue
// (engine/ops/gemm.h, GemmEpilogue) as the unsplit kernels apply it: the activation's tensor, the
// gradient checked for values that are not finite, or the SGD step taken in place of storing C.
// With ROW_SUMS the slices' row sums of op(A) (binding 3, slice z at z M) are added up into
// rowSum the same way. Slices are added in order, so results do not depend on scheduling.
// Bindings 5-9 are the GEMM kernels' epilogue bindings, so their includes serve here too.
#include "elementwise.glsl"

layout(constant_id = 11) const uint ROW_SUMS = 0;
layout(constant_id = 12) const uint EPILOGUE = 0;  // gemm_epilogue.glsl's numbering
const uint EPILOGUE_ACTIVATION = 1;
const uint EPILOGUE_CHECKED_GRADIENT = 2;
const uint EPILOGUE_SGD_STEP = 3;
// 0 when the host knows beta is 0: C is not loaded at all (see gemm.glsl).
layout(constant_id = 15) const uint BETA = 1;

layout(std430, binding = 0) readonly buffer Partial { float partial[]; };
layout(std430, binding = 1) buffer MatC { float c[]; };
layout(binding = 2) uniform samplerBuffer biasTexels;
layout(std430, binding = 3) readonly buffer PartialRowSums { float partialRowSum[]; };
layout(std430, binding = 4) buffer RowSums { float rowSum[]; };
#include "gemm_push.h"
layout(push_constant) uniform Push { GemmSplitSumPush p; };

#include "gemm_epilogue_activation.glsl"
#include "gemm_epilogue_checked.glsl"

bool checksGradient() { return EPILOGUE == EPILOGUE_CHECKED_GRADIENT || EPILOGUE == EPILOGUE_SGD_STEP; }

void main() {
  // The same for every invocation: nothing is written once the step is flagged.
  if (EPILOGUE == EPILOGUE_SGD_STEP && stepFlagged()) return;
  const float rate = EPILOGUE == EPILOGUE_SGD_STEP ? stepLearningRate() : 0.0;
  FOR_EACH_ELEMENT(i, p.M * p.N) {
    const uint row = i / p.N, col = i % p.N;
    float sum = 0.0;
    for (uint s = 0; s < p.slices; ++s) sum += partial[s * p.cSlice + row * p.N + col];
    const uint at = row * p.ldc + col;
    float v = p.alpha * sum;
    if (EPILOGUE == EPILOGUE_SGD_STEP) {  // the host guarantees no bias and beta 0
      checkGradient(vec4(v));
      c[at] -= rate * v;
      continue;
    }
    if (BETA != 0 && p.beta != 0.0) v += p.beta * c[at];
    if (p.bias != 0u) v += texelFetch(biasTexels, int(col)).r;
    c[at] = v;
    if (EPILOGUE == EPILOGUE_ACTIVATION) act[i] = activationEpilogueAt(i, v);  // the host guarantees ldc = N
    if (checksGradient()) checkGradient(vec4(v));
  }
  if (ROW_SUMS != 0) FOR_EACH_ELEMENT(row, p.M) {
      float sum = 0.0;
      for (uint s = 0; s < p.slices; ++s) sum += partialRowSum[s * p.M + row];
      const float v = p.alpha * sum;
      if (checksGradient()) checkGradient(vec4(v));
      if (EPILOGUE == EPILOGUE_SGD_STEP)
        rowSum[row] -= rate * v;
      else
        rowSum[row] = v;
    }
  if (checksGradient()) flagGradientIfNotFinite();
}

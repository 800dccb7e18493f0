// The registers GEMM's SGD epilogue (engine/ops/gemm.h, GemmSgdStep): a weight gradient's GEMM that
// takes the plain SGD step in place of storing the gradient. C (binding 2) is the weight tensor;
// its values before the step are read as vec4 texels (binding 10, the same memory) and
// C - lr * (alpha op(A) op(B)) stored, lr being the control block's rate; the row sums' buffer
// (binding 4) holds the bias and becomes bias - lr * (row sums). The gradient is never stored, nor
// read back by an update pass: two passes over every weight fewer. Nothing is written once the
// step is flagged (by the loss or an earlier gradient); a gradient value this GEMM finds not finite
// flags it (gemm_epilogue_checked.glsl), and the training session then restores the weights of the
// step's start, since other invocations may have updated theirs already. The host guarantees C is
// stored as whole vec4s (VEC_C); a GEMM split along K takes the step in its summing pass instead
// (gemm_split_sum.comp).
layout(binding = 10) uniform samplerBuffer weightsBefore;

float sgdRate = 0.0;  // read once per invocation from the control block

void sgdStep(uint i, vec4 gradient) {
  checkGradient(gradient);
  c4[i] = texelFetch(weightsBefore, int(i)) - sgdRate * gradient;
}
void sgdStepRowSum(uint row, float gradient) {
  checkGradient(vec4(gradient));
  rowSum[row] -= sgdRate * gradient;
}

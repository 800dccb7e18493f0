#pragma once
// General matrix multiply C = alpha * op(A) * op(B) + beta * C on row-major float matrices, with
// op(X) = X or X^T: what dense and convolution layers need forward and backward.
#include "gpu/context.h"
#include "gpu/recording.h"

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace gradlab::ops {

struct GemmShape {
  bool transA = false, transB = false;
  uint32_t M = 0, N = 0, K = 0;
  uint32_t lda = 0, ldb = 0, ldc = 0;  // 0: packed (K or M for A, N or K for B, N for C)
  float alpha = 1, beta = 0;

  uint32_t leadA() const { return lda ? lda : (transA ? M : K); }
  uint32_t leadB() const { return ldb ? ldb : (transB ? K : N); }
  uint32_t leadC() const { return ldc ? ldc : N; }
};

// When K is much longer than the sides of C (a convolution's weight gradient sums over every pixel of
// the batch), one work group per tile of C would leave most of the device idle: gemm() then splits
// K into slices, computes each slice's product in its own work groups into `scratch`, and adds the
// slices up in a second pass. gemmScratchFloats says how much scratch a shape can use (0: it is
// not split); without scratch the GEMM runs unsplit, with too little it throws.
uint64_t gemmScratchFloats(const GemmShape& shape);

// The point-wise activations (shaders/activation_functions.glsl; the Activation layer's too).
enum class ActivationOp : uint32_t { Sigmoid = 0, Tanh, Relu, LeakyRelu, Elu };

// What a GEMM does as it stores C: one of a closed set of epilogues, each in its own shader include
// (shaders/gemm_epilogue_*.glsl). Only the registers variant, unsplit, applies one; gemm() says
// whether it did (GemmFused::epilogue) and the caller does the work apart otherwise.
//
// A point-wise activation (gemm_epilogue_activation.glsl): a Linear layer and the activation after
// it in one pass. Forward: out = f(C). Backward: out = C * f'(x), C being d loss / d f(x) and x,
// f(x) the activation's input and output. out, x and y are M x N, packed (ldc = N).
struct GemmActivation {
  ActivationOp op = ActivationOp::Relu;
  float param = 0;  // LeakyReLU's negative_slope, ELU's alpha
  bool backward = false;
  gpu::BufferRange out;
  gpu::BufferRange x, y;  // backward only
};
// A training step's parameter gradient (gemm_epilogue_checked.glsl): C and the row sums are stored
// and a value that is not finite flags the step in `control` (engine/train/control_block.h), as
// train::recordNonFiniteCheck does for a tensor (index kGradients).
struct GemmCheckedGradient {
  gpu::BufferRange control, step;  // the control block and the device step counter
};
// The plain SGD step taken in place of storing the gradient (gemm_epilogue_sgd.glsl; a weight
// gradient's GEMM where gemmUpdatesInPlace holds): C holds the weights and becomes
// C - lr * (alpha op(A) op(B)); the row sums' buffer holds the bias and becomes
// bias - lr * (its row sums); lr is the control block's rate. The gradient is checked as
// GemmCheckedGradient's, and nothing is written once the step is flagged; when this GEMM flags it,
// the part of C already updated stays updated (the caller restores the weights).
struct GemmSgdStep {
  gpu::BufferRange control, step;
};
using GemmEpilogue = std::variant<std::monostate, GemmActivation, GemmCheckedGradient, GemmSgdStep>;

// What a GEMM also does in the same pass, from values it has at hand.
struct GemmExtras {
  gpu::BufferRange bias;     // N floats added to every row of C: C = alpha op(A) op(B) + beta C + bias
  gpu::BufferRange rowSums;  // M floats: rowSums[i] = alpha * sum over k of op(A)[i][k]
  GemmEpilogue epilogue;
};
// Which extras were done beside C (the bias always is): only the registers variant, unsplit,
// computes row sums and epilogues (an activation only with C packed, ldc = N); the caller does
// them otherwise.
struct GemmFused {
  bool rowSums = false;
  bool epilogue = false;
};
// Whether gemm() can take the SGD step in place on this C (GemmSgdStep): on the registers kernel,
// unsplit, with C stored as whole vec4s and readable as a texel buffer.
bool gemmUpdatesInPlace(const gpu::Context& context, const GemmShape& shape, gpu::BufferRange c);

GemmFused gemm(gpu::Recording& rec, const GemmShape& shape, gpu::BufferRange a, gpu::BufferRange b, gpu::BufferRange c,
               gpu::KernelVariant variant = gpu::KernelVariant::Auto, gpu::BufferRange scratch = {},
               const GemmExtras& extras = {});

namespace reference {
// Double-precision C = alpha op(A) op(B) + beta C (+ bias[j] when `bias` is not empty); returns C
// (M x ldc, only the first N columns used).
std::vector<double> gemm(const GemmShape& shape, std::span<const float> a, std::span<const float> b,
                         std::span<const float> c, std::span<const float> bias = {});
// The sum over k of |op(A)[i][k] op(B)[k][j]| times |alpha|, plus |beta C[i][j]|: the scale of
// float32 rounding error in element (i, j) (plus |bias[j]| with a bias).
std::vector<double> gemmErrorScale(const GemmShape& shape, std::span<const float> a, std::span<const float> b,
                                   std::span<const float> c, std::span<const float> bias = {});
}  // namespace reference

}  // namespace gradlab::ops

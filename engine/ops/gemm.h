#pragma once
// General matrix multiply C = alpha * op(A) * op(B) + beta * C on row-major float matrices, with
// op(X) = X or X^T: what dense and convolution layers need forward and backward.
#include "gpu/context.h"
#include "gpu/recording.h"

#include <cstdint>
#include <optional>
#include <span>
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

// A point-wise activation applied as C is stored: a Linear layer and the activation after it in
// one pass. Forward: out = f(C). Backward: out = C * f'(x), C being d loss / d f(x) and x, f(x) the
// activation's input and output. out, x and y are M x N, packed.
struct GemmActivation {
  ActivationOp op = ActivationOp::Relu;
  float param = 0;  // LeakyReLU's negative_slope, ELU's alpha
  bool backward = false;
  gpu::BufferRange out;
  gpu::BufferRange x, y;  // backward only
};

// What a GEMM also does in the same pass, from values it has at hand.
struct GemmExtras {
  gpu::BufferRange bias;     // N floats added to every row of C: C = alpha op(A) op(B) + beta C + bias
  gpu::BufferRange rowSums;  // M floats: rowSums[i] = alpha * sum over k of op(A)[i][k]
  std::optional<GemmActivation> activation;
  // A training step's control block and step counter (shaders/training_control.glsl): a value of
  // C or of the row sums that is not finite flags the step there, as train::recordNonFiniteCheck
  // does for a tensor (with index 0, the gradients).
  gpu::BufferRange control, step;
  // The plain SGD step taken in the same pass (a weight gradient's GEMM, where gemmUpdatesInPlace
  // holds; control and step needed): C holds the weights and becomes C - lr * (alpha op(A) op(B)),
  // rowSums holds the bias and becomes bias - lr * (its row sums), lr being control[3] (float bits).
  // The gradient is checked, and nothing is written once control[0] flags the step; when this
  // GEMM flags it, the part of C already updated stays updated (the caller restores the weights).
  bool sgdUpdate = false;
};
// Which extras were done beside C (the bias always is): only the registers variant, unsplit,
// computes row sums, activations (with C packed, ldc = N) and checks; the caller does them otherwise.
struct GemmFused {
  bool rowSums = false;
  bool activation = false;
  bool checked = false;
  bool sgdUpdate = false;
};
// Whether gemm() can take the SGD step in place on this C (GemmExtras::sgdUpdate): on the registers
// kernel, unsplit, with C stored as whole vec4s and readable as a texel buffer.
bool gemmUpdatesInPlace(const gpu::Context& context, const GemmShape& shape, gpu::BufferRange c);

GemmFused gemm(gpu::Recording& rec, const GemmShape& shape, gpu::BufferRange a, gpu::BufferRange b,
               gpu::BufferRange c, gpu::KernelVariant variant = gpu::KernelVariant::Auto,
               gpu::BufferRange scratch = {}, const GemmExtras& extras = {});

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

#pragma once
// General matrix multiply C = alpha * op(A) * op(B) + beta * C on row-major float matrices, with
// op(X) = X or X^T: what dense and convolution layers need forward and backward.
#include "gpu/context.h"
#include "gpu/recording.h"
#include "ops/gemm_plan.h"

#include <cstdint>
#include <optional>
#include <span>
#include <variant>
#include <vector>

namespace gradlab::ops {

// When K is much longer than the sides of C (a convolution's weight gradient sums over every pixel of
// the batch), one work group per tile of C would leave most of the device idle: gemm() then splits
// K into slices, computes each slice's product in its own work groups into `scratch`, and adds the
// slices up in a second pass. How far is the plan's (ops/gemm_plan.h) for the device; it splits
// into fewer slices where the scratch it is given holds less, and not at all without scratch.
// gemmScratchFloats says how much scratch a shape can use on the device (0: it is not split); the
// form without a context gives the CPU devices' figure.
uint64_t gemmScratchFloats(const GemmShape& shape);
uint64_t gemmScratchFloats(const gpu::Context& context, const GemmShape& shape,
                           gpu::KernelVariant variant = gpu::KernelVariant::Auto);
// The most scratch `shape` can use on `device` in either kernel family (forced tiles and splits
// included): what a layer sets aside as it is made, before it knows which family will run.
uint64_t gemmScratchFloats(const gpu::DeviceInfo& device, const GemmShape& shape);

// The plan gemm() follows for `shape` on `context` with `scratchFloats` floats of scratch: the
// device's, with the tile and slice count GRADLAB_GEMM_TILE ("64x64", "128x128:1" for one shared
// buffer: parseGemmTile) and GRADLAB_GEMM_SPLIT (slices) force, as tests do to run every
// configuration. Throws std::invalid_argument for a forced tile the device cannot hold.
GemmPlan gemmPlan(const gpu::Context& context, const GemmShape& shape,
                  gpu::KernelVariant variant = gpu::KernelVariant::Auto, uint64_t scratchFloats = UINT64_MAX);

// The point-wise activations (shaders/activation_functions.glsl; the Activation layer's too).
enum class ActivationOp : uint32_t { Sigmoid = 0, Tanh, Relu, LeakyRelu, Elu };

// What a GEMM does as it stores C: one of a closed set of epilogues, each in its own shader include
// (shaders/gemm_epilogue_*.glsl). Both kernel families apply them, and a GEMM split along K applies
// them in its summing pass (shaders/gemm_split_sum.comp); gemm() says whether it did
// (GemmFused::epilogue: not an activation with C padded) and the caller does the work apart
// otherwise.
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
// gradient's GEMM where gemmUpdatesInPlace holds, split or not): C holds the weights and becomes
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
// Which extras were done beside C (the bias always is): a GEMM computes row sums and epilogues,
// split or not (an activation only with C packed, ldc = N); the caller does them otherwise.
struct GemmFused {
  bool rowSums = false;
  bool epilogue = false;
};
// Whether gemm() can take the SGD step in place on this C (GemmSgdStep): with C stored as whole
// vec4s and readable as a texel buffer (split along K or not).
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

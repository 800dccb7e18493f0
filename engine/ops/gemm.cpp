#include "ops/gemm.h"

#include "spirv/shaders.h"

#include <algorithm>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gradlab::ops {
namespace {

using gpu::Access;

// Bindings: A, B, C, bias (read only when the push constants say so), and for the registers kernel
// the row sums of op(A) (written only with ROW_SUMS; C is bound there otherwise) and the activation
// epilogue's output, input and output of the activation (ACT; C and an unused buffer otherwise),
// and a training step's control block and step counter (push constant `check`; C and an unused
// buffer otherwise).
const gpu::KernelSpec kTiled{"gemm_tiled", spirv::gemm_tiled,
                             {Access::Read, Access::Read, Access::ReadWrite, Access::ReadFloatTexels}, 52};
const gpu::KernelSpec kRegisters{"gemm_registers",
                                 spirv::gemm_registers,
                                 {Access::Read, Access::Read, Access::ReadWrite, Access::ReadFloatTexels,
                                  Access::ReadWrite, Access::Write, Access::ReadVec4Texels, Access::ReadVec4Texels,
                                  Access::ReadWrite, Access::Read},
                                 52};
const gpu::KernelSpec kRegistersTexels{
    "gemm_registers_texel",
    spirv::gemm_registers_texel,
    {Access::ReadVec4Texels, Access::ReadVec4Texels, Access::ReadWrite, Access::ReadFloatTexels, Access::ReadWrite,
     Access::Write, Access::ReadVec4Texels, Access::ReadVec4Texels, Access::ReadWrite, Access::Read},
    52};
const gpu::KernelSpec kSplitSum{"gemm_split_sum", spirv::gemm_split_sum,
                                {Access::Read, Access::ReadWrite, Access::ReadFloatTexels}, 32};

// Tile of C per invocation of the registers kernel (shaders/gemm_registers.glsl, ROWS x 4 COLS4):
// 16 x 8, or smaller where C is thinner than a work group's tile, whose unused rows and columns
// would cost as much as used ones (C1's 6 x 50176 product, the 6 x 25 and 16 x 150 weight
// gradients: 2-3x faster with fitted tiles on lavapipe, 2026-11-30).
struct RegisterTile {
  uint32_t rows, cols;
};
RegisterTile registerTile(const GemmShape& s, uint32_t lanes) {
  const uint32_t rows = s.M <= 4 ? 4 : s.M <= 8 ? 8 : 16;
  const uint32_t cols = s.N <= 4 * lanes ? 4 : 8;
  return {rows, cols};
}

struct Push {
  uint32_t M, N, K, lda, ldb, ldc;
  float alpha, beta;
  uint32_t kSlice, cSlice;  // k per slice of a split GEMM (K: no split); floats between C slices
  uint32_t bias;            // 1: add bias[col] to C
  float activationParam;    // the activation epilogue's negative_slope or alpha
  uint32_t check;           // 1: flag results that are not finite in the control block
};

// A split along K pays off when K is much longer than both sides of C; slices of at least
// kMinSlice keep the partial products few, and kMaxSlices enough work groups for any device.
constexpr uint32_t kMinSplitK = 1024;
constexpr uint32_t kMinSlice = 256;
constexpr uint32_t kMaxSlices = 64;

// k per slice (a multiple of 4, so vec4 reads along k stay aligned), or K when not split.
uint32_t sliceLength(const GemmShape& s) {
  if (s.K < kMinSplitK || uint64_t(s.K) < 8 * uint64_t(std::max(s.M, s.N))) return s.K;
  const uint32_t slices = std::min(kMaxSlices, s.K / kMinSlice);
  return ((s.K + slices - 1) / slices + 3) / 4 * 4;
}
uint64_t sliceFloats(const GemmShape& s) { return (uint64_t(s.M) * s.N + 3) / 4 * 4; }

uint64_t floatsIn(const gpu::BufferRange& r) {
  return (r.bytes == VK_WHOLE_SIZE ? r.buffer->bytes() - r.offset : r.bytes) / 4;
}

void requireFloats(const char* name, const gpu::BufferRange& r, uint64_t rows, uint64_t cols, uint64_t lead) {
  if (cols > lead)
    throw std::invalid_argument(std::string("gemm: leading dimension of ") + name + " (" + std::to_string(lead) +
                                ") is smaller than its " + std::to_string(cols) + " columns");
  const uint64_t needed = rows == 0 || cols == 0 ? 0 : (rows - 1) * lead + cols;
  if (floatsIn(r) < needed)
    throw std::invalid_argument(std::string("gemm: ") + name + " holds " + std::to_string(floatsIn(r)) +
                                " floats, the shape needs " + std::to_string(needed));
}

// Whether the registers kernel loads A's rows once per subgroup and shuffles them round
// (shaders/gemm_registers.glsl, SHARE_A): on CPU devices, where it halves the kernel's time; a GPU
// serves a load all lanes share from its cache at once. GRADLAB_GEMM_SHARED_ROWS=0 or 1 overrides
// (tests run both forms).
bool sharesRowsOfA(const gpu::DeviceInfo& device) {
  if (device.minSubgroupSize < 8 || !device.subgroupShuffle) return false;
  if (const char* env = std::getenv("GRADLAB_GEMM_SHARED_ROWS"); env && *env) return std::string(env) != "0";
  return device.type == gpu::DeviceType::Cpu;
}

// Whether the registers kernel reads A and B as vec4 texel buffers (gemm_registers_texel.comp):
// on CPU devices, where a texel fetch is a branch-free gather and a storage-buffer load a loop over
// the lanes. Needs both operands' offsets aligned for texel views. GRADLAB_GEMM_TEXELS=0 or 1
// overrides (tests run both forms).
bool readsTexels(const gpu::DeviceInfo& device, const gpu::BufferRange& a, const gpu::BufferRange& b) {
  if (a.offset % device.minTexelBufferOffsetAlignment || b.offset % device.minTexelBufferOffsetAlignment)
    return false;
  if ((floatsIn(a) + 3) / 4 > device.maxTexelBufferElements || (floatsIn(b) + 3) / 4 > device.maxTexelBufferElements)
    return false;
  if (const char* env = std::getenv("GRADLAB_GEMM_TEXELS"); env && *env) return std::string(env) != "0";
  return device.type == gpu::DeviceType::Cpu;
}

// One pass of the GEMM kernel of `variant` over `slices` slices of k.
void dispatchProduct(gpu::Recording& rec, const GemmShape& s, gpu::BufferRange a, gpu::BufferRange b,
                     gpu::BufferRange c, gpu::BufferRange bias, gpu::BufferRange rowSums,
                     const GemmActivation* activation, const GemmExtras* check, bool sgdUpdate,
                     gpu::KernelVariant variant, const Push& push, uint32_t slices) {
  gpu::Context& context = rec.context();
  const std::vector<uint32_t> trans{s.transA ? 1u : 0u, s.transB ? 1u : 0u};
  if (variant == gpu::KernelVariant::Registers) {
    // One subgroup per work group (one SIMD vector on a CPU device); any size is correct.
    const uint32_t lanes = std::max<uint32_t>(context.device().subgroupSize, 1);
    // vec4 views of an operand are allowed when each vec4 the shader reads (along the contiguous
    // dimension, 4-aligned) lies wholly inside or wholly outside the matrix; edge tiles clamp
    // indices and stay on the vec4 path.
    std::vector<uint32_t> constants = trans;
    constants.push_back(push.lda % 4 == 0 && (!s.transA || s.M % 4 == 0) ? 1u : 0u);
    constants.push_back(push.ldb % 4 == 0 && (s.transB || s.N % 4 == 0) ? 1u : 0u);
    constants.push_back(push.ldc % 4 == 0 && s.N % 4 == 0 ? 1u : 0u);
    constants.push_back(sharesRowsOfA(context.device()) ? 1u : 0u);
    const RegisterTile tile = registerTile(s, lanes);
    constants.push_back(tile.rows);
    constants.push_back(tile.cols / 4);
    constants.push_back(rowSums.buffer != nullptr ? 1u : 0u);
    constants.push_back(activation ? 1u + uint32_t(activation->op) : 0u);
    constants.push_back(activation && activation->backward ? 1u : 0u);
    constants.push_back(push.beta != 0.0f ? 1u : 0u);  // BETA
    constants.push_back(sgdUpdate ? 1u : 0u);
    const gpu::BufferRange unused(context.unusedBinding());
    const bool backward = activation && activation->backward;
    const auto& kernel = context.kernel(readsTexels(context.device(), a, b) ? kRegistersTexels : kRegisters,
                                        {lanes, 1, 1}, constants);
    const uint32_t colsPerGroup = lanes * tile.cols;
    // x walks the row blocks of C: consecutive work groups share a panel of B (cache reuse on CPUs).
    rec.dispatch(kernel,
                 {a, b, c, bias, rowSums.buffer != nullptr ? rowSums : c, activation ? activation->out : c,
                  backward ? activation->x : sgdUpdate ? c : unused,  // C's old values, for the SGD step
                  backward ? activation->y : unused, check ? check->control : c, check ? check->step : unused},
                 push,
                 {(s.M + tile.rows - 1) / tile.rows, (s.N + colsPerGroup - 1) / colsPerGroup, slices});
  } else {
    const auto& kernel = context.kernel(kTiled, {16, 16, 1}, trans);
    rec.dispatch(kernel, {a, b, c, bias}, push, {(s.N + 63) / 64, (s.M + 63) / 64, slices});
  }
}

}  // namespace

bool gemmUpdatesInPlace(const gpu::Context& context, const GemmShape& s, gpu::BufferRange c) {
  const gpu::DeviceInfo& device = context.device();
  return context.kernelVariant() == gpu::KernelVariant::Registers && s.K > 0 && s.leadC() % 4 == 0 && s.N % 4 == 0 &&
         c.offset % device.minTexelBufferOffsetAlignment == 0 &&
         (floatsIn(c) + 3) / 4 <= device.maxTexelBufferElements && s.beta == 0.0f;
}

uint64_t gemmScratchFloats(const GemmShape& s) {
  const uint32_t slice = sliceLength(s);
  return slice == s.K ? 0 : (s.K + slice - 1) / slice * sliceFloats(s);
}

GemmFused gemm(gpu::Recording& rec, const GemmShape& s, gpu::BufferRange a, gpu::BufferRange b, gpu::BufferRange c,
               gpu::KernelVariant variant, gpu::BufferRange scratch, const GemmExtras& extras) {
  const gpu::BufferRange& bias = extras.bias;
  requireFloats("A", a, s.transA ? s.K : s.M, s.transA ? s.M : s.K, s.leadA());
  requireFloats("B", b, s.transB ? s.N : s.K, s.transB ? s.K : s.N, s.leadB());
  requireFloats("C", c, s.M, s.N, s.leadC());
  const uint32_t hasBias = bias.buffer != nullptr ? 1u : 0u;
  if (hasBias) requireFloats("bias", bias, 1, s.N, s.N);
  const gpu::BufferRange biasBinding = hasBias ? bias : gpu::BufferRange(rec.context().unusedBinding());
  const uint64_t scratchNeeded = gemmScratchFloats(s);
  const bool split = scratch.buffer != nullptr && scratchNeeded > 0;
  if (split && floatsIn(scratch) < scratchNeeded)
    throw std::invalid_argument("gemm: scratch holds " + std::to_string(floatsIn(scratch)) +
                                " floats, splitting this shape needs " + std::to_string(scratchNeeded) +
                                " (gemmScratchFloats)");
  if (extras.control.buffer && (!extras.step.buffer || floatsIn(extras.control) < 3 || floatsIn(extras.step) < 1))
    throw std::invalid_argument("gemm: a check needs a control block of 3 words or more and a step counter");
  if (extras.activation) {
    requireFloats("activation output", extras.activation->out, s.M, s.N, s.N);
    if (extras.activation->backward) {
      requireFloats("activation input", extras.activation->x, s.M, s.N, s.N);
      requireFloats("activation output values", extras.activation->y, s.M, s.N, s.N);
    }
  }
  if (extras.sgdUpdate) {
    if (!gemmUpdatesInPlace(rec.context(), s, c) || split || !extras.control.buffer || extras.activation || hasBias ||
        (variant != gpu::KernelVariant::Auto && variant != gpu::KernelVariant::Registers))
      throw std::invalid_argument("gemm: this product cannot take the SGD step in place (see gemmUpdatesInPlace)");
    if (extras.rowSums.buffer) requireFloats("rowSums", extras.rowSums, 1, s.M, s.M);
  }
  if (s.M == 0 || s.N == 0) return {};

  if (variant == gpu::KernelVariant::Auto) variant = rec.context().kernelVariant();
  if (!split) {
    const bool registers = variant == gpu::KernelVariant::Registers;
    const bool rowSums = extras.rowSums.buffer != nullptr && registers && s.K > 0;
    if (rowSums) requireFloats("rowSums", extras.rowSums, 1, s.M, s.M);
    const GemmActivation* activation = extras.activation && registers && s.leadC() == s.N ? &*extras.activation : nullptr;
    const bool check = extras.control.buffer != nullptr && registers;
    const Push push{s.M, s.N,     s.K,   s.leadA(), s.leadB(), s.leadC(), s.alpha, s.beta, s.K, 0, hasBias,
                    activation ? activation->param : 0.0f, check ? 1u : 0u};
    dispatchProduct(rec, s, a, b, c, biasBinding, rowSums ? extras.rowSums : gpu::BufferRange{}, activation,
                    check ? &extras : nullptr, extras.sgdUpdate, variant, push, 1);
    return {rowSums, activation != nullptr, check, extras.sgdUpdate};
  }
  // Each slice's product, packed (ldc = N) into its own stretch of scratch, then their sum into C.
  const uint32_t slice = sliceLength(s), slices = (s.K + slice - 1) / slice;
  const uint32_t stride = uint32_t(sliceFloats(s));
  const Push partial{s.M, s.N, s.K, s.leadA(), s.leadB(), s.N, 1.0f, 0.0f, slice, stride, 0, 0.0f, 0};
  dispatchProduct(rec, s, a, b, scratch, gpu::BufferRange(rec.context().unusedBinding()), {}, nullptr, nullptr, false,
                  variant, partial, slices);
  struct {
    uint32_t M, N, ldc, slices, stride;
    float alpha, beta;
    uint32_t bias;
  } sum{s.M, s.N, s.leadC(), slices, stride, s.alpha, s.beta, hasBias};
  const uint32_t groups = std::clamp<uint32_t>((s.M * s.N + 63) / 64, 1, 4096);
  rec.dispatch(rec.context().kernel(kSplitSum, {64, 1, 1}, {s.beta != 0.0f ? 1u : 0u}), {scratch, c, biasBinding}, sum,
               {groups, 1, 1});
  return {};
}

}  // namespace gradlab::ops

#include "ops/gemm.h"

#include "spirv/shaders.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gradlab::ops {
namespace {

using gpu::Access;

namespace shared {
using uint = uint32_t;
#include "../../shaders/gemm_push.h"
}  // namespace shared
using Push = shared::GemmPush;
using SplitSumPush = shared::GemmSplitSumPush;
static_assert(sizeof(Push) == 12 * 4 && sizeof(SplitSumPush) == 8 * 4);

// Bindings: A, B, C, bias (read only when the push constants say so); for the registers kernel
// also the row sums of op(A) (ROW_SUMS; C is bound there otherwise), the activation epilogue's
// output and the activation's input and output (backward), a training step's control block and
// step counter (the checked-gradient and SGD epilogues), and C's values before an SGD step, read
// as texels (the same memory as C). Slots an epilogue does not use get C where they are written
// (no hazard with other dispatches) and the context's unused binding where they are read.
const gpu::KernelSpec kTiled{"gemm_tiled",
                             spirv::gemm_tiled,
                             {Access::Read, Access::Read, Access::ReadWrite, Access::ReadFloatTexels},
                             sizeof(Push)};
const std::vector<Access> kRegisterEpilogueBindings{Access::ReadWrite,      Access::Write,     Access::ReadVec4Texels,
                                                    Access::ReadVec4Texels, Access::ReadWrite, Access::Read,
                                                    Access::ReadVec4Texels};
std::vector<Access> registerBindings(Access operands) {
  std::vector<Access> all{operands, operands, Access::ReadWrite, Access::ReadFloatTexels};
  all.insert(all.end(), kRegisterEpilogueBindings.begin(), kRegisterEpilogueBindings.end());
  return all;
}
const gpu::KernelSpec kRegisters{"gemm_registers", spirv::gemm_registers, registerBindings(Access::Read), sizeof(Push)};
const gpu::KernelSpec kRegistersTexels{"gemm_registers_texel", spirv::gemm_registers_texel,
                                       registerBindings(Access::ReadVec4Texels), sizeof(Push)};
const gpu::KernelSpec kSplitSum{"gemm_split_sum",
                                spirv::gemm_split_sum,
                                {Access::Read, Access::ReadWrite, Access::ReadFloatTexels},
                                sizeof(SplitSumPush)};

// The epilogues as shaders/gemm_epilogue.glsl numbers them (EPILOGUE): GemmEpilogue's alternatives.
enum class EpilogueKind : uint32_t { None = 0, Activation = 1, CheckedGradient = 2, SgdStep = 3 };

// The registers kernel's specialisation constants (shaders/gemm_registers.glsl), named; the fields
// are in constant_id order from 3 (0-2 are the work-group size), and each distinct key is one
// pipeline.
struct GemmKey {
  uint32_t transA = 0, transB = 0;             // TRANS_A, TRANS_B
  uint32_t vecA = 0, vecB = 0, vecC = 0;       // VEC_A, VEC_B, VEC_C: vec4 views allowed
  uint32_t shareA = 0;                         // SHARE_A: rows of A shared across the subgroup
  uint32_t rows = 16, cols4 = 2;               // ROWS, COLS4: the tile of C per invocation
  uint32_t rowSums = 0;                        // ROW_SUMS
  EpilogueKind epilogue = EpilogueKind::None;  // EPILOGUE
  uint32_t activationOp = 0;                   // ACTIVATION_OP (ActivationOp)
  uint32_t activationBackward = 0;             // ACTIVATION_BACKWARD
  uint32_t beta = 1;                           // BETA: 0 when the host knows beta is 0

  std::vector<uint32_t> constants() const {
    const auto words = std::bit_cast<std::array<uint32_t, sizeof(GemmKey) / 4>>(*this);
    return {words.begin(), words.end()};
  }
};
static_assert(sizeof(GemmKey) == 13 * 4, "one word per specialisation constant, none added unnamed");

// Tile of C per invocation of the registers kernel (shaders/gemm_registers.glsl, ROWS x 4 COLS4):
// 16 x 8, or smaller where C is thinner than a work group's tile, whose unused rows and columns
// would cost as much as used ones (C1's 6 x 50176 product, the 6 x 25 and 16 x 150 weight
// gradients; the measurements are in docs/BENCHMARK_DIARY.md).
struct RegisterTile {
  uint32_t rows, cols;
};
RegisterTile registerTile(const GemmShape& s, uint32_t lanes) {
  const uint32_t rows = s.M <= 4 ? 4 : s.M <= 8 ? 8 : 16;
  const uint32_t cols = s.N <= 4 * lanes ? 4 : 8;
  return {rows, cols};
}

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
  if (a.offset % device.minTexelBufferOffsetAlignment || b.offset % device.minTexelBufferOffsetAlignment) return false;
  if ((floatsIn(a) + 3) / 4 > device.maxTexelBufferElements || (floatsIn(b) + 3) / 4 > device.maxTexelBufferElements)
    return false;
  if (const char* env = std::getenv("GRADLAB_GEMM_TEXELS"); env && *env) return std::string(env) != "0";
  return device.type == gpu::DeviceType::Cpu;
}

// The epilogue's kind, and the buffers its bindings get (see the kernel specs above).
struct EpilogueBindings {
  EpilogueKind kind = EpilogueKind::None;
  const GemmActivation* activation = nullptr;
  gpu::BufferRange control, step;
};
EpilogueBindings epilogueBindings(const GemmEpilogue& e) {
  if (const auto* a = std::get_if<GemmActivation>(&e)) return {EpilogueKind::Activation, a, {}, {}};
  if (const auto* c = std::get_if<GemmCheckedGradient>(&e))
    return {EpilogueKind::CheckedGradient, nullptr, c->control, c->step};
  if (const auto* s = std::get_if<GemmSgdStep>(&e)) return {EpilogueKind::SgdStep, nullptr, s->control, s->step};
  return {};
}

// One pass of the GEMM kernel of `variant` over `slices` slices of k.
void dispatchProduct(gpu::Recording& rec, const GemmShape& s, gpu::BufferRange a, gpu::BufferRange b,
                     gpu::BufferRange c, gpu::BufferRange bias, gpu::BufferRange rowSums,
                     const EpilogueBindings& epilogue, gpu::KernelVariant variant, const Push& push, uint32_t slices) {
  gpu::Context& context = rec.context();
  if (variant != gpu::KernelVariant::Registers) {
    const auto& kernel = context.kernel(kTiled, {16, 16, 1}, {s.transA ? 1u : 0u, s.transB ? 1u : 0u});
    rec.dispatch(kernel, {a, b, c, bias}, push, {(s.N + 63) / 64, (s.M + 63) / 64, slices});
    return;
  }
  // One subgroup per work group (one SIMD vector on a CPU device); any size is correct.
  const uint32_t lanes = std::max<uint32_t>(context.device().subgroupSize, 1);
  const RegisterTile tile = registerTile(s, lanes);
  const GemmActivation* activation = epilogue.activation;
  // vec4 views of an operand are allowed when each vec4 the shader reads (along the contiguous
  // dimension, 4-aligned) lies wholly inside or wholly outside the matrix; edge tiles clamp
  // indices and stay on the vec4 path.
  const GemmKey key{
      .transA = s.transA ? 1u : 0u,
      .transB = s.transB ? 1u : 0u,
      .vecA = push.lda % 4 == 0 && (!s.transA || s.M % 4 == 0) ? 1u : 0u,
      .vecB = push.ldb % 4 == 0 && (s.transB || s.N % 4 == 0) ? 1u : 0u,
      .vecC = push.ldc % 4 == 0 && s.N % 4 == 0 ? 1u : 0u,
      .shareA = sharesRowsOfA(context.device()) ? 1u : 0u,
      .rows = tile.rows,
      .cols4 = tile.cols / 4,
      .rowSums = rowSums.buffer != nullptr ? 1u : 0u,
      .epilogue = epilogue.kind,
      .activationOp = activation ? uint32_t(activation->op) : 0u,
      .activationBackward = activation && activation->backward ? 1u : 0u,
      .beta = push.beta != 0.0f ? 1u : 0u,
  };
  const gpu::BufferRange unused(context.unusedBinding());
  const bool backward = activation && activation->backward;
  const bool sgd = epilogue.kind == EpilogueKind::SgdStep;
  const bool control = epilogue.control.buffer != nullptr;
  const auto& kernel = context.kernel(readsTexels(context.device(), a, b) ? kRegistersTexels : kRegisters,
                                      {lanes, 1, 1}, key.constants());
  const uint32_t colsPerGroup = lanes * tile.cols;
  // x walks the row blocks of C: consecutive work groups share a panel of B (cache reuse on CPUs).
  rec.dispatch(kernel,
               {a, b, c, bias, rowSums.buffer != nullptr ? rowSums : c, activation ? activation->out : c,
                backward ? activation->x : unused, backward ? activation->y : unused, control ? epilogue.control : c,
                control ? epilogue.step : unused, sgd ? c : unused},
               push, {(s.M + tile.rows - 1) / tile.rows, (s.N + colsPerGroup - 1) / colsPerGroup, slices});
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
  const EpilogueBindings epilogue = epilogueBindings(extras.epilogue);
  if (epilogue.control.buffer &&
      (!epilogue.step.buffer || floatsIn(epilogue.control) < 4 || floatsIn(epilogue.step) < 1))
    throw std::invalid_argument("gemm: a checked epilogue needs a control block and a step counter");
  if (const GemmActivation* act = epilogue.activation) {
    requireFloats("activation output", act->out, s.M, s.N, s.N);
    if (act->backward) {
      requireFloats("activation input", act->x, s.M, s.N, s.N);
      requireFloats("activation output values", act->y, s.M, s.N, s.N);
    }
  }
  if (epilogue.kind == EpilogueKind::SgdStep) {
    if (!gemmUpdatesInPlace(rec.context(), s, c) || split || !epilogue.control.buffer || hasBias ||
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
    // The activation writes a packed tensor beside C: only with C packed too.
    const bool fused = registers && epilogue.kind != EpilogueKind::None &&
                       (epilogue.kind != EpilogueKind::Activation || s.leadC() == s.N);
    const Push push{.M = s.M,
                    .N = s.N,
                    .K = s.K,
                    .lda = s.leadA(),
                    .ldb = s.leadB(),
                    .ldc = s.leadC(),
                    .alpha = s.alpha,
                    .beta = s.beta,
                    .kSlice = s.K,
                    .cSlice = 0,
                    .bias = hasBias,
                    .activationParam = epilogue.activation ? epilogue.activation->param : 0.0f};
    dispatchProduct(rec, s, a, b, c, biasBinding, rowSums ? extras.rowSums : gpu::BufferRange{},
                    fused ? epilogue : EpilogueBindings{}, variant, push, 1);
    return {rowSums, fused};
  }
  // Each slice's product, packed (ldc = N) into its own stretch of scratch, then their sum into C.
  const uint32_t slice = sliceLength(s), slices = (s.K + slice - 1) / slice;
  const uint32_t stride = uint32_t(sliceFloats(s));
  const Push partial{.M = s.M,
                     .N = s.N,
                     .K = s.K,
                     .lda = s.leadA(),
                     .ldb = s.leadB(),
                     .ldc = s.N,
                     .alpha = 1.0f,
                     .beta = 0.0f,
                     .kSlice = slice,
                     .cSlice = stride,
                     .bias = 0,
                     .activationParam = 0};
  dispatchProduct(rec, s, a, b, scratch, gpu::BufferRange(rec.context().unusedBinding()), {}, {}, variant, partial,
                  slices);
  const SplitSumPush sum{.M = s.M,
                         .N = s.N,
                         .ldc = s.leadC(),
                         .slices = slices,
                         .cSlice = stride,
                         .alpha = s.alpha,
                         .beta = s.beta,
                         .bias = hasBias};
  const uint32_t groups = std::clamp<uint32_t>((s.M * s.N + 63) / 64, 1, 4096);
  rec.dispatch(rec.context().kernel(kSplitSum, {64, 1, 1}, {s.beta != 0.0f ? 1u : 0u}), {scratch, c, biasBinding}, sum,
               {groups, 1, 1});
  return {};
}

}  // namespace gradlab::ops

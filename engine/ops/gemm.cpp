#include "ops/gemm.h"

#include "spirv/shaders.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstdlib>
#include <optional>
#include <stdexcept>
#include <string>
#include <utility>

namespace gradlab::ops {
namespace {

using gpu::Access;

namespace shared {
using uint = uint32_t;
#include "../../shaders/gemm_push.h"
}  // namespace shared
using Push = shared::GemmPush;
using SplitSumPush = shared::GemmSplitSumPush;
static_assert(sizeof(Push) == 12 * 4 && sizeof(SplitSumPush) == 9 * 4);

// Bindings, the same for both families: A, B, C, bias (read only when the push constants say so);
// the row sums of op(A) (ROW_SUMS; C is bound there otherwise), the activation epilogue's output
// and the activation's input and output (backward), a training step's control block and step
// counter (the checked-gradient and SGD epilogues), and C's values before an SGD step, read as
// texels (the same memory as C). Slots an epilogue does not use get C where they are written (no
// hazard with other dispatches) and the context's unused binding where they are read.
const std::vector<Access> kEpilogueBindings{Access::ReadWrite,      Access::Write,     Access::ReadVec4Texels,
                                            Access::ReadVec4Texels, Access::ReadWrite, Access::Read,
                                            Access::ReadVec4Texels};
std::vector<Access> gemmBindings(Access operands) {
  std::vector<Access> all{operands, operands, Access::ReadWrite, Access::ReadFloatTexels};
  all.insert(all.end(), kEpilogueBindings.begin(), kEpilogueBindings.end());
  return all;
}
const gpu::KernelSpec kTiled{"gemm_tiled", spirv::gemm_tiled, gemmBindings(Access::Read)};
const gpu::KernelSpec kRegisters{"gemm_registers", spirv::gemm_registers, gemmBindings(Access::Read)};
const gpu::KernelSpec kRegistersTexels{"gemm_registers_texel", spirv::gemm_registers_texel,
                                       gemmBindings(Access::ReadVec4Texels)};
// The split sum's: the slices' products, C, bias, the slices' row sums, the row sums, then the
// GEMM kernels' epilogue bindings 5-9 (shaders/gemm_split_sum.comp reads C's values before an SGD
// step directly).
const gpu::KernelSpec kSplitSum{
    "gemm_split_sum", spirv::gemm_split_sum,
    std::vector<Access>{Access::Read, Access::ReadWrite, Access::ReadFloatTexels, Access::Read, kEpilogueBindings[0],
                        kEpilogueBindings[1], kEpilogueBindings[2], kEpilogueBindings[3], kEpilogueBindings[4],
                        kEpilogueBindings[5]}};

// The epilogues as shaders/gemm_epilogue.glsl numbers them (EPILOGUE): GemmEpilogue's alternatives.
enum class EpilogueKind : uint32_t { None = 0, Activation = 1, CheckedGradient = 2, SgdStep = 3 };

// The GEMM kernels' specialisation constants (shaders/gemm_registers.glsl, gemm_tiled.comp), named;
// the fields are in constant_id order from 3 (0-2 are the work-group size), each kernel reads the
// ones it declares, and each distinct key is one pipeline.
struct GemmKey {
  uint32_t transA = 0, transB = 0;             // TRANS_A, TRANS_B
  uint32_t vecA = 0, vecB = 0, vecC = 0;       // VEC_A, VEC_B, VEC_C: vec4 views allowed
  uint32_t shareA = 0;                         // SHARE_A (registers): rows of A shared across the subgroup
  uint32_t rows = 16, cols4 = 2;               // ROWS, COLS4 (registers): the tile of C per invocation
  uint32_t rowSums = 0;                        // ROW_SUMS
  EpilogueKind epilogue = EpilogueKind::None;  // EPILOGUE
  uint32_t activationOp = 0;                   // ACTIVATION_OP (ActivationOp)
  uint32_t activationBackward = 0;             // ACTIVATION_BACKWARD
  uint32_t beta = 1;                           // BETA: 0 when the host knows beta is 0
  uint32_t tileRows = 0, tileCols = 0;         // TILE_ROWS, TILE_COLS (tiled): C per work group
  uint32_t threadRows = 0, threadCols = 0;     // THREAD_ROWS, THREAD_COLS (tiled): C per invocation
  uint32_t buffers = 0;                        // BUFFERS (tiled): shared tiles in flight

  std::vector<uint32_t> constants() const {
    const auto words = std::bit_cast<std::array<uint32_t, sizeof(GemmKey) / 4>>(*this);
    return {words.begin(), words.end()};
  }
};
static_assert(sizeof(GemmKey) == 18 * 4, "one word per specialisation constant, none added unnamed");

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

// The key fields both families share: transposes, vec4 views, the extras and the epilogue.
GemmKey commonKey(const GemmShape& s, const Push& push, bool rowSums, const EpilogueBindings& epilogue) {
  const GemmActivation* activation = epilogue.activation;
  return {.transA = s.transA ? 1u : 0u,
          .transB = s.transB ? 1u : 0u,
          .vecC = push.ldc % 4 == 0 && s.N % 4 == 0 ? 1u : 0u,
          .rowSums = rowSums ? 1u : 0u,
          .epilogue = epilogue.kind,
          .activationOp = activation ? uint32_t(activation->op) : 0u,
          .activationBackward = activation && activation->backward ? 1u : 0u,
          .beta = push.beta != 0.0f ? 1u : 0u};
}

// The registers kernel's pipeline and work groups for `plan`.
std::pair<const gpu::Kernel*, gpu::WorkGroup> registersKernel(gpu::Context& context, const GemmShape& s,
                                                              const GemmPlan& plan, GemmKey key, gpu::BufferRange a,
                                                              gpu::BufferRange b, const Push& push) {
  // One subgroup per work group (one SIMD vector on a CPU device); any size is correct.
  const uint32_t lanes = plan.tile.cols / plan.tile.colsPerInvocation;
  // vec4 views of an operand are allowed when each vec4 the shader reads (along the contiguous
  // dimension, 4-aligned) lies wholly inside or wholly outside the matrix; edge tiles clamp
  // indices and stay on the vec4 path.
  key.vecA = push.lda % 4 == 0 && (!s.transA || s.M % 4 == 0) ? 1u : 0u;
  key.vecB = push.ldb % 4 == 0 && (s.transB || s.N % 4 == 0) ? 1u : 0u;
  key.shareA = sharesRowsOfA(context.device()) ? 1u : 0u;
  key.rows = plan.tile.rowsPerInvocation;
  key.cols4 = plan.tile.colsPerInvocation / 4;
  const auto& kernel = context.kernel(readsTexels(context.device(), a, b) ? kRegistersTexels : kRegisters,
                                      {lanes, 1, 1}, key.constants());
  // x walks the row blocks of C: consecutive work groups share a panel of B (cache reuse on CPUs).
  return {&kernel,
          {(s.M + plan.tile.rows - 1) / plan.tile.rows, (s.N + plan.tile.cols - 1) / plan.tile.cols, plan.slices}};
}

// The tiled kernel's pipeline and work groups for `plan`.
std::pair<const gpu::Kernel*, gpu::WorkGroup> tiledKernel(gpu::Context& context, const GemmShape& s,
                                                          const GemmPlan& plan, GemmKey key, const Push& push) {
  // vec4 loads where a vec4 lies inside the matrix (the kernel checks each); rows start 4-aligned.
  key.vecA = push.lda % 4 == 0 ? 1u : 0u;
  key.vecB = push.ldb % 4 == 0 ? 1u : 0u;
  const GemmTile& t = plan.tile;
  key.tileRows = t.rows;
  key.tileCols = t.cols;
  key.threadRows = t.rowsPerInvocation;
  key.threadCols = t.colsPerInvocation;
  key.buffers = t.buffers;
  const auto& kernel =
      context.kernel(kTiled, {t.cols / t.colsPerInvocation, t.rows / t.rowsPerInvocation, 1}, key.constants());
  return {&kernel, {(s.N + t.cols - 1) / t.cols, (s.M + t.rows - 1) / t.rows, plan.slices}};
}

// One pass of the GEMM kernel of the plan's family over its slices of k.
void dispatchProduct(gpu::Recording& rec, const GemmShape& s, gpu::BufferRange a, gpu::BufferRange b,
                     gpu::BufferRange c, gpu::BufferRange bias, gpu::BufferRange rowSums,
                     const EpilogueBindings& epilogue, const GemmPlan& plan, const Push& push) {
  gpu::Context& context = rec.context();
  const GemmKey key = commonKey(s, push, rowSums.buffer != nullptr, epilogue);
  const auto [kernel, groups] = plan.family == GemmFamily::Registers
                                    ? registersKernel(context, s, plan, key, a, b, push)
                                    : tiledKernel(context, s, plan, key, push);
  const GemmActivation* activation = epilogue.activation;
  const gpu::BufferRange unused(context.unusedBinding());
  const bool backward = activation && activation->backward;
  const bool sgd = epilogue.kind == EpilogueKind::SgdStep;
  const bool control = epilogue.control.buffer != nullptr;
  rec.dispatch(*kernel,
               {a, b, c, bias, rowSums.buffer != nullptr ? rowSums : c, activation ? activation->out : c,
                backward ? activation->x : unused, backward ? activation->y : unused, control ? epilogue.control : c,
                control ? epilogue.step : unused, sgd ? c : unused},
               push, groups);
}

GemmFamily familyFor(const gpu::Context& context, gpu::KernelVariant variant) {
  if (variant == gpu::KernelVariant::Auto) variant = context.kernelVariant();
  return variant == gpu::KernelVariant::Registers ? GemmFamily::Registers : GemmFamily::Tiled;
}

uint32_t envSlices() {
  const char* env = std::getenv("GRADLAB_GEMM_SPLIT");
  return env && std::atoi(env) > 0 ? uint32_t(std::atoi(env)) : 0;
}

// The plan for `s` in `family` on `device` with `scratchFloats` of scratch, forced tiles and splits
// (GRADLAB_GEMM_TILE, GRADLAB_GEMM_SPLIT) applied.
GemmPlan planOn(const gpu::DeviceInfo& info, GemmFamily family, const GemmShape& s, uint64_t scratchFloats) {
  const DeviceProfile device = gpu::deviceProfile(info);
  std::optional<GemmTile> tile;
  if (const char* env = std::getenv("GRADLAB_GEMM_TILE"); env && *env && family == GemmFamily::Tiled)
    tile = parseGemmTile(env);
  GemmPlan plan = planGemm(s, device, family, tile ? &*tile : nullptr, envSlices());
  // The scratch given bounds the split: as many slices as it holds, none below two.
  if (plan.slices > 1 && planScratchFloats(s, plan) > scratchFloats) {
    const uint64_t fit = scratchFloats / (planScratchLayout(s, plan).sliceFloats + s.M);
    plan = planGemm(s, device, family, &plan.tile, fit >= 2 ? uint32_t(std::min<uint64_t>(fit, plan.slices)) : 1);
    while (plan.slices > 1 && planScratchFloats(s, plan) > scratchFloats)
      plan = planGemm(s, device, family, &plan.tile, plan.slices > 2 ? plan.slices - 1 : 1);
  }
  return plan;
}

}  // namespace

GemmPlan gemmPlan(const gpu::Context& context, const GemmShape& s, gpu::KernelVariant variant, uint64_t scratchFloats) {
  return planOn(context.device(), familyFor(context, variant), s, scratchFloats);
}

bool gemmUpdatesInPlace(const gpu::Context& context, const GemmShape& s, gpu::BufferRange c) {
  const gpu::DeviceInfo& device = context.device();
  return s.K > 0 && s.leadC() % 4 == 0 && s.N % 4 == 0 && c.offset % device.minTexelBufferOffsetAlignment == 0 &&
         (floatsIn(c) + 3) / 4 <= device.maxTexelBufferElements && s.beta == 0.0f;
}

uint64_t gemmScratchFloats(const GemmShape& s) { return planScratchFloats(s, planGemm(s, namedProfile("lavapipe"))); }

uint64_t gemmScratchFloats(const gpu::Context& context, const GemmShape& s, gpu::KernelVariant variant) {
  return planScratchFloats(s, gemmPlan(context, s, variant));
}

uint64_t gemmScratchFloats(const gpu::DeviceInfo& device, const GemmShape& s) {
  uint64_t most = 0;
  for (GemmFamily family : {GemmFamily::Registers, GemmFamily::Tiled}) {
    try {
      most = std::max(most, planScratchFloats(s, planOn(device, family, s, UINT64_MAX)));
    } catch (const std::invalid_argument&) {  // a forced tile this device's tiled family cannot hold
    }
  }
  return most;
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
  const GemmPlan plan = gemmPlan(rec.context(), s, variant, scratch.buffer ? floatsIn(scratch) : 0);
  if (epilogue.kind == EpilogueKind::SgdStep) {
    if (!gemmUpdatesInPlace(rec.context(), s, c) || !epilogue.control.buffer || hasBias)
      throw std::invalid_argument("gemm: this product cannot take the SGD step in place (see gemmUpdatesInPlace)");
    if (extras.rowSums.buffer) requireFloats("rowSums", extras.rowSums, 1, s.M, s.M);
  }
  if (s.M == 0 || s.N == 0) return {};
  const bool rowSums = extras.rowSums.buffer != nullptr && s.K > 0;
  if (rowSums) requireFloats("rowSums", extras.rowSums, 1, s.M, s.M);
  // The activation writes a packed tensor beside C: only with C packed too.
  const bool fused =
      epilogue.kind != EpilogueKind::None && (epilogue.kind != EpilogueKind::Activation || s.leadC() == s.N);
  const EpilogueBindings applied = fused ? epilogue : EpilogueBindings{};
  const float activationParam = applied.activation ? applied.activation->param : 0.0f;

  if (plan.slices <= 1) {
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
                    .activationParam = activationParam};
    dispatchProduct(rec, s, a, b, c, biasBinding, rowSums ? extras.rowSums : gpu::BufferRange{}, applied, plan, push);
    return {rowSums, fused};
  }
  // Each slice's product, packed (ldc = N) into its own stretch of scratch, and its row sums after
  // them; then their sums into C and the row sums, with the bias and the epilogue.
  const GemmScratchLayout layout = planScratchLayout(s, plan);
  const gpu::BufferRange products(*scratch.buffer, scratch.offset, layout.rowSumsAt * 4);
  const gpu::BufferRange sliceRowSums =
      rowSums
          ? gpu::BufferRange(*scratch.buffer, scratch.offset + layout.rowSumsAt * 4, uint64_t(plan.slices) * s.M * 4)
          : gpu::BufferRange{};
  const Push partial{.M = s.M,
                     .N = s.N,
                     .K = s.K,
                     .lda = s.leadA(),
                     .ldb = s.leadB(),
                     .ldc = s.N,
                     .alpha = 1.0f,
                     .beta = 0.0f,
                     .kSlice = plan.kSlice,
                     .cSlice = uint32_t(layout.sliceFloats),
                     .bias = 0,
                     .activationParam = 0};
  dispatchProduct(rec, s, a, b, products, gpu::BufferRange(rec.context().unusedBinding()), sliceRowSums, {}, plan,
                  partial);
  const SplitSumPush sum{.M = s.M,
                         .N = s.N,
                         .ldc = s.leadC(),
                         .slices = plan.slices,
                         .cSlice = uint32_t(layout.sliceFloats),
                         .alpha = s.alpha,
                         .beta = s.beta,
                         .bias = hasBias,
                         .activationParam = activationParam};
  const GemmActivation* activation = applied.activation;
  const GemmKey key{.rowSums = rowSums ? 1u : 0u,
                    .epilogue = applied.kind,
                    .activationOp = activation ? uint32_t(activation->op) : 0u,
                    .activationBackward = activation && activation->backward ? 1u : 0u,
                    .beta = s.beta != 0.0f ? 1u : 0u};
  const gpu::BufferRange unused(rec.context().unusedBinding());
  const bool backward = activation && activation->backward, control = applied.control.buffer != nullptr;
  const uint32_t groups = std::clamp<uint32_t>((s.M * s.N + 63) / 64, 1, 4096);
  rec.dispatch(rec.context().kernel(kSplitSum, {64, 1, 1}, key.constants()),
               {products, c, biasBinding, rowSums ? sliceRowSums : unused, rowSums ? extras.rowSums : c,
                activation ? activation->out : c, backward ? activation->x : unused, backward ? activation->y : unused,
                control ? applied.control : c, control ? applied.step : unused},
               sum, {groups, 1, 1});
  return {rowSums, fused};
}

}  // namespace gradlab::ops

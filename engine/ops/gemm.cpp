#include "ops/gemm.h"

#include "spirv/shaders.h"

#include <stdexcept>
#include <string>

namespace gradlab::ops {
namespace {

using gpu::Access;

const gpu::KernelSpec kTiled{"gemm_tiled", spirv::gemm_tiled, {Access::Read, Access::Read, Access::ReadWrite}, 32};
const gpu::KernelSpec kRegisters{"gemm_registers", spirv::gemm_registers,
                                 {Access::Read, Access::Read, Access::ReadWrite}, 32};

// Tile of C per invocation of the registers kernel: compile-time constants of
// shaders/gemm_registers.comp (ROWS, 4 * COLS4), mirrored here for the dispatch grid.
constexpr uint32_t kRegisterRows = 16;
constexpr uint32_t kRegisterCols = 8;

struct Push {
  uint32_t M, N, K, lda, ldb, ldc;
  float alpha, beta;
};

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

}  // namespace

void gemm(gpu::Recording& rec, const GemmShape& s, gpu::BufferRange a, gpu::BufferRange b, gpu::BufferRange c,
          gpu::KernelVariant variant) {
  requireFloats("A", a, s.transA ? s.K : s.M, s.transA ? s.M : s.K, s.leadA());
  requireFloats("B", b, s.transB ? s.N : s.K, s.transB ? s.K : s.N, s.leadB());
  requireFloats("C", c, s.M, s.N, s.leadC());
  if (s.M == 0 || s.N == 0) return;

  gpu::Context& context = rec.context();
  if (variant == gpu::KernelVariant::Auto) variant = context.kernelVariant();
  const Push push{s.M, s.N, s.K, s.leadA(), s.leadB(), s.leadC(), s.alpha, s.beta};
  const std::vector<uint32_t> trans{s.transA ? 1u : 0u, s.transB ? 1u : 0u};

  if (variant == gpu::KernelVariant::Registers) {
    // One subgroup per work group (one SIMD vector on a CPU device); any size is correct.
    const uint32_t lanes = std::max<uint32_t>(context.device().subgroupSize, 1);
    // The shader may read A and B as vec4s when their rows start on 4-float boundaries.
    std::vector<uint32_t> constants = trans;
    constants.push_back(s.leadA() % 4 == 0 ? 1u : 0u);
    constants.push_back(s.leadB() % 4 == 0 ? 1u : 0u);
    constants.push_back(s.leadC() % 4 == 0 ? 1u : 0u);
    const auto& kernel = context.kernel(kRegisters, {lanes, 1, 1}, constants);
    const uint32_t colsPerGroup = lanes * kRegisterCols;
    // x walks the row blocks of C: consecutive work groups share a panel of B (cache reuse on CPUs).
    rec.dispatch(kernel, {a, b, c}, push,
                 {(s.M + kRegisterRows - 1) / kRegisterRows, (s.N + colsPerGroup - 1) / colsPerGroup, 1});
  } else {
    const auto& kernel = context.kernel(kTiled, {16, 16, 1}, trans);
    rec.dispatch(kernel, {a, b, c}, push, {(s.N + 63) / 64, (s.M + 63) / 64, 1});
  }
}

}  // namespace gradlab::ops

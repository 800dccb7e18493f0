#include "ops/reduce.h"

#include "spirv/shaders.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::ops {
namespace {

using gpu::Access;

const gpu::KernelSpec kRegisters{"reduce_registers", spirv::reduce_registers, {Access::Read, Access::Write}};
const gpu::KernelSpec kTiled{"reduce_tiled", spirv::reduce_tiled, {Access::Read, Access::Write}};
const gpu::KernelSpec kFinal{"reduce_final", spirv::reduce_final, {Access::Read, Access::Write}};

constexpr uint32_t kMaxPartials = kReduceScratchBytes / 16;

}  // namespace

const char* reduceOpName(ReduceOp op) {
  switch (op) {
    case ReduceOp::Sum: return "sum";
    case ReduceOp::Min: return "min";
    case ReduceOp::Max: return "max";
    case ReduceOp::Mean: return "mean";
    case ReduceOp::Variance: return "variance";
  }
  return "?";
}

void reduce(gpu::Recording& rec, ReduceOp op, gpu::BufferRange input, uint32_t n, gpu::BufferRange output,
            gpu::BufferRange scratch, gpu::KernelVariant variant) {
  gpu::Context& context = rec.context();
  if (variant == gpu::KernelVariant::Auto) variant = context.kernelVariant();
  const uint64_t scratchBytes =
      scratch.bytes == VK_WHOLE_SIZE ? scratch.buffer->bytes() - scratch.offset : scratch.bytes;
  if (scratchBytes < kReduceScratchBytes)
    throw std::invalid_argument("reduce needs " + std::to_string(kReduceScratchBytes) + " bytes of scratch");
  // Mean and variance share the moments partials of the first pass.
  const uint32_t firstOp = static_cast<uint32_t>(op == ReduceOp::Variance ? ReduceOp::Mean : op);
  const uint32_t finalOp = static_cast<uint32_t>(op);

  uint32_t partials;
  if (variant == gpu::KernelVariant::Registers) {
    // Enough invocations to keep every core busy, each folding at least 64 elements.
    constexpr uint32_t group = 64;
    const uint32_t groups = std::clamp<uint32_t>((n + group * 64 - 1) / (group * 64), 1, kMaxPartials / group);
    partials = groups * group;
    rec.dispatch(context.kernel(kRegisters, {group, 1, 1}, {firstOp}), {input, scratch}, n, {groups, 1, 1});
    // A single invocation combines the partials: no shared memory at all.
    rec.dispatch(context.kernel(kFinal, {1, 1, 1}, {finalOp}), {scratch, output}, partials, {1, 1, 1});
  } else {
    constexpr uint32_t group = 256;
    const uint32_t groups = std::clamp<uint32_t>((n + group * 8 - 1) / (group * 8), 1, 1024);
    partials = groups;
    rec.dispatch(context.kernel(kTiled, {group, 1, 1}, {firstOp}), {input, scratch}, n, {groups, 1, 1});
    rec.dispatch(context.kernel(kFinal, {group, 1, 1}, {finalOp}), {scratch, output}, partials, {1, 1, 1});
  }
}

}  // namespace gradlab::ops

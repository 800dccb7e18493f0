#pragma once
// Whole-buffer reductions of any length: sum, min, max, mean, variance (population). Two passes:
// partials (CPU-style: one per invocation in registers; GPU-style: one per work group through
// shared memory), then one work group combines them. Sums use Kahan compensation and moments
// Welford's update with Chan's merge, so long inputs stay accurate in float32.
#include "gpu/context.h"
#include "gpu/recording.h"

#include <cstdint>
#include <span>

namespace gradlab::ops {

enum class ReduceOp : uint32_t { Sum = 0, Min, Max, Mean, Variance };

const char* reduceOpName(ReduceOp op);

// Bytes of scratch space `reduce` needs, whatever the length.
constexpr uint64_t kReduceScratchBytes = 4096 * 16;

// output[0] = op(input[0 .. n)). Empty input: sum 0, min +inf, max -inf, mean and variance NaN.
void reduce(gpu::Recording& rec, ReduceOp op, gpu::BufferRange input, uint32_t n, gpu::BufferRange output,
            gpu::BufferRange scratch, gpu::KernelVariant variant = gpu::KernelVariant::Auto);

namespace reference {
double reduce(ReduceOp op, std::span<const float> x);
}

}  // namespace gradlab::ops

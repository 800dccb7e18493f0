#include "nn/layers/common.h"

#include "gpu/context.h"
#include "ops/elementwise.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <stdexcept>
#include <variant>

namespace gradlab::nn::layers {
namespace {
using gpu::Access;
const gpu::KernelSpec kBiasAdd{"bias_add", spirv::bias_add, {Access::ReadFloatTexels, Access::ReadWrite}};
const gpu::KernelSpec kChannelSum{"channel_sum", spirv::channel_sum, {Access::ReadVec4Texels, Access::ReadWrite}};
const gpu::KernelSpec kChannelSumSmall{
    "channel_sum_small", spirv::channel_sum_small, {Access::ReadFloatTexels, Access::ReadWrite}};
// Below this many values per channel one invocation sums a channel alone: a 256-wide work group
// would sit mostly idle over a Linear layer's bias gradient, one value per sample, and its
// start-up costs more than the sum (docs/BENCHMARK_DIARY.md has the figures).
constexpr uint64_t kGroupPerChannelFrom = 1024;
}  // namespace

void addBias(gpu::Recording& rec, gpu::BufferRange bias, gpu::BufferRange y, uint32_t batch, uint32_t channels,
             uint32_t spatial) {
  const uint32_t n = batch * channels * spatial;
  struct {
    uint32_t n, channels, spatial;
  } push{n, channels, spatial};
  const uint32_t groups = std::clamp<uint32_t>((n + 255) / 256, 1, 4096);
  rec.dispatch(rec.context().kernel(kBiasAdd, {256, 1, 1}), {bias, y}, push, {groups, 1, 1});
}

void channelSum(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange out, uint32_t batch, uint32_t channels,
                uint32_t spatial, bool accumulate) {
  if (channels == 0) return;
  struct {
    uint32_t batch, channels, spatial;
  } push{batch, channels, spatial};
  if (uint64_t(batch) * spatial < kGroupPerChannelFrom) {
    const auto& kernel = rec.context().kernel(kChannelSumSmall, {64, 1, 1}, {accumulate ? 1u : 0u});
    rec.dispatch(kernel, {x, out}, push, {(channels + 63) / 64, 1, 1});
    return;
  }
  // vec4 reads need every image's run of a channel to start and end on a vec4, and x to start on one.
  const bool vec4 = spatial % 4 == 0 && x.offset % 16 == 0;
  const auto& kernel = rec.context().kernel(kChannelSum, {256, 1, 1}, {accumulate ? 1u : 0u, vec4 ? 1u : 0u});
  rec.dispatch(kernel, {x, out}, push, {std::min<uint32_t>(channels, 65535), 1, 1});
}

void copyOrAdd(gpu::Recording& rec, gpu::BufferRange src, gpu::BufferRange dst, uint32_t n, bool accumulate) {
  if (accumulate)
    ops::axpy(rec, 1.0f, src, dst, n);
  else
    ops::copy(rec, src, dst, n);
}

}  // namespace gradlab::nn::layers

namespace gradlab::nn {

ops::GemmFused recordGradientProduct(gpu::Recording& rec, const GradientProduct& product, gpu::BufferRange grad,
                                     gpu::BufferRange rowSumsGrad, const ops::GemmEpilogue& epilogue) {
  const ops::GemmShape& s = product.shape;
  const ops::GemmFused fused = ops::gemm(rec, s, product.a, product.b, grad, gpu::KernelVariant::Auto, product.scratch,
                                         {.rowSums = rowSumsGrad, .epilogue = epilogue});
  if (!rowSumsGrad.buffer || fused.rowSums) return fused;
  if (std::holds_alternative<ops::GemmSgdStep>(epilogue))
    throw std::logic_error("recordGradientProduct: the in-place SGD step left the row sums out");
  if (s.alpha != 1.0f || s.leadA() != (s.transA ? s.M : s.K))
    throw std::logic_error("recordGradientProduct: row sums apart need alpha 1 and A packed");
  // op(A) = A^T (K x M stored): the sums over its K rows per column; else over each row's K values.
  if (s.transA)
    layers::channelSum(rec, product.a, rowSumsGrad, s.K, s.M, 1);
  else
    layers::channelSum(rec, product.a, rowSumsGrad, 1, s.M, s.K);
  return fused;
}

}  // namespace gradlab::nn

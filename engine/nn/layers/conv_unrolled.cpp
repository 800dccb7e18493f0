#include "nn/layers/conv_unrolled.h"

#include "gpu/context.h"
#include "spirv/shaders.h"

#include <cstdlib>
#include <string>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kUnrolled{"conv2d_unrolled",
                                spirv::conv2d_unrolled,
                                {Access::ReadFloatTexels, Access::ReadFloatTexels, Access::Read, Access::ReadWrite}};
constexpr uint32_t kLocalSize = 64;

// One invocation per four output pixels of a row, for every channel.
void dispatch(gpu::Recording& rec, uint32_t inChannels, uint32_t outChannels, uint32_t k, bool adjoint, bool accumulate,
              uint32_t samples, uint32_t inH, uint32_t inW, uint32_t outH, uint32_t outW, uint32_t pad,
              gpu::BufferRange x, gpu::BufferRange weight, gpu::BufferRange bias, gpu::BufferRange y) {
  gpu::Context& context = rec.context();
  const bool hasBias = bias.buffer != nullptr;
  const auto& kernel = context.kernel(kUnrolled, {kLocalSize, 1, 1},
                                      {inChannels, outChannels, k, adjoint ? 1u : 0u, accumulate ? 1u : 0u,
                                       hasBias ? 1u : 0u, outW % 4 == 0 ? 1u : 0u, context.device().subgroupSize});
  const struct { uint32_t samples, inH, inW, outH, outW, pad; } push{samples, inH, inW, outH, outW, pad};
  const uint64_t invocations = uint64_t(samples) * outH * ((outW + 3) / 4);
  rec.dispatch(kernel, {x, weight, hasBias ? bias : gpu::BufferRange(context.unusedBinding()), y}, push,
               {uint32_t((invocations + kLocalSize - 1) / kLocalSize), 1, 1});
}

}  // namespace

bool convUnrolled(const gpu::Context& context, const ConvGeometry& g, uint32_t outChannels, uint32_t samples,
                  bool inputGradient) {
  if (g.stride != 1 || g.dilation != 1 || uint64_t(g.channels) * outChannels * g.k * g.k > kMaxUnrolledWeights)
    return false;
  if (inputGradient && g.pad > g.k - 1) return false;
  // Weights are handed round a subgroup of a known, fixed size (shaders/conv2d_unrolled.comp).
  const gpu::DeviceInfo& device = context.device();
  if (!device.subgroupShuffle || device.minSubgroupSize != device.subgroupSize || kLocalSize % device.subgroupSize)
    return false;
  // One invocation per four pixels of an output row, in one dispatch.
  const uint64_t segments =
      inputGradient ? uint64_t(g.height) * ((g.width + 3) / 4) : uint64_t(g.colH) * ((g.colW + 3) / 4);
  if ((segments * samples + kLocalSize - 1) / kLocalSize > context.device().maxComputeWorkGroupCount[0]) return false;
  if (const char* env = std::getenv("GRADLAB_CONV_UNROLLED"); env && *env) return std::string(env) != "0";
  return context.device().type == gpu::DeviceType::Cpu;
}

void convUnrolledForward(gpu::Recording& rec, const ConvGeometry& g, uint32_t outChannels, uint32_t samples,
                         gpu::BufferRange x, gpu::BufferRange weight, gpu::BufferRange bias, gpu::BufferRange y) {
  dispatch(rec, g.channels, outChannels, g.k, false, false, samples, g.height, g.width, g.colH, g.colW, g.pad, x,
           weight, bias, y);
}

void convUnrolledInputGradient(gpu::Recording& rec, const ConvGeometry& g, uint32_t outChannels, uint32_t samples,
                               gpu::BufferRange dy, gpu::BufferRange weight, gpu::BufferRange dx, bool accumulate) {
  dispatch(rec, outChannels, g.channels, g.k, true, accumulate, samples, g.colH, g.colW, g.height, g.width,
           g.k - 1 - g.pad, dy, weight, {}, dx);
}

}  // namespace gradlab::nn::layers

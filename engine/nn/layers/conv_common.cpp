#include "nn/layers/conv_common.h"

#include "gpu/context.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kIm2col{"im2col", spirv::im2col, {Access::ReadFloatTexels, Access::Write}};
const gpu::KernelSpec kCol2im{"col2im", spirv::col2im, {Access::ReadFloatTexels, Access::ReadWrite}};
const gpu::KernelSpec kChannelMajor{
    "channel_major", spirv::channel_major, {Access::ReadFloatTexels, Access::ReadWrite, Access::ReadFloatTexels}};

constexpr uint64_t kDefaultChunkLimit = uint64_t(1) << 27;  // Vulkan's minimum maxStorageBufferRange
constexpr uint64_t kAlignFloats = 64;  // 256 bytes: the largest minStorageBufferOffsetAlignment Vulkan allows
std::atomic<uint64_t> chunkLimitOverride{0};

struct GeometryPush {
  uint32_t base, samples, channels, height, width, colH, colW, k, stride, pad, dilation;
};
GeometryPush push(const ConvGeometry& g, uint32_t base, uint32_t samples) {
  return {base, samples, g.channels, g.height, g.width, g.colH, g.colW, g.k, g.stride, g.pad, g.dilation};
}

gpu::WorkGroup groups(uint64_t n, uint32_t local) {
  return {uint32_t(std::clamp<uint64_t>((n + local - 1) / local, 1, 4096)), 1, 1};
}

// Calls f(ki, kj, q, pixel) for every kernel tap that lands inside the image: q indexes the grid,
// pixel the image plane.
template <class F>
void forEachTap(const ConvGeometry& g, F&& f) {
  for (uint32_t ki = 0; ki < g.k; ++ki)
    for (uint32_t oh = 0; oh < g.colH; ++oh) {
      const long long h = (long long)oh * g.stride - g.pad + (long long)ki * g.dilation;
      if (h < 0 || h >= g.height) continue;
      for (uint32_t kj = 0; kj < g.k; ++kj)
        for (uint32_t ow = 0; ow < g.colW; ++ow) {
          const long long w = (long long)ow * g.stride - g.pad + (long long)kj * g.dilation;
          if (w < 0 || w >= g.width) continue;
          f(ki, kj, size_t(oh) * g.colW + ow, size_t(h) * g.width + size_t(w));
        }
    }
}

}  // namespace

SampleWindow sampleWindow(const gpu::Context& context, const gpu::BufferRange& tensor, uint64_t sampleFloats,
                          uint32_t first, uint32_t count) {
  // Offsets valid for storage buffers and texel views alike (both alignments are powers of two).
  const uint64_t align = std::max<uint64_t>(
      {context.device().minStorageBufferOffsetAlignment, context.device().minTexelBufferOffsetAlignment, 4});
  const uint64_t start = tensor.offset + uint64_t(first) * sampleFloats * 4;
  const uint64_t bound = std::max(tensor.offset, start - start % align);
  return {gpu::BufferRange(*tensor.buffer, bound, start + uint64_t(count) * sampleFloats * 4 - bound),
          uint32_t((start - bound) / 4)};
}

void im2col(gpu::Recording& rec, const ConvGeometry& g, const SampleWindow& image, uint32_t samples,
            gpu::BufferRange col) {
  // One invocation per value on GPUs (coalesced stores), one per (row, sample) on CPU devices
  // (shaders/im2col.comp); GRADLAB_IM2COL_PER_VALUE=0|1 overrides (the GPU form's tests run on lavapipe).
  const gpu::DeviceInfo& device = rec.context().device();
  bool perValue = device.type != gpu::DeviceType::Cpu;
  if (const char* env = std::getenv("GRADLAB_IM2COL_PER_VALUE"); env && *env) perValue = std::string(env) != "0";
  const uint64_t P = uint64_t(g.colH) * g.colW, rowsAndSamples = uint64_t(g.colRows()) * samples;
  const auto& kernel = rec.context().kernel(kIm2col, {64, 1, 1}, {P % 4 == 0 ? 1u : 0u, perValue ? 1u : 0u});
  const gpu::WorkGroup grid = perValue
                                  ? gpu::foldGroups((rowsAndSamples * P + 63) / 64, device.maxComputeWorkGroupCount)
                                  : groups(rowsAndSamples, 64);
  rec.dispatch(kernel, {image.range, col}, push(g, image.base, samples), grid);
}

void col2im(gpu::Recording& rec, const ConvGeometry& g, gpu::BufferRange col, const SampleWindow& image,
            uint32_t samples, bool accumulate) {
  const auto& kernel = rec.context().kernel(kCol2im, {64, 1, 1}, {accumulate ? 1u : 0u, g.stride == 1 ? 1u : 0u});
  rec.dispatch(kernel, {col, image.range}, push(g, image.base, samples),
               groups(uint64_t(samples) * g.channels * g.height, 64));
}

void toChannelMajor(gpu::Recording& rec, const SampleWindow& tensor, uint32_t samples, uint32_t channels,
                    uint32_t spatial, gpu::BufferRange g) {
  struct {
    uint32_t base, samples, channels, spatial;
  } p{tensor.base, samples, channels, spatial};
  const auto& kernel = rec.context().kernel(kChannelMajor, {256, 1, 1}, {1u, 0u, 0u, spatial % 4 == 0 ? 1u : 0u});
  rec.dispatch(kernel, {tensor.range, g, tensor.range}, p, groups(uint64_t(samples) * channels * spatial / 4 + 1, 256));
}

void fromChannelMajor(gpu::Recording& rec, gpu::BufferRange g, const SampleWindow& tensor, uint32_t samples,
                      uint32_t channels, uint32_t spatial, bool accumulate, gpu::BufferRange bias) {
  struct {
    uint32_t base, samples, channels, spatial;
  } p{tensor.base, samples, channels, spatial};
  const bool hasBias = bias.buffer != nullptr;
  const uint32_t aligned = spatial % 4 == 0 && tensor.base % 4 == 0 ? 1u : 0u;
  const auto& kernel =
      rec.context().kernel(kChannelMajor, {256, 1, 1}, {0u, accumulate ? 1u : 0u, hasBias ? 1u : 0u, aligned});
  rec.dispatch(kernel, {g, tensor.range, hasBias ? bias : g}, p,
               groups(uint64_t(samples) * channels * spatial / 4 + 1, 256));
}

uint64_t convChunkLimitBytes() {
  const uint64_t o = chunkLimitOverride.load();
  return o ? o : kDefaultChunkLimit;
}
void setConvChunkLimitBytesForTesting(uint64_t bytes) { chunkLimitOverride.store(bytes); }

uint64_t convBindingLimit(const gpu::Context& context) {
  const uint64_t device = context.device().maxStorageBufferRange;
  return device ? std::min(convChunkLimitBytes(), device) : convChunkLimitBytes();
}

ConvPlan planConv(const char* layer, uint32_t batch, uint64_t spatial, uint64_t colRows, uint64_t tmpRows,
                  uint64_t sampleFloats, uint64_t limitBytes) {
  const uint64_t limit = limitBytes ? limitBytes : convChunkLimitBytes();
  const uint64_t perSample = std::max({colRows * spatial, tmpRows * spatial, sampleFloats, uint64_t(1)}) * 4;
  const uint64_t usable = limit > 4 * kAlignFloats ? limit - 4 * kAlignFloats : 0;  // room to align windows
  ConvPlan plan;
  plan.chunk = uint32_t(std::min<uint64_t>(batch, usable / perSample));
  if (batch && !plan.chunk)
    throw std::runtime_error(std::string(layer) + ": one sample needs " + std::to_string(perSample >> 20) +
                             " MiB of im2col scratch, more than one storage-buffer binding holds (" +
                             std::to_string(limit >> 20) + " MiB): use fewer channels or a smaller image");
  plan.colFloats = colRows * spatial * plan.chunk;
  plan.tmpOffset = (plan.colFloats + kAlignFloats - 1) / kAlignFloats * kAlignFloats;
  plan.tmpFloats = tmpRows * spatial * plan.chunk;
  plan.totalFloats = plan.tmpOffset + plan.tmpFloats;
  return plan;
}

ConvScratch convScratch(const gpu::BufferRange& workspace, const ConvPlan& plan, uint32_t samples) {
  const uint64_t col = plan.colFloats / plan.chunk * samples, tmp = plan.tmpFloats / plan.chunk * samples;
  return {gpu::BufferRange(*workspace.buffer, workspace.offset, col * 4),
          gpu::BufferRange(*workspace.buffer, workspace.offset + plan.tmpOffset * 4, tmp * 4)};
}

namespace reference {

void convolve(const ConvGeometry& g, uint32_t batch, uint32_t outChannels, const RefTensor& image, const RefTensor& w,
              RefTensor& y) {
  const size_t C = g.channels, O = outChannels, HW = size_t(g.height) * g.width, Q = g.gridSize(), kk = g.k * g.k;
  for (size_t b = 0; b < batch; ++b)
    for (size_t o = 0; o < O; ++o)
      for (size_t c = 0; c < C; ++c) {
        const double* wk = &w[(o * C + c) * kk];
        const double* x = &image[(b * C + c) * HW];
        double* out = &y[(b * O + o) * Q];
        forEachTap(g, [&](uint32_t ki, uint32_t kj, size_t q, size_t pix) { out[q] += wk[ki * g.k + kj] * x[pix]; });
      }
}

void convolveAdjoint(const ConvGeometry& g, uint32_t batch, uint32_t outChannels, const RefTensor& y,
                     const RefTensor& w, RefTensor& image) {
  const size_t C = g.channels, O = outChannels, HW = size_t(g.height) * g.width, Q = g.gridSize(), kk = g.k * g.k;
  for (size_t b = 0; b < batch; ++b)
    for (size_t o = 0; o < O; ++o)
      for (size_t c = 0; c < C; ++c) {
        const double* wk = &w[(o * C + c) * kk];
        double* x = &image[(b * C + c) * HW];
        const double* dy = &y[(b * O + o) * Q];
        forEachTap(g, [&](uint32_t ki, uint32_t kj, size_t q, size_t pix) { x[pix] += wk[ki * g.k + kj] * dy[q]; });
      }
}

void convolveWeightAdjoint(const ConvGeometry& g, uint32_t batch, uint32_t outChannels, const RefTensor& image,
                           const RefTensor& y, RefTensor& dw) {
  const size_t C = g.channels, O = outChannels, HW = size_t(g.height) * g.width, Q = g.gridSize(), kk = g.k * g.k;
  for (size_t b = 0; b < batch; ++b)
    for (size_t o = 0; o < O; ++o)
      for (size_t c = 0; c < C; ++c) {
        double* wk = &dw[(o * C + c) * kk];
        const double* x = &image[(b * C + c) * HW];
        const double* dy = &y[(b * O + o) * Q];
        forEachTap(g, [&](uint32_t ki, uint32_t kj, size_t q, size_t pix) { wk[ki * g.k + kj] += dy[q] * x[pix]; });
      }
}

}  // namespace reference

LayerExport convExport(bool transposed) {
  LayerExport out;
  out.torch = [transposed](const Node&, const NodeInfo& info) {
    const NodeParams& p = info.params;
    const auto integer = [&](const char* name) { return std::to_string(p.integer(name)); };
    std::string text = std::string(transposed ? "nn.ConvTranspose2d(" : "nn.Conv2d(") +
                       std::to_string(info.inputShapes.at(0).channels()) + ", " + integer("out_channels") +
                       ", kernel_size=" + integer("kernel_size") + ", stride=" + integer("stride") +
                       ", padding=" + integer("padding");
    if (transposed) text += ", output_padding=" + integer("output_padding");
    return TorchModule{
        text + ", dilation=" + integer("dilation") + ", bias=" + schema::pyBool(info.shape.params.size() > 1) + ")",
        {}};
  };
  out.onnx = [transposed](const Node& node, const NodeInfo& info) {
    const NodeParams& p = info.params;
    const auto square = [&](const char* name) { return std::vector<int64_t>(2, p.integer(name)); };
    OnnxNode n = schema::onnxWeighted(node, info, transposed ? "ConvTranspose" : "Conv");
    n.attributes = {schema::onnxInts("kernel_shape", square("kernel_size")),
                    schema::onnxInts("strides", square("stride")),
                    schema::onnxInts("pads", std::vector<int64_t>(4, p.integer("padding"))),
                    schema::onnxInts("dilations", square("dilation"))};
    if (transposed) n.attributes.push_back(schema::onnxInts("output_padding", square("output_padding")));
    return std::vector<OnnxNode>{n};
  };
  return out;
}

SpatialRule convSpatial(bool transposed) {
  SpatialRule rule{SpatialRule::Kind::Window, {}, {}};
  rule.window = [transposed](const NodeParams& p) {
    return KernelWindow{double(p.integer("kernel_size")), double(p.integer("stride")), double(p.integer("padding")),
                        double(p.integer("dilation")), transposed};
  };
  return rule;
}

}  // namespace gradlab::nn::layers

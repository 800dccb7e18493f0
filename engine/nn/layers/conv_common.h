#pragma once
// Shared by Conv2d and ConvTranspose2d: im2col / col2im and the batch-major <-> channel-major
// moves on the GPU, how a batch is split into chunks whose buffers fit one storage-buffer binding,
// and the double-precision convolution references.
//
// A convolution's geometry: an image (channels x height x width) and the grid of kernel positions
// over it (colH x colW). For Conv2d the image is the input and the grid its output; for
// ConvTranspose2d the image is the output and the grid its input.
#include "nn/layers/common.h"

#include <cstdint>

namespace gradlab::nn::layers {

struct ConvGeometry {
  uint32_t channels = 0, height = 0, width = 0;
  uint32_t colH = 0, colW = 0;
  uint32_t k = 1, stride = 1, pad = 0, dilation = 1;

  uint32_t colRows() const { return channels * k * k; }
  uint32_t gridSize() const { return colH * colW; }
  uint32_t imageSize() const { return channels * height * width; }

  // From a convolution node's hyper-parameters: `image` is the side the kernel slides over
  // (Conv2d's input, ConvTranspose2d's output), `grid` the side of kernel positions.
  static ConvGeometry of(const NodeParams& params, const Shape& image, const Shape& grid) {
    ConvGeometry g;
    g.channels = image.channels();
    g.height = image.height();
    g.width = image.width();
    g.colH = grid.height();
    g.colW = grid.width();
    g.k = uint32_t(params.integer("kernel_size"));
    g.stride = uint32_t(params.integer("stride"));
    g.pad = uint32_t(params.integer("padding"));
    g.dilation = uint32_t(params.integer("dilation"));
    return g;
  }
};

// A chunk of samples [first, first + count) of a batch-first tensor bound from an aligned offset:
// the chunk starts at float `base` of `range`.
struct SampleWindow {
  gpu::BufferRange range;
  uint32_t base = 0;
};
SampleWindow sampleWindow(const gpu::Context& context, const gpu::BufferRange& tensor, uint64_t sampleFloats,
                          uint32_t first, uint32_t count);

// col[r][bb P + q] = image[bb, ...] for the samples of `image` (see shaders/im2col.comp).
void im2col(gpu::Recording& rec, const ConvGeometry& g, const SampleWindow& image, uint32_t samples,
            gpu::BufferRange col);
// image[bb, ...] (+)= the adjoint of im2col applied to col.
void col2im(gpu::Recording& rec, const ConvGeometry& g, gpu::BufferRange col, const SampleWindow& image,
            uint32_t samples, bool accumulate);
// g[c][bb spatial + q] = tensor[bb, c, q]
void toChannelMajor(gpu::Recording& rec, const SampleWindow& tensor, uint32_t samples, uint32_t channels,
                    uint32_t spatial, gpu::BufferRange g);
// tensor[bb, c, q] (+)= g[c][bb spatial + q] (+ bias[c] when bias.buffer is set)
void fromChannelMajor(gpu::Recording& rec, gpu::BufferRange g, const SampleWindow& tensor, uint32_t samples,
                      uint32_t channels, uint32_t spatial, bool accumulate, gpu::BufferRange bias = {});

// The workspace of a convolution: a chunk of samples at a time, `col` (colRows x chunk*spatial)
// and `tmp` (tmpRows x chunk*spatial) at an offset aligned for any device.
struct ConvPlan {
  uint32_t chunk = 0;  // samples per chunk
  uint64_t colFloats = 0, tmpOffset = 0, tmpFloats = 0, totalFloats = 0;
  uint32_t chunks(uint32_t batch) const { return chunk ? (batch + chunk - 1) / chunk : 0; }
};
struct ConvScratch {
  gpu::BufferRange col, tmp;
};
// The col and tmp ranges of `workspace` for a chunk of `samples` (at most plan.chunk).
ConvScratch convScratch(const gpu::BufferRange& workspace, const ConvPlan& plan, uint32_t samples);
// `sampleFloats`: the largest per-sample size of any tensor bound per chunk. `limitBytes`: the
// binding size a chunk must fit (0: convChunkLimitBytes()). Throws std::runtime_error naming
// `layer` when one sample alone does not fit.
ConvPlan planConv(const char* layer, uint32_t batch, uint64_t spatial, uint64_t colRows, uint64_t tmpRows,
                  uint64_t sampleFloats, uint64_t limitBytes = 0);
// What planConv uses at record time: the smaller of the chunk limit and the device's binding limit.
uint64_t convBindingLimit(const gpu::Context& context);

// 128 MiB, the smallest maxStorageBufferRange Vulkan allows; tests lower it to exercise chunking.
uint64_t convChunkLimitBytes();
void setConvChunkLimitBytesForTesting(uint64_t bytes);  // 0: back to the default

// Conv2d's and ConvTranspose2d's PyTorch module and ONNX node (Conv, ConvTranspose) and their
// window for receptive fields (transposed: stride 1/s over the input).
LayerExport convExport(bool transposed);
SpatialRule convSpatial(bool transposed);

namespace reference {
// y[b, o, q] += sum over c, ki, kj of w[o, c, ki, kj] * image[b, c, tap]: convolution of the image
// (g.channels) into outChannels on the grid.
void convolve(const ConvGeometry& g, uint32_t batch, uint32_t outChannels, const RefTensor& image, const RefTensor& w,
              RefTensor& y);
// image[b, c, tap] += sum over o of w[o, c, ki, kj] * y[b, o, q]: the adjoint of convolve in the image.
void convolveAdjoint(const ConvGeometry& g, uint32_t batch, uint32_t outChannels, const RefTensor& y,
                     const RefTensor& w, RefTensor& image);
// dw[o, c, ki, kj] += sum over b, q of y[b, o, q] * image[b, c, tap]: the adjoint in the weights.
void convolveWeightAdjoint(const ConvGeometry& g, uint32_t batch, uint32_t outChannels, const RefTensor& image,
                           const RefTensor& y, RefTensor& dw);
}  // namespace reference

}  // namespace gradlab::nn::layers

#pragma once
// Convolution through the FFT, for large kernels where im2col + GEMM costs O(k^2) per output:
// stride 1, dilation 1, groups 1, a square k x k kernel, any zero padding. Cross-correlation as
// PyTorch's Conv2d: y[n, o] = sum over c of x[n, c] (padded) correlated with w[o, c], plus b[o].
//
// Each image and kernel is zero-padded into a complex plane at least as large as the padded input
// (so the circular products equal the linear ones), transformed by VkFFT, multiplied and summed
// over channels pointwise (shaders/fft_conv_multiply.comp), transformed back and cropped:
//   forward      Y  = sum_c X  conj(W)   (correlation)   crop at (0, 0)
//   input grad   DX = sum_o DY W         (convolution)   crop at (pad, pad)
//   weight grad  DW = sum_n X  conj(DY)  (correlation)   crop the k x k corner
// Three VkFFT plans are made on construction (~0.2 s each on lavapipe): keep the object.
#include "fft/fft2d.h"
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"

#include <cstdint>
#include <memory>

namespace gradlab::fft {

struct FftConvShape {
  uint32_t batch = 1, inChannels = 1, outChannels = 1, height = 1, width = 1, kernel = 1, padding = 0;

  uint32_t outHeight() const { return height + 2 * padding - kernel + 1; }
  uint32_t outWidth() const { return width + 2 * padding - kernel + 1; }
};

// The smallest n >= minimum whose prime factors are 2, 3, 5 and 7: sizes VkFFT transforms fast.
uint32_t fftFriendlySize(uint32_t minimum);

class FftConv2d {
 public:
  // Throws std::invalid_argument for a zero size or a kernel larger than the padded input.
  FftConv2d(gpu::Context& context, const FftConvShape& shape);

  const FftConvShape& shape() const { return shape_; }
  uint32_t transformHeight() const { return sizeH_; }
  uint32_t transformWidth() const { return sizeW_; }

  // Tensors are float ranges, batch-first, channels, rows, columns: x (batch, in, H, W),
  // w (out, in, k, k), b (out; an empty range for none), y and dy (batch, out, outH, outW).
  // Each call records its own transforms; the results are written, not accumulated.
  void recordForward(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange w, gpu::BufferRange b,
                     gpu::BufferRange y);
  void recordInputGradient(gpu::Recording& rec, gpu::BufferRange dy, gpu::BufferRange w, gpu::BufferRange dx);
  void recordWeightGradient(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange dy, gpu::BufferRange dw);

 private:
  // `count` complex planes and the plan that transforms them all at once. A VkFFT plan binds its
  // buffer when a transform is recorded, so two buffers cannot share one plan in a recording.
  struct Spectra {
    std::unique_ptr<Fft2d> plan;
    std::unique_ptr<gpu::Buffer> data;
  };
  Spectra spectra(uint32_t count);
  void pad(gpu::Recording& rec, gpu::BufferRange source, uint32_t planes, uint32_t height, uint32_t width,
           uint32_t offset, Spectra& target);
  void crop(gpu::Recording& rec, Spectra& source, uint32_t planes, uint32_t height, uint32_t width, uint32_t offset,
            gpu::BufferRange bias, gpu::BufferRange target);
  struct Mix {
    uint32_t countI, countJ, countR, aI, aJ, aR, bI, bJ, bR;
    bool conjugateB;
  };
  void multiply(gpu::Recording& rec, const Spectra& a, const Spectra& b, const Mix& mix, Spectra& out);
  void checkRange(const gpu::BufferRange& range, uint64_t floats, const char* what) const;

  gpu::Context& context_;
  FftConvShape shape_;
  uint32_t sizeH_, sizeW_;
  Spectra x_, w_, y_;  // batch x in, out x in, batch x out planes
};

}  // namespace gradlab::fft

#pragma once
// 2-D complex-to-complex FFTs on the device through VkFFT. Data are interleaved complex floats
// (re, im), row-major height x width, `batch` transforms back to back, transformed in place.
// Plans generate and compile shaders (~0.2 s on lavapipe): make one per size and keep it.
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"

#include <complex>
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace gradlab::fft {

enum class Direction { Forward, Inverse };  // Inverse is unnormalised, like FFTW and VkFFT

class Fft2d {
 public:
  Fft2d(gpu::Context& context, uint32_t width, uint32_t height, uint32_t batch = 1);
  ~Fft2d();
  Fft2d(const Fft2d&) = delete;
  Fft2d& operator=(const Fft2d&) = delete;

  uint64_t bytes() const { return uint64_t(width_) * height_ * batch_ * 8; }
  // Records the transform of `data` (at least bytes() long) into `rec`.
  void record(gpu::Recording& rec, const gpu::Buffer& data, Direction direction);

 private:
  struct Plan;
  gpu::Context& context_;
  uint32_t width_, height_, batch_;
  std::unique_ptr<Plan> plan_;
};

namespace reference {
// Naive 2-D DFT in double precision (O(n^2) per axis), same layout and sign convention.
std::vector<std::complex<double>> dft2d(std::span<const std::complex<float>> data, uint32_t width, uint32_t height,
                                        Direction direction);
}  // namespace reference

}  // namespace gradlab::fft

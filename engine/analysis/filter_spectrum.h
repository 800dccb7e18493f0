#pragma once
// What spatial frequencies learned filters respond to: each small k x k filter zero-padded to
// size x size, transformed by VkFFT on the device, its magnitude |F| with the zero frequency moved
// to the centre (fftshift). A smooth filter shows a bright centre, an edge detector two lobes
// across its edge's direction.
#include "fft/fft2d.h"
#include "gpu/buffer.h"
#include "gpu/context.h"

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

namespace gradlab::analysis {

class FilterSpectrum {
 public:
  // `size`: the padded transform's side (>= the filters' side), e.g. 16 or 32.
  FilterSpectrum(gpu::Context& context, uint32_t size);

  uint32_t size() const { return size_; }
  // `filters`: `count` filters of height x width floats, back to back. Returns count x size x size
  // magnitudes, fftshifted (frequency 0 at row size/2, column size/2). Throws std::invalid_argument
  // for a filter larger than the transform.
  std::vector<float> magnitudes(std::span<const float> filters, uint32_t count, uint32_t height, uint32_t width);

 private:
  gpu::Context& context_;
  uint32_t size_;
  uint32_t planCount_ = 0;  // the batch the plan and buffer were made for
  std::unique_ptr<fft::Fft2d> plan_;
  std::unique_ptr<gpu::Buffer> data_;
};

namespace reference {
// The same in double precision with a direct DFT.
std::vector<double> filterMagnitudes(std::span<const float> filters, uint32_t count, uint32_t height, uint32_t width,
                                     uint32_t size);
}  // namespace reference

}  // namespace gradlab::analysis

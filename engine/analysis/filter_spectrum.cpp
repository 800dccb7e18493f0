#include "analysis/filter_spectrum.h"

#include <cmath>
#include <complex>
#include <numbers>
#include <stdexcept>
#include <string>

namespace gradlab::analysis {
namespace {

void checkSizes(size_t values, uint32_t count, uint32_t height, uint32_t width, uint32_t size) {
  if (height == 0 || width == 0 || height > size || width > size)
    throw std::invalid_argument("A " + std::to_string(height) + "x" + std::to_string(width) +
                                " filter does not fit a " + std::to_string(size) + "x" + std::to_string(size) +
                                " spectrum: choose a larger spectrum size.");
  if (values < size_t(count) * height * width)
    throw std::invalid_argument("FilterSpectrum: fewer values than count x height x width.");
}

// Index of frequency (u, v) after fftshift.
size_t shifted(uint32_t u, uint32_t v, uint32_t size) {
  return size_t((u + size / 2) % size) * size + (v + size / 2) % size;
}

}  // namespace

FilterSpectrum::FilterSpectrum(gpu::Context& context, uint32_t size) : context_(context), size_(size) {
  if (size < 2 || size > 256) throw std::invalid_argument("The filter spectrum size must be 2 to 256.");
}

std::vector<float> FilterSpectrum::magnitudes(std::span<const float> filters, uint32_t count, uint32_t height,
                                              uint32_t width) {
  checkSizes(filters.size(), count, height, width, size_);
  if (count == 0) return {};
  if (count != planCount_) {  // a plan per batch size: a new one only when the filter count changes
    plan_ = std::make_unique<fft::Fft2d>(context_, size_, size_, count);
    data_ = std::make_unique<gpu::Buffer>(context_, plan_->bytes());
    planCount_ = count;
  }
  const size_t plane = size_t(size_) * size_;
  std::vector<std::complex<float>> padded(plane * count);
  for (uint32_t f = 0; f < count; ++f)
    for (uint32_t r = 0; r < height; ++r)
      for (uint32_t c = 0; c < width; ++c)
        padded[f * plane + size_t(r) * size_ + c] = filters[(size_t(f) * height + r) * width + c];
  data_->upload(padded.data(), padded.size() * sizeof(padded[0]));
  gpu::Recording rec(context_, 0);
  plan_->record(rec, *data_, fft::Direction::Forward);
  context_.run(rec);
  data_->download(padded.data(), padded.size() * sizeof(padded[0]));
  std::vector<float> out(plane * count);
  for (uint32_t f = 0; f < count; ++f)
    for (uint32_t u = 0; u < size_; ++u)
      for (uint32_t v = 0; v < size_; ++v)
        out[f * plane + shifted(u, v, size_)] = std::abs(padded[f * plane + u * size_ + v]);
  return out;
}

namespace reference {

std::vector<double> filterMagnitudes(std::span<const float> filters, uint32_t count, uint32_t height, uint32_t width,
                                     uint32_t size) {
  checkSizes(filters.size(), count, height, width, size);
  const size_t plane = size_t(size) * size;
  std::vector<double> out(plane * count);
  for (uint32_t f = 0; f < count; ++f)
    for (uint32_t u = 0; u < size; ++u)
      for (uint32_t v = 0; v < size; ++v) {
        std::complex<double> sum = 0;  // the padding is zero: only the filter's own taps count
        for (uint32_t r = 0; r < height; ++r)
          for (uint32_t c = 0; c < width; ++c) {
            const double phase = -2 * std::numbers::pi * (double(u) * r + double(v) * c) / size;
            sum += double(filters[(size_t(f) * height + r) * width + c]) * std::polar(1.0, phase);
          }
        out[f * plane + shifted(u, v, size)] = std::abs(sum);
      }
  return out;
}

}  // namespace reference
}  // namespace gradlab::analysis

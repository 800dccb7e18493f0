#include "fft/fft_conv2d.h"

#include "spirv/shaders.h"

#include <algorithm>
#include <stdexcept>
#include <string>
#include <utility>

namespace gradlab::fft {
namespace {

using gpu::Access;
const gpu::KernelSpec kPad{"fft_conv_pad", spirv::fft_conv_pad, {Access::Read, Access::Write}};
const gpu::KernelSpec kCrop{"fft_conv_crop", spirv::fft_conv_crop, {Access::Read, Access::Read, Access::Write}};
const gpu::KernelSpec kMultiply{
    "fft_conv_multiply", spirv::fft_conv_multiply, {Access::Read, Access::Read, Access::Write}};

constexpr uint32_t kLocal = 256;

gpu::WorkGroup groups(uint64_t n) { return {uint32_t(std::clamp<uint64_t>((n + kLocal - 1) / kLocal, 1, 4096)), 1, 1}; }

}  // namespace

uint32_t fftFriendlySize(uint32_t minimum) {
  for (uint32_t n = std::max(minimum, 1u);; ++n) {
    uint32_t rest = n;
    for (uint32_t p : {2u, 3u, 5u, 7u})
      while (rest % p == 0) rest /= p;
    if (rest == 1) return n;
  }
}

FftConv2d::FftConv2d(gpu::Context& context, const FftConvShape& shape) : context_(context), shape_(shape) {
  const FftConvShape& s = shape;
  if (!s.batch || !s.inChannels || !s.outChannels || !s.height || !s.width || !s.kernel)
    throw std::invalid_argument("FFT convolution: batch, channels, image and kernel sizes must be positive.");
  if (s.kernel > s.height + 2 * s.padding || s.kernel > s.width + 2 * s.padding)
    throw std::invalid_argument("FFT convolution: a " + std::to_string(s.kernel) + "x" + std::to_string(s.kernel) +
                                " kernel is larger than the padded " + std::to_string(s.height) + "x" +
                                std::to_string(s.width) + " input: use a smaller kernel or more padding.");
  // At least the padded input: then no circular product wraps into the part that is kept.
  sizeH_ = fftFriendlySize(s.height + 2 * s.padding);
  sizeW_ = fftFriendlySize(s.width + 2 * s.padding);
  const uint64_t largest =
      uint64_t(std::max({s.batch * s.inChannels, s.outChannels * s.inChannels, s.batch * s.outChannels})) * sizeH_ *
      sizeW_ * 8;
  const uint64_t limit = context.device().maxStorageBufferRange;
  if (limit && largest > limit)
    throw std::invalid_argument("FFT convolution: the spectra need " + std::to_string(largest >> 20) +
                                " MiB, more than one storage-buffer binding holds (" + std::to_string(limit >> 20) +
                                " MiB): use a smaller batch or fewer channels.");
  x_ = spectra(s.batch * s.inChannels);
  w_ = spectra(s.outChannels * s.inChannels);
  y_ = spectra(s.batch * s.outChannels);
}

FftConv2d::Spectra FftConv2d::spectra(uint32_t count) {
  auto plan = std::make_unique<Fft2d>(context_, sizeW_, sizeH_, count);
  auto data = std::make_unique<gpu::Buffer>(context_, plan->bytes());
  return {std::move(plan), std::move(data)};
}

void FftConv2d::checkRange(const gpu::BufferRange& range, uint64_t floats, const char* what) const {
  if (!range.buffer || range.bytes < floats * 4)
    throw std::invalid_argument(std::string("FFT convolution: ") + what + " needs " + std::to_string(floats) +
                                " floats; the range given is smaller.");
}

void FftConv2d::pad(gpu::Recording& rec, gpu::BufferRange source, uint32_t planes, uint32_t height, uint32_t width,
                    uint32_t offset, Spectra& target) {
  struct {
    uint32_t planes, height, width, sizeH, sizeW, offsetY, offsetX;
  } p{planes, height, width, sizeH_, sizeW_, offset, offset};
  rec.dispatch(context_.kernel(kPad, {kLocal, 1, 1}), {source, *target.data}, p,
               groups(uint64_t(planes) * sizeH_ * sizeW_));
  target.plan->record(rec, *target.data, Direction::Forward);
}

void FftConv2d::crop(gpu::Recording& rec, Spectra& source, uint32_t planes, uint32_t height, uint32_t width,
                     uint32_t offset, gpu::BufferRange bias, gpu::BufferRange target) {
  source.plan->record(rec, *source.data, Direction::Inverse);
  const bool hasBias = bias.buffer != nullptr;
  struct {
    uint32_t planes, height, width, sizeH, sizeW, offsetY, offsetX, biasChannels;
    float scale;
  } p{planes,
      height,
      width,
      sizeH_,
      sizeW_,
      offset,
      offset,
      hasBias ? shape_.outChannels : 0u,
      float(1.0 / (double(sizeH_) * sizeW_))};
  rec.dispatch(context_.kernel(kCrop, {kLocal, 1, 1}), {*source.data, hasBias ? bias : target, target}, p,
               groups(uint64_t(planes) * height * width));
}

void FftConv2d::multiply(gpu::Recording& rec, const Spectra& a, const Spectra& b, const Mix& m, Spectra& out) {
  const uint32_t planeSize = sizeH_ * sizeW_;
  struct {
    uint32_t countI, countJ, countR, planeSize, aI, aJ, aR, bI, bJ, bR, conjugateB;
  } p{m.countI, m.countJ, m.countR, planeSize, m.aI, m.aJ, m.aR, m.bI, m.bJ, m.bR, m.conjugateB ? 1u : 0u};
  rec.dispatch(context_.kernel(kMultiply, {kLocal, 1, 1}), {*a.data, *b.data, *out.data}, p,
               groups(uint64_t(m.countI) * m.countJ * planeSize));
}

void FftConv2d::recordForward(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange w, gpu::BufferRange b,
                              gpu::BufferRange y) {
  const FftConvShape& s = shape_;
  const uint32_t N = s.batch, C = s.inChannels, O = s.outChannels;
  checkRange(x, uint64_t(N) * C * s.height * s.width, "the input");
  checkRange(w, uint64_t(O) * C * s.kernel * s.kernel, "the weight");
  if (b.buffer) checkRange(b, O, "the bias");
  checkRange(y, uint64_t(N) * O * s.outHeight() * s.outWidth(), "the output");
  pad(rec, x, N * C, s.height, s.width, s.padding, x_);
  pad(rec, w, O * C, s.kernel, s.kernel, 0, w_);
  // Y[n, o] = sum over c of X[n, c] conj(W[o, c])
  multiply(rec, x_, w_, {N, O, C, C, 0, 1, 0, C, 1, true}, y_);
  crop(rec, y_, N * O, s.outHeight(), s.outWidth(), 0, b, y);
}

void FftConv2d::recordInputGradient(gpu::Recording& rec, gpu::BufferRange dy, gpu::BufferRange w, gpu::BufferRange dx) {
  const FftConvShape& s = shape_;
  const uint32_t N = s.batch, C = s.inChannels, O = s.outChannels;
  checkRange(dy, uint64_t(N) * O * s.outHeight() * s.outWidth(), "the output gradient");
  checkRange(w, uint64_t(O) * C * s.kernel * s.kernel, "the weight");
  checkRange(dx, uint64_t(N) * C * s.height * s.width, "the input gradient");
  pad(rec, dy, N * O, s.outHeight(), s.outWidth(), 0, y_);
  pad(rec, w, O * C, s.kernel, s.kernel, 0, w_);
  // DX[n, c] = sum over o of DY[n, o] W[o, c]: the full convolution, cropped back to the unpadded input.
  multiply(rec, y_, w_, {N, C, O, O, 0, 1, 0, 1, C, false}, x_);
  crop(rec, x_, N * C, s.height, s.width, s.padding, {}, dx);
}

void FftConv2d::recordWeightGradient(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange dy,
                                     gpu::BufferRange dw) {
  const FftConvShape& s = shape_;
  const uint32_t N = s.batch, C = s.inChannels, O = s.outChannels;
  checkRange(x, uint64_t(N) * C * s.height * s.width, "the input");
  checkRange(dy, uint64_t(N) * O * s.outHeight() * s.outWidth(), "the output gradient");
  checkRange(dw, uint64_t(O) * C * s.kernel * s.kernel, "the weight gradient");
  pad(rec, x, N * C, s.height, s.width, s.padding, x_);
  pad(rec, dy, N * O, s.outHeight(), s.outWidth(), 0, y_);
  // DW[o, c] = sum over n of X[n, c] conj(DY[n, o])
  multiply(rec, x_, y_, {O, C, N, 0, 1, C, 1, 0, O, true}, w_);
  crop(rec, w_, O * C, s.kernel, s.kernel, 0, {}, dw);
}

}  // namespace gradlab::fft

#pragma once
// Small GPU building blocks the layers share, and their CPU twins.
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/layer.h"

#include <cstdint>

namespace gradlab::nn::layers {

// y[b, c, s] += bias[c]
void addBias(gpu::Recording& rec, gpu::BufferRange bias, gpu::BufferRange y, uint32_t batch, uint32_t channels,
             uint32_t spatial);
// out[c] (+)= sum over b, s of x[b, c, s]
void channelSum(gpu::Recording& rec, gpu::BufferRange x, gpu::BufferRange out, uint32_t batch, uint32_t channels,
                uint32_t spatial, bool accumulate = false);
// dst = src, or dst += src
void copyOrAdd(gpu::Recording& rec, gpu::BufferRange src, gpu::BufferRange dst, uint32_t n, bool accumulate);

// The range of a pass's i-th gradient input that should be written, or an empty range.
inline bool wantsGrad(const BackwardPass& pass, size_t i) {
  return i < pass.needGradInput.size() ? pass.needGradInput[i] : true;
}
inline bool accumulates(const BackwardPass& pass, size_t i) { return i < pass.accumulate.size() && pass.accumulate[i]; }

}  // namespace gradlab::nn::layers

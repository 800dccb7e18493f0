#pragma once
// The stride-1 convolution of a small layer with every kernel tap unrolled
// (shaders/conv2d_unrolled.comp): the forward pass with its bias, and the input gradient, each in
// one dispatch with no column matrix. The CPU-device form of Conv2d's forward and input gradient;
// the weight gradient stays im2col + GEMM.
#include "nn/layers/conv_common.h"

namespace gradlab::nn::layers {

// Unrolled, each invocation multiplies channels x outChannels x k x k weights into registers: the
// largest product compiled this way (LeNet-5's C3 is 6 x 16 x 5 x 5 = 2400; a few seconds of
// pipeline compilation on lavapipe, once).
constexpr uint32_t kMaxUnrolledWeights = 2400;

// Whether `context` runs the forward pass (or, with `inputGradient`, the input gradient) of the
// convolution g -> outChannels over `samples` samples this way: on CPU devices, for stride 1,
// dilation 1 and at most kMaxUnrolledWeights weights (the input gradient also needs padding
// <= k - 1). GRADLAB_CONV_UNROLLED=0 or 1 overrides the device rule (tests run both forms).
bool convUnrolled(const gpu::Context& context, const ConvGeometry& g, uint32_t outChannels, uint32_t samples,
                  bool inputGradient);

// y = conv(x, weight) + bias (bias.buffer unset: none) for `samples` samples.
void convUnrolledForward(gpu::Recording& rec, const ConvGeometry& g, uint32_t outChannels, uint32_t samples,
                         gpu::BufferRange x, gpu::BufferRange weight, gpu::BufferRange bias, gpu::BufferRange y);
// dx (+)= the input gradient of that convolution for dy.
void convUnrolledInputGradient(gpu::Recording& rec, const ConvGeometry& g, uint32_t outChannels, uint32_t samples,
                               gpu::BufferRange dy, gpu::BufferRange weight, gpu::BufferRange dx, bool accumulate);

}  // namespace gradlab::nn::layers

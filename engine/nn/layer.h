#pragma once
// A layer of a compiled network: its GPU forward and backward passes, and beside them the plain
// CPU reference in double precision that tests compare them with (forward values and, through
// finite differences, gradients). One layer type per file in nn/layers/, its shaders in shaders/.
//
// Tensors are float32, batch first, contiguous: a layer with output shape {C, H, W} writes
// batch * C * H * W floats.
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "nn/conv_algorithm.h"
#include "nn/graph.h"
#include "ops/gemm.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gradlab::nn {

using RefTensor = std::vector<double>;

// What a forward pass reads and writes. `workspace` is the layer's own scratch, kept from forward
// to backward (dropout masks, normalisation statistics); its size is workspaceFloats(batch).
struct ForwardPass {
  gpu::Recording& rec;
  uint32_t batch = 0;
  bool training = true;
  std::vector<gpu::BufferRange> inputs;
  gpu::BufferRange output;
  std::vector<gpu::BufferRange> params;   // in LayerShape::params order
  std::vector<gpu::BufferRange> buffers;  // in LayerShape::buffers order (running statistics)
  gpu::BufferRange workspace;
  gpu::BufferRange labels;  // losses: one uint32 class index per sample
  gpu::BufferRange step;    // a uint32 step counter on the device: randomness differs each step
  uint32_t seed = 0;        // the run's seed: randomness is reproducible
  // Set when the caller records the product outputProduct() describes: forward() then records
  // only what comes before it.
  bool productByCaller = false;
};

// A forward pass that ends in one product, described as data: the output is op(A) op(B) + bias
// (bias: N floats added to every row; empty for none), C packed. A Linear layer's: y = x W^T + b.
// Whoever records the forward pass (train/step_builder.h) may record it itself, with the
// point-wise activation after the layer applied as the GEMM stores it.
struct OutputProduct {
  ops::GemmShape shape;
  gpu::BufferRange a, b, bias;
  gpu::BufferRange scratch;  // for splitting K (ops::gemm); empty: not split
};

// A parameter gradient that is one product, described as data: the gradient of params[param] is
// op(A) op(B) (shape.alpha times it, C packed), and with rowSumsParam the gradient of
// params[*rowSumsParam] is the row sums of op(A), times alpha. A Linear layer's: dW = dy^T x and
// db = the sum over the batch of dy. Whoever records a training step (train/step_builder.h) records
// these itself, choosing what happens as each gradient is stored: kept, checked for values that
// are not finite, or turned into the SGD step in place.
struct GradientProduct {
  ops::GemmShape shape;
  gpu::BufferRange a, b;
  gpu::BufferRange scratch;  // for splitting K (ops::gemm); empty: not split
  size_t param = 0;
  std::optional<size_t> rowSumsParam;
};

// Records `product` into `grad` and its row sums into `rowSumsGrad`, with `epilogue` where the GEMM
// can apply it (GemmFused says whether it did); the row sums by a pass of their own where the GEMM
// cannot make them. An SGD epilogue must take the row sums too (it throws std::logic_error
// otherwise): its destinations are the parameters themselves.
ops::GemmFused recordGradientProduct(gpu::Recording& rec, const GradientProduct& product, gpu::BufferRange grad,
                                     gpu::BufferRange rowSumsGrad, const ops::GemmEpilogue& epilogue = {});

struct BackwardPass {
  gpu::Recording& rec;
  uint32_t batch = 0;
  bool training = true;  // the mode of the forward pass this one follows
  std::vector<gpu::BufferRange> inputs;
  gpu::BufferRange output;
  gpu::BufferRange gradOutput;               // d loss / d output (unused by losses: they start it)
  std::vector<gpu::BufferRange> gradInputs;  // d loss / d input i, written or added to
  std::vector<bool> accumulate;              // add into gradInputs[i] (a fan-out), don't overwrite
  std::vector<bool> needGradInput;           // false: nobody needs d/d input i (the network input)
  std::vector<gpu::BufferRange> params;
  std::vector<gpu::BufferRange> paramGrads;  // overwritten with this batch's gradient
  gpu::BufferRange workspace;
  gpu::BufferRange labels;
  gpu::BufferRange step;
  uint32_t seed = 0;
  // Set when the caller records the gradients gradientProducts() describes: backward() then leaves
  // them out and records only the rest.
  bool productsByCaller = false;
  // Set when the caller records the product inputGradientProduct() describes: backward() then
  // leaves it out too.
  bool inputGradientByCaller = false;
};

// The gradient of input 0 when a backward pass makes it as one product, described as data:
// op(A) op(B), added to what gradInputs[0] holds when the pass accumulates (shape.beta 1), C
// packed. A Linear layer's: dx = dy W. Whoever records the backward pass (train/step_builder.h)
// may record it itself, with the point-wise activation before the layer applied as the GEMM
// stores it.
struct InputGradientProduct {
  ops::GemmShape shape;
  gpu::BufferRange a, b;
  gpu::BufferRange scratch;  // for splitting K (ops::gemm); empty: not split
};

struct RefForward {
  uint32_t batch = 0;
  bool training = true;
  std::vector<const RefTensor*> inputs;
  RefTensor* output = nullptr;  // sized by the caller
  std::vector<const RefTensor*> params;
  std::vector<RefTensor*> buffers;  // updated in training (running statistics)
  const std::vector<uint32_t>* labels = nullptr;
  uint32_t step = 0;
  uint32_t seed = 0;
};

struct RefBackward {
  uint32_t batch = 0;
  bool training = true;  // the mode of the forward pass this one follows
  std::vector<const RefTensor*> inputs;
  const RefTensor* output = nullptr;
  const RefTensor* gradOutput = nullptr;
  std::vector<RefTensor*> gradInputs;  // sized by the caller; overwritten
  std::vector<const RefTensor*> params;
  std::vector<RefTensor*> paramGrads;     // sized by the caller; overwritten
  std::vector<const RefTensor*> buffers;  // running statistics as the forward pass left them
  const std::vector<uint32_t>* labels = nullptr;
  uint32_t step = 0;
  uint32_t seed = 0;
};

// A point-wise activation (Sigmoid, Tanh, ReLU, LeakyReLU, ELU) as another layer's pass can apply it.
struct PointwiseActivation {
  ops::ActivationOp op = ops::ActivationOp::Relu;
  float param = 0;  // LeakyReLU's negative_slope, ELU's alpha
};

class Layer {
 public:
  explicit Layer(const NodeInfo& info) : info_(info) {}
  virtual ~Layer() = default;

  const NodeInfo& info() const { return info_; }
  const Shape& inputShape(size_t i = 0) const { return info_.inputShapes.at(i); }
  const Shape& outputShape() const { return info_.shape.output; }

  virtual uint64_t workspaceFloats(uint32_t /*batch*/) const { return 0; }
  virtual void forward(const ForwardPass& pass) const = 0;
  virtual void backward(const BackwardPass& pass) const = 0;

  // What may be fused across layers, described by the layers; train/step_builder.h decides:
  //   pointwiseActivation: this layer is a point-wise activation another layer's GEMM can apply.
  //   outputProduct: the product the forward pass `pass` ends with; none by default (forward()
  //   records it all).
  //   inputGradientProduct: the product that makes the gradient of input 0 in the backward pass
  //   `pass`; none by default, nor when the pass does not want that gradient.
  virtual std::optional<PointwiseActivation> pointwiseActivation() const { return std::nullopt; }
  virtual std::optional<OutputProduct> outputProduct(const ForwardPass& /*pass*/) const { return std::nullopt; }
  virtual std::optional<InputGradientProduct> inputGradientProduct(const BackwardPass& /*pass*/) const {
    return std::nullopt;
  }

  // The parameter gradients this layer's backward pass makes as plain products (GradientProduct),
  // for the pass `pass`; none by default (backward() records them all, however it does).
  virtual std::vector<GradientProduct> gradientProducts(const BackwardPass& /*pass*/) const { return {}; }

  virtual void forwardReference(const RefForward& pass) const = 0;
  virtual void backwardReference(const RefBackward& pass) const = 0;

  // Convolutions: how the GPU passes compute at LayerOptions::batch, "fft" or "direct", with in
  // parentheses why not the FFT when it was asked for and cannot be used. Empty for other layers.
  virtual std::string convolutionPath() const { return {}; }

 protected:
  NodeInfo info_;
};

// What a layer's choice of algorithm depends on beyond its node. A layer built alone computes
// convolutions directly; a Network passes its setting, batch and device.
struct LayerOptions {
  ConvAlgorithm conv = ConvAlgorithm::Direct;
  uint32_t batch = 1;         // the batch size the layer will mostly be recorded with
  uint64_t bindingLimit = 0;  // the device's maxStorageBufferRange in bytes; 0: Vulkan's minimum
  // The device whose GEMM plans size the layers' split-K scratch (ops::gemmScratchFloats); null:
  // the CPU devices' figure for convolutions, none for Linear layers. Read while the layer is made.
  const gpu::DeviceInfo* device = nullptr;
};

// The layer for a checked node (NodeInfo::valid). Throws std::invalid_argument for a type that
// has no GPU implementation yet.
std::unique_ptr<Layer> createLayer(const NodeInfo& info, const LayerOptions& options = {});

}  // namespace gradlab::nn

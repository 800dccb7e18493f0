#pragma once
// A checked graph compiled for the GPU at a fixed batch size: one Layer per node, device buffers
// for every activation, gradient, parameter and workspace, and the recording of the forward and
// backward passes. The same Layer objects also run the double-precision reference of the whole
// network, which tests compare against.
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/conv_algorithm.h"
#include "nn/graph.h"
#include "nn/layer.h"

#include <algorithm>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gradlab::nn {

struct Parameter {
  size_t node = 0;               // index into Graph::nodes
  std::string name;              // "h1.weight"
  ParamTensor tensor;            // shape, role, fans
  gpu::BufferRange value, grad;  // count() floats each, in the network's parameter and gradient buffers
  uint32_t count() const { return uint32_t(tensor.shape.elements()); }
  std::vector<float> readValues() const { return value.buffer->read<float>(count(), value.offset); }
  std::vector<float> readGradients() const { return grad.buffer->read<float>(count(), grad.offset); }
  void writeValues(std::span<const float> values) const { value.buffer->upload(values, value.offset); }
  // Weight decay and penalties apply to weights only, not to biases or normalisation parameters.
  bool decays() const { return tensor.role == ParamRole::Weight; }
};

// A parameter gradient a layer describes as a product (Layer::gradientProducts), with the
// network's parameters it makes, for a training step that records it its own way
// (train/step_builder.h).
struct ParameterGradient {
  GradientProduct product;             // its param and rowSumsParam index the layer's parameters
  size_t param = 0;                    // index into Network::parameters(): the gradient of op(A) op(B)
  std::optional<size_t> rowSumsParam;  // the parameter whose gradient is the row sums of op(A)
};

class Network;

// One backward pass of a network, node by node from the last to the first, for whoever records it:
// which nodes it visits and, for each, its pass with the buffers filled in. It keeps which gradient
// buffers hold a contribution already, so that the first pass to reach one writes it and the
// others add to it. Network::recordBackward records each node's pass as its layer does;
// train::recordBackward records some of them its own way.
class BackwardSweep {
 public:
  // The nodes to visit, last to first (Network::backwardSweep and backwardSweepFrom make them).
  const std::vector<size_t>& nodes() const { return nodes_; }
  bool training() const { return training_; }
  // The backward pass of `node`, to be recorded once, in the order of nodes(): each input gradient
  // it carries is written, or added to where one holds a contribution; from then on each holds one.
  BackwardPass pass(gpu::Recording& rec, size_t node);
  // Whether the sweep carries a gradient to the output of `node` (-1: the network input), and
  // whether that gradient holds a contribution already.
  bool carries(int node) const { return carries_[size_t(node + 1)]; }
  bool holds(int node) const { return holds_[size_t(node + 1)]; }
  // The caller wrote the gradient of `node`'s output (-1: the network input) itself.
  void markWritten(int node) { holds_[size_t(node + 1)] = true; }

 private:
  friend class Network;
  BackwardSweep(const Network& net, std::vector<size_t> nodes, std::vector<bool> carries, bool training);
  const Network* net_;
  std::vector<size_t> nodes_;
  std::vector<bool> carries_, holds_;  // per node, offset by one: [0] is the network input
  bool training_;
};

// The device buffers a Network allocates, sized without allocating anything: the constructor
// allocates from this plan, and the device-fit check (train/device_fit.h) compares the same plan
// with a device's limits, so the two cannot disagree.
struct NetworkPlan {
  struct NodeBuffers {
    std::unique_ptr<Layer> layer;  // created to size its workspace; the Network keeps it
    uint64_t outputFloats = 0, gradFloats = 0, workspaceFloats = 0;
    std::vector<uint64_t> stateFloats;  // running statistics, in LayerShape::buffers order
    bool reachesLoss = false;           // the loss depends on it: its gradient buffer is full-size
  };
  std::vector<NodeBuffers> nodes;      // aligned with Graph::nodes
  std::vector<uint64_t> paramOffsets;  // floats into the shared buffers, parameters in analysis order
  uint64_t paramFloats = 0;            // the shared parameter buffer, and the gradient buffer alike
  uint64_t inputFloats = 0;            // the input batch, and its gradient alike
  uint64_t labelFloats = 0;
  uint64_t stepFloats = 1;
};
// `analysis` must be ok(). Throws std::invalid_argument for a layer type without a GPU version.
NetworkPlan planNetwork(const Graph& graph, const GraphAnalysis& analysis, uint32_t batch,
                        const gpu::DeviceInfo& device, std::optional<ConvAlgorithm> conv);
// The bytes of a buffer the network makes for `floats` floats (never empty).
inline uint64_t networkBufferBytes(uint64_t floats) { return std::max<uint64_t>(floats, 1) * 4; }

class Network {
 public:
  // Throws std::invalid_argument with every error when the graph is not trainable. `conv`: how
  // Conv2d layers compute; unset, GRADLAB_CONV decides, else Auto.
  Network(gpu::Context& context, const Graph& graph, uint32_t batch, uint32_t seed = 0,
          std::optional<ConvAlgorithm> conv = std::nullopt);
  ~Network();

  gpu::Context& context() const { return context_; }
  const Graph& graph() const { return graph_; }
  const GraphAnalysis& analysis() const { return analysis_; }
  uint32_t batch() const { return batch_; }
  uint32_t seed() const { return seed_; }
  const Shape& inputShape() const { return graph_.inputs[0].shape; }
  size_t lossNode() const { return lossNode_; }
  size_t logitsNode() const { return logitsNode_; }  // the loss's input (class scores)
  uint32_t classes() const;

  gpu::Buffer& input() { return *input_; }    // batch x input shape, float
  gpu::Buffer& labels() { return *labels_; }  // batch x uint32
  gpu::Buffer& step() { return *step_; }      // uint32 step counter, advanced by the trainer
  const gpu::Buffer& activation(size_t node) const { return *nodes_[node].output; }
  const gpu::Buffer& gradient(size_t node) const { return *nodes_[node].grad; }
  gpu::Buffer& gradient(size_t node) { return *nodes_[node].grad; }         // seeds recordBackwardFrom
  const gpu::Buffer& inputGradient() const { return *inputGrad_; }          // written by recordBackwardFrom only
  bool reachesLoss(size_t node) const { return nodes_[node].reachesLoss; }  // its gradient buffer is full-size
  // Whether recordBackward writes gradient(node): the node reaches the loss and it or something
  // before it learns. A Flatten or pooling right after the input reaches the loss but its
  // gradient is never computed: its buffer holds whatever was there.
  bool hasGradient(size_t node) const { return nodes_[node].reachesLoss && nodes_[node].needsGradient; }
  const Layer& layer(size_t node) const { return *nodes_[node].layer; }
  // How a convolution node computes ("fft", "direct", see Layer::convolutionPath); empty for others.
  std::string convolutionPath(size_t node) const { return nodes_[node].layer->convolutionPath(); }
  std::vector<Parameter>& parameters() { return params_; }
  const std::vector<Parameter>& parameters() const { return params_; }
  // All parameters in one buffer and all their gradients in another, laid out alike: each tensor
  // at an offset aligned for any binding, zeros in the gaps (never written). A check or an update
  // that treats every element alike covers the whole network in one dispatch.
  gpu::BufferRange allValues() const { return *values_; }
  gpu::BufferRange allGradients() const { return *grads_; }
  // What layers keep but do not learn (BatchNorm's running mean and variance), in node order,
  // named like parameters ("bn1.running_mean"): evaluation mode reads them.
  struct StateTensor {
    std::string name;
    uint32_t count = 0;
    gpu::Buffer* buffer = nullptr;
  };
  std::vector<StateTensor> runningStatistics() const;

  // Sets every parameter (and running statistic) to its initial value for `seed`.
  void initialize(uint32_t seed);

  // Every node's forward pass as its layer records it, nothing fused across layers: the reference
  // the fused forward (train::recordForward) must match. `training`: dropout and BatchNorm's mode.
  void recordForward(gpu::Recording& rec, bool training) const;
  // The forward pass of `node` alone, its buffers filled in, for a caller that records the passes
  // its own way (train::recordForward).
  ForwardPass forwardPass(gpu::Recording& rec, size_t node, bool training) const;
  // The node named `name` (an index into Graph::nodes); -1: the network input.
  int nodeIndex(const std::string& name) const;
  // The output of the node named `name` (the network input when no node has that name), and the
  // gradient buffer beside it.
  gpu::BufferRange valueOf(const std::string& name) const;
  gpu::BufferRange gradientOf(const std::string& name) const;
  // The backward pass of `node` alone, its buffers filled in (not which input gradients it writes:
  // BackwardSweep::pass says), for a caller that records the passes its own way.
  BackwardPass backwardPass(gpu::Recording& rec, size_t node, bool training) const;
  // The parameter gradients node `node`'s layer describes as products for `pass`
  // (Layer::gradientProducts), with the network's parameters they make.
  std::vector<ParameterGradient> parameterGradients(size_t node, const BackwardPass& pass) const;
  // The backward pass recordBackward records: after a training forward pass, every gradient the
  // loss depends on (nodes whose gradients nobody uses are skipped).
  BackwardSweep backwardSweep() const;
  // The backward pass recordBackwardFrom records: seeded at `node` (one that reaches the loss)
  // instead of the loss, carried to every node before it and to the network input. `training`:
  // the mode of the forward pass it follows. Throws std::invalid_argument for another node.
  BackwardSweep backwardSweepFrom(size_t node, bool training) const;
  // Every node's backward pass of backwardSweep() as its layer records it, nothing fused across
  // layers: the reference the fused backward (train::recordBackward) must match.
  void recordBackward(gpu::Recording& rec) const;
  // The same for backwardSweepFrom(node, training): the caller writes d s / d output into
  // gradient(node), e.g. a one-hot on one unit, and the pass overwrites the gradients and parameter
  // gradients of every node before it and inputGradient().
  void recordBackwardFrom(gpu::Recording& rec, size_t node, bool training) const;
  // With profiling on, the passes write a timestamp after each layer, labelled "forward NAME" and
  // "backward NAME" (Recording::timings), for per-layer times.
  void setProfiling(bool on) { profiling_ = on; }
  bool profiling() const { return profiling_; }

  // The whole network in double precision with the layers' references. `params` in parameters()
  // order; returns activations and gradients per node and gradients per parameter.
  struct Reference {
    std::vector<RefTensor> activations, gradients, paramGrads;
    double meanLoss = 0;
  };
  Reference reference(const RefTensor& input, const std::vector<uint32_t>& labels, const std::vector<RefTensor>& params,
                      bool training, uint32_t step) const;

 private:
  struct NodeState {
    std::unique_ptr<Layer> layer;
    std::unique_ptr<gpu::Buffer> output, grad, workspace;
    std::vector<std::unique_ptr<gpu::Buffer>> buffers;  // running statistics
    std::vector<size_t> params;                         // indices into params_
    bool reachesLoss = false;
    // Whether the loss's gradient with respect to this node's output is needed: the node has
    // parameters, or something before it does. Layers right after the input (a first Flatten or
    // convolution) skip computing gradients nobody uses.
    bool needsGradient = false;
  };
  void recordPlainly(gpu::Recording& rec, BackwardSweep sweep) const;

  gpu::Context& context_;
  Graph graph_;
  GraphAnalysis analysis_;
  uint32_t batch_, seed_;
  size_t lossNode_ = 0, logitsNode_ = 0;
  std::vector<NodeState> nodes_;
  std::vector<Parameter> params_;
  std::unique_ptr<gpu::Buffer> values_, grads_;
  std::unique_ptr<gpu::Buffer> input_, inputGrad_, labels_, step_;
  bool profiling_ = false;
};

}  // namespace gradlab::nn

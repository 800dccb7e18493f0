#include "nn/network.h"

#include "nn/initializer.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::nn {

NetworkPlan planNetwork(const Graph& graph, const GraphAnalysis& analysis, uint32_t batch,
                        const gpu::DeviceInfo& device, std::optional<ConvAlgorithm> conv) {
  auto nodeIndex = [&](const std::string& name) {
    for (size_t i = 0; i < graph.nodes.size(); ++i)
      if (graph.nodes[i].name == name) return int(i);
    return -1;
  };
  NetworkPlan plan;
  plan.nodes.resize(graph.nodes.size());
  // Nodes the loss depends on: only they need a backward pass.
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (graph.nodes[i].name == analysis.lossNode) plan.nodes[i].reachesLoss = true;
  for (auto it = analysis.order.rbegin(); it != analysis.order.rend(); ++it)
    if (plan.nodes[*it].reachesLoss)
      for (const auto& in : graph.nodes[*it].inputs)
        if (int j = nodeIndex(in); j >= 0) plan.nodes[j].reachesLoss = true;

  plan.inputFloats = uint64_t(batch) * graph.inputs[0].shape.elements();
  plan.labelFloats = batch;
  const LayerOptions layerOptions{convAlgorithmOr(conv), batch, device.maxStorageBufferRange, &device};
  // Parameter offsets (floats) in the shared buffers, each aligned for storage and texel bindings.
  const uint64_t align =
      std::max<uint64_t>({16, device.minStorageBufferOffsetAlignment, device.minTexelBufferOffsetAlignment}) / 4;
  for (size_t i : analysis.order) {
    const NodeInfo& info = analysis.nodes[i];
    NetworkPlan::NodeBuffers& node = plan.nodes[i];
    node.layer = createLayer(info, layerOptions);
    node.outputFloats = uint64_t(batch) * info.shape.output.elements();
    node.gradFloats = node.reachesLoss ? node.outputFloats : 1;
    node.workspaceFloats = node.layer->workspaceFloats(batch);
    for (const auto& b : info.shape.buffers) node.stateFloats.push_back(b.shape.elements());
    for (const auto& p : info.shape.params) {
      plan.paramOffsets.push_back(plan.paramFloats);
      plan.paramFloats += (p.shape.elements() + align - 1) / align * align;
    }
  }
  return plan;
}

Network::Network(gpu::Context& context, const Graph& graph, uint32_t batch, uint32_t seed,
                 std::optional<ConvAlgorithm> conv)
    : context_(context), graph_(graph), analysis_(analyze(graph)), batch_(batch), seed_(seed) {
  if (!analysis_.ok()) throw std::invalid_argument("The network cannot be trained:\n" + analysis_.errorText());
  if (batch == 0) throw std::invalid_argument("The batch size must be at least 1");
  nodes_.resize(graph_.nodes.size());
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    if (graph_.nodes[i].name == analysis_.lossNode) lossNode_ = i;
  logitsNode_ = size_t(std::max(nodeIndex(graph_.nodes[lossNode_].inputs[0]), 0));

  NetworkPlan plan = planNetwork(graph_, analysis_, batch, context_.device(), conv);
  for (size_t i = 0; i < nodes_.size(); ++i) nodes_[i].reachesLoss = plan.nodes[i].reachesLoss;
  for (size_t i : analysis_.order) {
    bool needs = !analysis_.nodes[i].shape.params.empty();
    for (const auto& in : graph_.nodes[i].inputs)
      if (int j = nodeIndex(in); j >= 0) needs = needs || nodes_[j].needsGradient;
    nodes_[i].needsGradient = needs;
  }

  auto floats = [&](uint64_t n) { return std::make_unique<gpu::Buffer>(context_, networkBufferBytes(n)); };
  input_ = floats(plan.inputFloats);
  inputGrad_ = floats(plan.inputFloats);
  labels_ = floats(plan.labelFloats);
  step_ = floats(plan.stepFloats);
  for (size_t i : analysis_.order) {
    NodeState& node = nodes_[i];
    NetworkPlan::NodeBuffers& sizes = plan.nodes[i];
    node.layer = std::move(sizes.layer);
    node.output = floats(sizes.outputFloats);
    node.grad = floats(sizes.gradFloats);
    node.workspace = floats(sizes.workspaceFloats);
    for (uint64_t n : sizes.stateFloats) node.buffers.push_back(floats(n));
    for (const auto& p : analysis_.nodes[i].shape.params) {
      Parameter param;
      param.node = i;
      param.name = graph_.nodes[i].name + "." + p.name;
      param.tensor = p;
      node.params.push_back(params_.size());
      params_.push_back(std::move(param));
    }
  }
  const std::vector<uint64_t>& offsets = plan.paramOffsets;
  const uint64_t total = plan.paramFloats;
  values_ = floats(total);
  grads_ = floats(total);
  for (size_t k = 0; k < params_.size(); ++k) {
    params_[k].value = gpu::floats(*values_, offsets[k], params_[k].count());
    params_[k].grad = gpu::floats(*grads_, offsets[k], params_[k].count());
  }
  initialize(seed);
}

Network::~Network() = default;

uint32_t Network::classes() const { return uint32_t(analysis_.nodes[lossNode_].inputShapes[0].elements()); }

int Network::nodeIndex(const std::string& name) const {
  for (size_t i = 0; i < graph_.nodes.size(); ++i)
    if (graph_.nodes[i].name == name) return int(i);
  return -1;
}

gpu::BufferRange Network::valueOf(const std::string& name) const {
  const int i = nodeIndex(name);
  return i < 0 ? gpu::BufferRange(*input_) : gpu::BufferRange(*nodes_[i].output);
}

gpu::BufferRange Network::gradientOf(const std::string& name) const {
  const int i = nodeIndex(name);
  return i < 0 ? gpu::BufferRange(*inputGrad_) : gpu::BufferRange(*nodes_[i].grad);
}

void Network::initialize(uint32_t seed) {
  seed_ = seed;
  // Every parameter in one upload, the gaps zero (updates over allValues() leave them so, 0 - lr 0,
  // and checks pass them); every gradient zero (parameters of nodes the loss does not depend on
  // never get one).
  std::vector<float> all(values_->bytes() / 4, 0.0f);
  for (size_t i = 0; i < nodes_.size(); ++i) {
    const NodeInfo& info = analysis_.nodes[i];
    for (size_t k = 0; k < nodes_[i].params.size(); ++k) {
      const Parameter& p = params_[nodes_[i].params[k]];
      const auto initial = initialValues(info.params, p.tensor, graph_.nodes[i].name, seed);
      std::copy(initial.begin(), initial.end(), all.begin() + p.value.offset / 4);
    }
    for (size_t k = 0; k < nodes_[i].buffers.size(); ++k) {
      const auto values = initialValues(info.params, info.shape.buffers[k], graph_.nodes[i].name, seed, true);
      nodes_[i].buffers[k]->upload(values.data(), values.size() * 4);
    }
  }
  values_->upload(std::span<const float>(all));
  grads_->upload(std::span<const float>(std::vector<float>(all.size(), 0.0f)));
  const uint32_t zero = 0;
  step_->upload(&zero, 4);
}

std::vector<Network::StateTensor> Network::runningStatistics() const {
  std::vector<StateTensor> out;
  for (size_t i = 0; i < nodes_.size(); ++i)
    for (size_t k = 0; k < nodes_[i].buffers.size(); ++k) {
      const ParamTensor& t = analysis_.nodes[i].shape.buffers[k];
      out.push_back({graph_.nodes[i].name + "." + t.name, uint32_t(t.shape.elements()), nodes_[i].buffers[k].get()});
    }
  return out;
}

ForwardPass Network::forwardPass(gpu::Recording& rec, size_t node, bool training) const {
  const NodeState& state = nodes_.at(node);
  ForwardPass pass{rec};
  pass.batch = batch_;
  pass.training = training;
  for (const auto& in : graph_.nodes[node].inputs) pass.inputs.push_back(valueOf(in));
  pass.output = *state.output;
  for (size_t k : state.params) pass.params.push_back(params_[k].value);
  for (const auto& b : state.buffers) pass.buffers.push_back(*b);
  pass.workspace = *state.workspace;
  pass.labels = *labels_;
  pass.step = *step_;
  pass.seed = seed_;
  return pass;
}

void Network::recordForward(gpu::Recording& rec, bool training) const {
  for (size_t i : analysis_.order) {
    nodes_[i].layer->forward(forwardPass(rec, i, training));
    if (profiling_) rec.timestamp("forward " + graph_.nodes[i].name);
  }
}

BackwardSweep::BackwardSweep(const Network& net, std::vector<size_t> nodes, std::vector<bool> carries, bool training)
    : net_(&net), nodes_(std::move(nodes)), carries_(std::move(carries)), holds_(carries_.size(), false),
      training_(training) {}

BackwardPass BackwardSweep::pass(gpu::Recording& rec, size_t node) {
  BackwardPass pass = net_->backwardPass(rec, node, training_);
  for (const auto& in : net_->graph().nodes[node].inputs) {
    const int j = net_->nodeIndex(in);
    const bool needed = carries(j);
    pass.needGradInput.push_back(needed);
    pass.accumulate.push_back(needed && holds(j));
    if (needed) markWritten(j);
  }
  return pass;
}

BackwardPass Network::backwardPass(gpu::Recording& rec, size_t node, bool training) const {
  const NodeState& state = nodes_.at(node);
  BackwardPass pass{rec};
  pass.batch = batch_;
  pass.training = training;
  for (const auto& in : graph_.nodes[node].inputs) {
    pass.inputs.push_back(valueOf(in));
    pass.gradInputs.push_back(gradientOf(in));
  }
  pass.output = *state.output;
  pass.gradOutput = *state.grad;
  for (size_t k : state.params) {
    pass.params.push_back(params_[k].value);
    pass.paramGrads.push_back(params_[k].grad);
  }
  pass.workspace = *state.workspace;
  pass.labels = *labels_;
  pass.step = *step_;
  pass.seed = seed_;
  return pass;
}

std::vector<ParameterGradient> Network::parameterGradients(size_t node, const BackwardPass& pass) const {
  const std::vector<size_t>& params = nodes_.at(node).params;
  std::vector<ParameterGradient> out;
  for (const GradientProduct& product : nodes_[node].layer->gradientProducts(pass)) {
    std::optional<size_t> rowSums;
    if (product.rowSumsParam) rowSums = params.at(*product.rowSumsParam);
    out.push_back({product, params.at(product.param), rowSums});
  }
  return out;
}

BackwardSweep Network::backwardSweep() const {
  std::vector<size_t> visit;
  for (auto it = analysis_.order.rbegin(); it != analysis_.order.rend(); ++it)
    if (hasGradient(*it)) visit.push_back(*it);
  std::vector<bool> carries(nodes_.size() + 1, false);  // the network input's gradient is not wanted
  for (size_t j = 0; j < nodes_.size(); ++j) carries[j + 1] = nodes_[j].needsGradient;
  return BackwardSweep(*this, std::move(visit), std::move(carries), true);
}

BackwardSweep Network::backwardSweepFrom(size_t node, bool training) const {
  if (node >= nodes_.size() || !nodes_[node].reachesLoss)
    throw std::invalid_argument("The backward pass can start only at a node that leads to the loss");
  std::vector<bool> active(nodes_.size());  // the node and everything before it
  active[node] = true;
  std::vector<size_t> visit;
  for (auto it = analysis_.order.rbegin(); it != analysis_.order.rend(); ++it) {
    if (!active[*it]) continue;
    visit.push_back(*it);
    for (const auto& in : graph_.nodes[*it].inputs)
      if (int j = nodeIndex(in); j >= 0) active[j] = true;
  }
  return BackwardSweep(*this, std::move(visit), std::vector<bool>(nodes_.size() + 1, true), training);
}

void Network::recordBackward(gpu::Recording& rec) const { recordPlainly(rec, backwardSweep()); }

void Network::recordBackwardFrom(gpu::Recording& rec, size_t node, bool training) const {
  recordPlainly(rec, backwardSweepFrom(node, training));
}

void Network::recordPlainly(gpu::Recording& rec, BackwardSweep sweep) const {
  for (size_t i : sweep.nodes()) {
    nodes_[i].layer->backward(sweep.pass(rec, i));
    if (profiling_) rec.timestamp("backward " + graph_.nodes[i].name);
  }
}

Network::Reference Network::reference(const RefTensor& input, const std::vector<uint32_t>& labels,
                                      const std::vector<RefTensor>& params, bool training, uint32_t step) const {
  Reference r;
  r.activations.resize(nodes_.size());
  r.gradients.resize(nodes_.size());
  r.paramGrads.resize(params_.size());
  std::vector<std::vector<RefTensor>> buffers(nodes_.size());
  auto valueOf = [&](const std::string& name) -> const RefTensor& {
    const int j = nodeIndex(name);
    return j < 0 ? input : r.activations[j];
  };
  for (size_t i : analysis_.order) {
    const NodeInfo& info = analysis_.nodes[i];
    r.activations[i].assign(size_t(batch_) * info.shape.output.elements(), 0.0);
    for (const auto& b : info.shape.buffers) {
      const auto v = initialValues(info.params, b, graph_.nodes[i].name, seed_, true);
      buffers[i].emplace_back(v.begin(), v.end());
    }
    RefForward f;
    f.batch = batch_;
    f.training = training;
    for (const auto& in : graph_.nodes[i].inputs) f.inputs.push_back(&valueOf(in));
    f.output = &r.activations[i];
    for (size_t k : nodes_[i].params) f.params.push_back(&params[k]);
    for (auto& b : buffers[i]) f.buffers.push_back(&b);
    f.labels = &labels;
    f.step = step;
    f.seed = seed_;
    nodes_[i].layer->forwardReference(f);
  }
  for (double v : r.activations[lossNode_]) r.meanLoss += v / batch_;

  RefTensor inputGrad(input.size());
  for (size_t i = 0; i < nodes_.size(); ++i) r.gradients[i].assign(r.activations[i].size(), 0.0);
  for (size_t k = 0; k < params_.size(); ++k) r.paramGrads[k].assign(params[k].size(), 0.0);
  for (auto it = analysis_.order.rbegin(); it != analysis_.order.rend(); ++it) {
    const size_t i = *it;
    if (!nodes_[i].reachesLoss) continue;
    RefBackward b;
    b.batch = batch_;
    b.training = training;
    for (auto& buffer : buffers[i]) b.buffers.push_back(&buffer);
    std::vector<RefTensor> gradIn;
    for (const auto& in : graph_.nodes[i].inputs) {
      b.inputs.push_back(&valueOf(in));
      gradIn.emplace_back(valueOf(in).size(), 0.0);
    }
    for (auto& g : gradIn) b.gradInputs.push_back(&g);
    b.output = &r.activations[i];
    b.gradOutput = &r.gradients[i];
    for (size_t k : nodes_[i].params) {
      b.params.push_back(&params[k]);
      r.paramGrads[k].assign(params[k].size(), 0.0);
      b.paramGrads.push_back(&r.paramGrads[k]);
    }
    b.labels = &labels;
    b.step = step;
    b.seed = seed_;
    nodes_[i].layer->backwardReference(b);
    for (size_t k = 0; k < graph_.nodes[i].inputs.size(); ++k) {
      const int j = nodeIndex(graph_.nodes[i].inputs[k]);
      RefTensor& target = j < 0 ? inputGrad : r.gradients[j];
      for (size_t e = 0; e < target.size(); ++e) target[e] += gradIn[k][e];
    }
  }
  return r;
}

}  // namespace gradlab::nn

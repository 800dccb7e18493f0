#include "train/step_builder.h"

#include "train/control_block.h"
#include "train/control_kernels.h"

#include <algorithm>

namespace gradlab::train {
namespace {

// The parameters not in `skip`, each run of neighbours in the network's parameter buffers as one
// tensor (their gaps hold zeros): LeNet's convolutions are then one update.
std::vector<optim::ParamRef> remaining(const std::vector<optim::ParamRef>& refs, const std::vector<bool>& skip) {
  std::vector<optim::ParamRef> rest;
  for (size_t k = 0; k < refs.size(); ++k) {
    if (skip[k]) continue;
    const optim::ParamRef& p = refs[k];
    const bool follows = !rest.empty() && k > 0 && !skip[k - 1] && p.value.buffer == rest.back().value.buffer &&
                         p.grad.buffer == rest.back().grad.buffer &&
                         p.value.offset >= rest.back().value.offset + rest.back().value.bytes &&
                         p.grad.offset >= rest.back().grad.offset + rest.back().grad.bytes;
    if (follows) {
      optim::ParamRef& run = rest.back();
      run.name += "+" + p.name;
      run.value.bytes = p.value.offset + p.value.bytes - run.value.offset;
      run.grad.bytes = p.grad.offset + p.grad.bytes - run.grad.offset;
      run.count = uint32_t(run.value.bytes / 4);
    } else {
      rest.push_back(p);
    }
  }
  return rest;
}

// For each node, the point-wise activation that reads its output first (in forward order), which
// its GEMM may apply; -1: none.
std::vector<int> activationsAfter(const nn::Network& net) {
  std::vector<int> after(net.graph().nodes.size(), -1);
  for (size_t j : net.analysis().order) {
    if (!net.layer(j).pointwiseActivation()) continue;
    const int before = net.nodeIndex(net.graph().nodes[j].inputs[0]);
    if (before >= 0 && after[size_t(before)] < 0) after[size_t(before)] = int(j);
  }
  return after;
}

// The forward pass of the node `pass` is for with `activation` (node `activationNode`) applied by
// its product's GEMM; returns whether the GEMM applied it (the activation's own pass is due if not).
bool recordForwardThenActivation(const nn::Network& net, const nn::ForwardPass& pass, size_t node,
                                 size_t activationNode) {
  const std::optional<nn::OutputProduct> product = net.layer(node).outputProduct(pass);
  if (!product) {
    net.layer(node).forward(pass);
    return false;
  }
  nn::ForwardPass before = pass;
  before.productByCaller = true;
  net.layer(node).forward(before);
  const nn::PointwiseActivation f = *net.layer(activationNode).pointwiseActivation();
  const ops::GemmActivation epilogue{f.op, f.param, false, net.activation(activationNode), {}, {}};
  return ops::gemm(pass.rec, product->shape, product->a, product->b, pass.output, gpu::KernelVariant::Auto,
                   product->scratch, {.bias = product->bias, .epilogue = epilogue})
      .epilogue;
}

// For each node, the point-wise activation that is its only input and read by nothing else, whose
// backward the node's input-gradient GEMM may apply; -1: none.
std::vector<int> activationsBefore(const nn::Network& net) {
  const auto& nodes = net.graph().nodes;
  std::vector<int> readers(nodes.size(), 0);
  for (const auto& node : nodes)
    for (const auto& in : node.inputs)
      if (int j = net.nodeIndex(in); j >= 0) ++readers[size_t(j)];
  std::vector<int> before(nodes.size(), -1);
  for (size_t i : net.analysis().order) {
    if (nodes[i].inputs.size() != 1) continue;
    const int j = net.nodeIndex(nodes[i].inputs[0]);
    if (j >= 0 && readers[size_t(j)] == 1 && net.layer(size_t(j)).pointwiseActivation()) before[i] = j;
  }
  return before;
}

// Records `pass` of node `node` with the backward of `activation`, the node before it, applied by
// its input-gradient product's GEMM as it stores it, where the sweep wants the activation's input
// gradient and this is its first contribution (the GEMM overwrites it); returns whether the GEMM
// applied it (the activation's own pass is due if not).
bool recordBackwardThroughActivation(const nn::Network& net, nn::BackwardSweep& sweep, nn::BackwardPass& pass,
                                     size_t node, size_t activation) {
  const std::string& x = net.graph().nodes[activation].inputs[0];
  const int xNode = net.nodeIndex(x);
  const std::optional<nn::InputGradientProduct> product = net.layer(node).inputGradientProduct(pass);
  if (!product || pass.accumulate[0] || !sweep.carries(xNode) || sweep.holds(xNode)) {
    net.layer(node).backward(pass);
    return false;
  }
  pass.inputGradientByCaller = true;
  net.layer(node).backward(pass);
  const nn::PointwiseActivation f = *net.layer(activation).pointwiseActivation();
  const ops::GemmActivation epilogue{f.op, f.param, true, net.gradientOf(x), net.valueOf(x), pass.inputs[0]};
  const bool fused = ops::gemm(pass.rec, product->shape, product->a, product->b, pass.gradInputs[0],
                               gpu::KernelVariant::Auto, product->scratch, {.epilogue = epilogue})
                         .epilogue;
  if (fused) sweep.markWritten(xNode);
  return fused;
}

}  // namespace

size_t recordBackward(gpu::Recording& rec, const nn::Network& net, nn::BackwardSweep sweep,
                      const GradientRecorder& recordGradient) {
  const std::vector<int> before = activationsBefore(net);
  std::vector<bool> visits(before.size(), false);
  for (size_t i : sweep.nodes()) visits[i] = true;
  std::vector<int> doneBy(before.size(), -1);  // activations applied by the node after them
  size_t fused = 0;
  for (size_t i : sweep.nodes()) {
    const std::string& name = net.graph().nodes[i].name;
    if (doneBy[i] >= 0) {
      if (net.profiling()) rec.timestamp("backward " + name + " (in " + net.graph().nodes[doneBy[i]].name + ")");
      continue;
    }
    nn::BackwardPass pass = sweep.pass(rec, i);
    pass.productsByCaller = bool(recordGradient);
    const int j = before[i];
    if (j < 0 || !visits[size_t(j)]) {
      net.layer(i).backward(pass);
    } else if (recordBackwardThroughActivation(net, sweep, pass, i, size_t(j))) {
      doneBy[size_t(j)] = int(i);
      ++fused;
    }
    if (recordGradient)
      for (const nn::ParameterGradient& g : net.parameterGradients(i, pass)) recordGradient(rec, g);
    if (net.profiling()) rec.timestamp("backward " + name);
  }
  return fused;
}

size_t recordForward(gpu::Recording& rec, const nn::Network& net, bool training) {
  const std::vector<int> after = activationsAfter(net);
  std::vector<int> doneBy(after.size(), -1);  // activations applied by the node before them
  size_t fused = 0;
  for (size_t i : net.analysis().order) {
    const std::string& name = net.graph().nodes[i].name;
    if (doneBy[i] >= 0) {
      if (net.profiling()) rec.timestamp("forward " + name + " (in " + net.graph().nodes[doneBy[i]].name + ")");
      continue;
    }
    const nn::ForwardPass pass = net.forwardPass(rec, i, training);
    if (after[i] < 0) {
      net.layer(i).forward(pass);
    } else if (recordForwardThenActivation(net, pass, i, size_t(after[i]))) {
      doneBy[size_t(after[i])] = int(i);
      ++fused;
    }
    if (net.profiling()) rec.timestamp("forward " + name);
  }
  return fused;
}

std::vector<optim::ParamRef> parameterRefs(nn::Network& net) {
  std::vector<optim::ParamRef> refs;
  for (auto& p : net.parameters()) refs.push_back({p.name, p.value, p.grad, p.count(), p.decays()});
  return refs;
}

optim::ParamRef allParameters(nn::Network& net) {
  return {"all", net.allValues(), net.allGradients(), uint32_t(net.allValues().bytes / 4), true};
}

StepFusion planStepFusion(bool sgdInBackward, bool gradientsChangeAfterBackward, const optim::Optimizer* optimizer) {
  StepFusion fusion;
  fusion.checkInBackward = !gradientsChangeAfterBackward;
  fusion.sgdInBackward =
      sgdInBackward && fusion.checkInBackward && (!optimizer || dynamic_cast<const optim::Sgd*>(optimizer));
  return fusion;
}

StepBuilder::StepBuilder(nn::Network& net, optim::Optimizer& optimizer, const StepFusion& fusion,
                         gpu::BufferRange control, const LayerTrainingPlan* layers)
    : net_(net), optimizer_(optimizer), fusion_(fusion), control_(control), layers_(layers),
      updated_(net.parameters().size(), false), checked_(net.parameters().size(), false) {}

void StepBuilder::recordBackward(gpu::Recording& rec) {
  std::fill(updated_.begin(), updated_.end(), false);
  std::fill(checked_.begin(), checked_.end(), false);
  activationsFused_ =
      train::recordBackward(rec, net_, net_.backwardSweep(),
                            [this](gpu::Recording& r, const nn::ParameterGradient& g) { recordGradient(r, g); });
}

// One gradient product: the SGD step in place where allowed and the GEMM can (the weights are read
// by the input gradient's GEMM before, which the recording orders), else the gradient stored,
// checked as it is where allowed.
void StepBuilder::recordGradient(gpu::Recording& rec, const nn::ParameterGradient& g) {
  if (layers_ && layers_->frozen(g.param)) return;  // its bias (row sums) is the same layer's: frozen too
  const nn::Parameter& target = net_.parameters()[g.param];
  const nn::Parameter* rowSums = g.rowSumsParam ? &net_.parameters()[*g.rowSumsParam] : nullptr;
  const gpu::BufferRange step(net_.step());
  const bool plain = !layers_ || layers_->plain(g.param);
  if (fusion_.sgdInBackward && plain && ops::gemmUpdatesInPlace(net_.context(), g.product.shape, target.value)) {
    nn::recordGradientProduct(rec, g.product, target.value, rowSums ? rowSums->value : gpu::BufferRange{},
                              ops::GemmSgdStep{control_, step});
    updated_[g.param] = checked_[g.param] = true;
    if (rowSums) updated_[*g.rowSumsParam] = checked_[*g.rowSumsParam] = true;
    return;
  }
  const ops::GemmEpilogue epilogue =
      fusion_.checkInBackward ? ops::GemmEpilogue(ops::GemmCheckedGradient{control_, step}) : ops::GemmEpilogue();
  const ops::GemmFused fused =
      nn::recordGradientProduct(rec, g.product, target.grad, rowSums ? rowSums->grad : gpu::BufferRange{}, epilogue);
  checked_[g.param] = fusion_.checkInBackward && fused.epilogue;
  if (rowSums) checked_[*g.rowSumsParam] = fusion_.checkInBackward && fused.epilogue && fused.rowSums;
}

bool StepBuilder::needsCheck() const {
  // Parameters of nodes the loss does not depend on keep zero gradients; frozen ones are never used.
  const auto& params = net_.parameters();
  for (size_t k = 0; k < params.size(); ++k)
    if (!checked_[k] && net_.hasGradient(params[k].node) && !(layers_ && layers_->frozen(k))) return true;
  return false;
}

void StepBuilder::recordCheck(gpu::Recording& rec) {
  // Gradients of parameters updated in the backward pass are not written: they hold zeros or a
  // probe step's, finite unless the run stopped, and Network::initialize zeroes them.
  const optim::ParamRef all = allParameters(net_);
  if (needsCheck()) recordNonFiniteCheck(rec, all.grad, all.count, kGradients, control_, net_.step());
}

void StepBuilder::recordUpdate(gpu::Recording& rec) {
  std::vector<bool> skipped = updated_;  // updated in the backward pass, or frozen
  for (size_t k = 0; layers_ && k < skipped.size(); ++k) skipped[k] = skipped[k] || layers_->frozen(k);
  if (layers_) layers_->recordBeforeUpdate(rec);
  if (std::count(skipped.begin(), skipped.end(), true) == 0) {
    optimizer_.recordUpdate(rec, parameterRefs(net_), {control_, net_.step(), allParameters(net_)});
  } else if (const auto rest = remaining(parameterRefs(net_), skipped); !rest.empty()) {
    optimizer_.recordUpdate(rec, rest, {control_, net_.step(), {}});
  }
  if (layers_) layers_->recordAfterUpdate(rec);
}

size_t StepBuilder::parametersUpdatedInBackward() const {
  return size_t(std::count(updated_.begin(), updated_.end(), true));
}

}  // namespace gradlab::train

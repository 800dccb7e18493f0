#include "analysis/gradient_check.h"

#include "nn/initializer.h"
#include "train/step_builder.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <optional>
#include <random>
#include <set>

namespace gradlab::analysis {
namespace {

// The network's mean loss in double precision with the layers' references. Finite differences
// change one parameter at a time, so only the nodes from its node on are computed again.
class ReferenceLoss {
 public:
  ReferenceLoss(const nn::Network& net, nn::RefTensor input, std::vector<uint32_t> labels,
                std::vector<nn::RefTensor> params, uint32_t step)
      : net_(net), input_(std::move(input)), labels_(std::move(labels)), params_(std::move(params)), step_(step) {
    const nn::Graph& graph = net.graph();
    const auto& analysis = net.analysis();
    activations_.resize(graph.nodes.size());
    buffers_.resize(graph.nodes.size());
    nodeParams_.resize(graph.nodes.size());
    for (size_t i = 0; i < graph.nodes.size(); ++i) {
      index_[graph.nodes[i].name] = int(i);
      activations_[i].assign(size_t(net.batch()) * analysis.nodes[i].shape.output.elements(), 0.0);
      // In training mode the running statistics are only updated, never read: their drift is harmless.
      for (const auto& b : analysis.nodes[i].shape.buffers) {
        const auto v = nn::initialValues(analysis.nodes[i].params, b, graph.nodes[i].name, net.seed(), true);
        buffers_[i].emplace_back(v.begin(), v.end());
      }
    }
    for (size_t k = 0; k < net.parameters().size(); ++k) nodeParams_[net.parameters()[k].node].push_back(k);
  }

  nn::RefTensor& param(size_t k) { return params_[k]; }
  const nn::RefTensor& output(size_t node) const { return activations_[node]; }  // as last computed
  int nodeIndex(const std::string& name) const {                                 // -1: the network input
    const auto it = index_.find(name);
    return it == index_.end() ? -1 : it->second;
  }

  // The mean loss after computing `node` and every node after it again (all nodes: size_t(-1)).
  double lossFrom(size_t node) {
    const auto& order = net_.analysis().order;
    return computeFrom(node == size_t(-1) ? order.begin() : std::find(order.begin(), order.end(), node));
  }

  // d loss / d element `e` of `node`'s output, by central differences: the nodes after it are
  // computed with the element moved and then again without.
  double slopeAtOutput(size_t node, size_t e, double step) {
    const auto& order = net_.analysis().order;
    const auto after = std::next(std::find(order.begin(), order.end(), node));
    double& value = activations_[node][e];
    const double saved = value, h = step * std::max(1.0, std::abs(saved));
    value = saved + h;
    const double up = computeFrom(after);
    value = saved - h;
    const double down = computeFrom(after);
    value = saved;
    computeFrom(after);
    return (up - down) / (2 * h);
  }

 private:
  double computeFrom(std::vector<size_t>::const_iterator it) {
    for (; it != net_.analysis().order.end(); ++it)
      if (net_.reachesLoss(*it)) forward(*it);
    double loss = 0;
    for (double v : activations_[net_.lossNode()]) loss += v / net_.batch();
    return loss;
  }

  void forward(size_t i) {
    nn::RefForward f;
    f.batch = net_.batch();
    f.training = true;
    for (const auto& in : net_.graph().nodes[i].inputs) {
      const int j = nodeIndex(in);
      f.inputs.push_back(j < 0 ? &input_ : &activations_[j]);
    }
    f.output = &activations_[i];
    for (size_t k : nodeParams_[i]) f.params.push_back(&params_[k]);
    for (auto& b : buffers_[i]) f.buffers.push_back(&b);
    f.labels = &labels_;
    f.step = step_;
    f.seed = net_.seed();
    net_.layer(i).forwardReference(f);
  }

  const nn::Network& net_;
  nn::RefTensor input_;
  std::vector<uint32_t> labels_;
  std::vector<nn::RefTensor> params_;
  uint32_t step_;
  std::map<std::string, int> index_;
  std::vector<nn::RefTensor> activations_;
  std::vector<std::vector<nn::RefTensor>> buffers_;
  std::vector<std::vector<size_t>> nodeParams_;
};

// Every entry of a small tensor, else `samples` distinct ones drawn from `seed`.
std::vector<uint32_t> entriesToCheck(uint32_t count, uint32_t samples, uint32_t seed) {
  std::vector<uint32_t> out;
  if (count <= samples) {
    for (uint32_t i = 0; i < count; ++i) out.push_back(i);
    return out;
  }
  std::mt19937 rng(seed);
  std::set<uint32_t> chosen;
  while (chosen.size() < samples) chosen.insert(uint32_t(rng() % count));
  return {chosen.begin(), chosen.end()};
}

// A unit of a point-wise activation with a kink at 0 (ReLU, LeakyReLU, ELU with alpha != 1) whose
// input is so close to 0 that the device's float32 forward put it on the other side than the
// exact forward. The device's backward pass takes the slope of its side, so its gradient of a
// parameter is the exact one plus slopeChange x d input / d parameter: the finite differences
// are moved by as much, to be compared on the device's side of that kink.
struct StraddlingUnit {
  size_t inputNode = 0, element = 0;
  double slopeChange = 0;  // (the activation's slope on the device's side - on the exact side) x d loss / d its output
};

// The activation's slope just below 0 where it has a kink there (just above it, the slope is 1).
std::optional<double> slopeBelowKinkAtZero(const nn::PointwiseActivation& a) {
  switch (a.op) {
    case ops::ActivationOp::Relu: return 0.0;
    case ops::ActivationOp::LeakyRelu:
    case ops::ActivationOp::Elu: return a.param == 1 ? std::nullopt : std::optional<double>(a.param);
    default: return std::nullopt;
  }
}

// Float32 rounds a unit's input by ~1e-7 of the terms it sums; 1e-5 of the layer's largest input
// covers that, and no sign that a bug in the device's forward pass flips hides behind it.
constexpr double kStraddleWidth = 1e-5;

std::vector<StraddlingUnit> findStraddlingUnits(const nn::Network& net, ReferenceLoss& reference, double step) {
  std::vector<StraddlingUnit> out;
  for (size_t i : net.analysis().order) {
    const auto activation = net.layer(i).pointwiseActivation();
    const auto slopeBelow = activation ? slopeBelowKinkAtZero(*activation) : std::nullopt;
    const int in = reference.nodeIndex(net.graph().nodes[i].inputs[0]);
    if (!net.reachesLoss(i) || !slopeBelow || in < 0) continue;
    const nn::RefTensor& exact = reference.output(size_t(in));
    const auto device = net.activation(size_t(in)).read<float>(exact.size());
    double largest = 0;
    for (double v : exact) largest = std::max(largest, std::abs(v));
    for (size_t e = 0; e < exact.size(); ++e) {
      if ((device[e] > 0) == (exact[e] > 0) || std::abs(exact[e]) > kStraddleWidth * largest) continue;
      const double jump = (device[e] > 0 ? 1 : -1) * (1 - *slopeBelow);
      out.push_back({size_t(in), e, jump * reference.slopeAtOutput(i, e, step)});
    }
  }
  return out;
}

// One entry's finite differences of the loss: the central one and the one-sided slopes between
// value - h, value and value + h, all moved to the device's side of the straddling units.
struct FiniteDifference {
  double central = 0, forward = 0, backward = 0, step = 0;
};

FiniteDifference differentiate(ReferenceLoss& reference, size_t k, uint32_t i, size_t node, double step, double loss,
                               const std::vector<StraddlingUnit>& straddling) {
  nn::RefTensor& value = reference.param(k);
  const double saved = value[i], h = step * std::max(1.0, std::abs(saved));
  std::vector<double> inputsUp;
  value[i] = saved + h;
  const double up = reference.lossFrom(node);
  for (const auto& u : straddling) inputsUp.push_back(reference.output(u.inputNode)[u.element]);
  value[i] = saved - h;
  const double down = reference.lossFrom(node);
  value[i] = saved;
  double toDeviceSide = 0;
  for (size_t s = 0; s < straddling.size(); ++s) {
    const double inputDown = reference.output(straddling[s].inputNode)[straddling[s].element];
    toDeviceSide += straddling[s].slopeChange * (inputsUp[s] - inputDown) / (2 * h);
  }
  return {(up - down) / (2 * h) + toDeviceSide, (up - loss) / h + toDeviceSide, (loss - down) / h + toDeviceSide, h};
}

// A non-differentiable point between value - h and value + h (a ReLU's input crossing 0, a
// max-pool window changing its maximum, a hinge or an L1 term at 0) changes the slope there: the
// one-sided slopes then differ by that jump times the share of the step beyond the point, and
// the central difference sits halfway between them, off the gradient at the value by half their
// difference. A smooth loss makes them differ only by h x its curvature (~1e-6 of the gradient)
// and the loss's rounding. An entry whose one-sided slopes differ by more than 1e-3 of its scale
// crossed such a point: its finite difference says nothing about the backward pass and is left
// out. Below that, a crossing moves the error by at most 5e-4, far below the failure threshold.
constexpr double kKinkTolerance = 1e-3;

bool crossesKink(const FiniteDifference& d, double scale, double loss) {
  const double rounding = 16 * std::numeric_limits<double>::epsilon() * std::max(1.0, std::abs(loss)) / d.step;
  return std::abs(d.forward - d.backward) > kKinkTolerance * scale + rounding;
}

// An entry's finite differences, measured again with a 16 times smaller step where the first
// step crossed a kink: most kinks that close to the value are not that close.
FiniteDifference measure(ReferenceLoss& reference, size_t k, uint32_t i, size_t node, double step, double loss,
                         const std::vector<StraddlingUnit>& straddling) {
  const FiniteDifference d = differentiate(reference, k, i, node, step, loss, straddling);
  if (!crossesKink(d, std::abs(d.central), loss)) return d;
  return differentiate(reference, k, i, node, step / 16, loss, straddling);
}

struct CheckedEntries {
  std::vector<uint32_t> entries;
  std::vector<FiniteDifference> differences;
};

// Fills the tensor's verdict from its checked entries: the entries near a non-differentiable
// point are counted, the others judged.
void judge(TensorCheck& t, const CheckedEntries& c, const std::vector<float>& device, double networkFloor,
           double loss) {
  t.checked = uint32_t(c.entries.size());
  for (const auto& d : c.differences) t.largestGradient = std::max(t.largestGradient, std::abs(d.central));
  t.onNetworkScale = networkFloor > 1e-2 * t.largestGradient;
  const double floor = std::max({1e-2 * t.largestGradient, networkFloor, 1e-30});
  for (size_t e = 0; e < c.entries.size(); ++e) {
    const double got = device[c.entries[e]], want = c.differences[e].central;
    if (std::isfinite(got) && crossesKink(c.differences[e], std::max(std::abs(want), floor), loss)) {
      ++t.kinks;
      continue;
    }
    const double error =
        std::isfinite(got) ? std::abs(got - want) / std::max({std::abs(got), std::abs(want), floor}) : INFINITY;
    t.maxRelativeError = std::max(t.maxRelativeError, error);
  }
  t.band = bandOf(t.maxRelativeError);
}

}  // namespace

GradientBand bandOf(double e) {
  if (e <= 1e-7) return GradientBand::Great;
  if (e <= 1e-4) return GradientBand::Fine;
  if (e <= kGradientFailAbove) return GradientBand::Suspicious;
  return GradientBand::Wrong;  // NaN too
}

const char* bandName(GradientBand band) {
  switch (band) {
    case GradientBand::Great: return "great";
    case GradientBand::Fine: return "fine";
    case GradientBand::Suspicious: return "suspicious";
    case GradientBand::Wrong: return "wrong";
  }
  return "";
}

bool GradientCheckReport::passed() const {
  return std::all_of(tensors.begin(), tensors.end(), [](const TensorCheck& t) { return t.passed(); });
}

uint32_t GradientCheckReport::kinks() const {
  uint32_t n = 0;
  for (const auto& t : tensors) n += t.kinks;
  return n;
}

std::vector<std::string> GradientCheckReport::failedLayers() const {
  std::vector<std::string> out;
  for (const auto& t : tensors)
    if (!t.passed() && std::find(out.begin(), out.end(), t.layer) == out.end()) out.push_back(t.layer);
  return out;
}

GradientCheckReport checkGradients(nn::Network& net, const GradientCheckOptions& options) {
  gpu::Recording rec(net.context());
  train::recordForward(rec, net, true);
  train::recordBackward(rec, net);
  if (options.afterBackward) options.afterBackward(rec, net);
  net.context().run(rec);

  const uint32_t batch = net.batch();
  const auto input = net.input().read<float>(uint64_t(batch) * net.inputShape().elements());
  std::vector<nn::RefTensor> values;
  std::vector<std::vector<float>> device;
  for (auto& p : net.parameters()) {
    const auto v = p.readValues();
    values.emplace_back(v.begin(), v.end());
    device.push_back(p.readGradients());
  }
  ReferenceLoss reference(net, nn::RefTensor(input.begin(), input.end()), net.labels().read<uint32_t>(batch),
                          std::move(values), net.step().read<uint32_t>(1)[0]);
  GradientCheckReport report;
  report.loss = reference.lossFrom(size_t(-1));
  const auto straddling = findStraddlingUnits(net, reference, options.step);
  report.straddlingUnits = uint32_t(straddling.size());

  std::vector<CheckedEntries> checked(net.parameters().size());
  double networkScale = 0;
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    const nn::Parameter& p = net.parameters()[k];
    checked[k].entries = entriesToCheck(p.count(), options.samples, options.seed + uint32_t(k) * 7919u);
    for (uint32_t i : checked[k].entries) {
      checked[k].differences.push_back(measure(reference, k, i, p.node, options.step, report.loss, straddling));
      networkScale = std::max(networkScale, std::abs(checked[k].differences.back().central));
    }
    reference.lossFrom(p.node);  // at the parameters' values again before later tensors' nodes are reused
  }

  const double networkFloor = 1e-4 * networkScale;  // float32 rounding of terms that cancel
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    const nn::Parameter& p = net.parameters()[k];
    TensorCheck t;
    t.layer = net.graph().nodes[p.node].name;
    t.type = net.graph().nodes[p.node].type;
    t.tensor = p.tensor.name;
    t.entries = p.count();
    judge(t, checked[k], device[k], networkFloor, report.loss);
    report.tensors.push_back(t);
  }
  return report;
}

}  // namespace gradlab::analysis

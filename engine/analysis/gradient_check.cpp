#include "analysis/gradient_check.h"

#include "nn/initializer.h"

#include <algorithm>
#include <cmath>
#include <map>
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

  // The mean loss after computing `node` and every node after it again (all nodes: size_t(-1)).
  double lossFrom(size_t node) {
    const auto& order = net_.analysis().order;
    auto it = node == size_t(-1) ? order.begin() : std::find(order.begin(), order.end(), node);
    for (; it != order.end(); ++it)
      if (net_.reachesLoss(*it)) forward(*it);
    double loss = 0;
    for (double v : activations_[net_.lossNode()]) loss += v / net_.batch();
    return loss;
  }

 private:
  void forward(size_t i) {
    nn::RefForward f;
    f.batch = net_.batch();
    f.training = true;
    for (const auto& in : net_.graph().nodes[i].inputs) {
      const auto it = index_.find(in);
      f.inputs.push_back(it == index_.end() ? &input_ : &activations_[it->second]);
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

std::vector<std::string> GradientCheckReport::failedLayers() const {
  std::vector<std::string> out;
  for (const auto& t : tensors)
    if (!t.passed() && std::find(out.begin(), out.end(), t.layer) == out.end()) out.push_back(t.layer);
  return out;
}

GradientCheckReport checkGradients(nn::Network& net, const GradientCheckOptions& options) {
  gpu::Recording rec(net.context());
  net.recordForward(rec, true);
  net.recordBackward(rec);
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

  struct Checked {
    std::vector<uint32_t> entries;
    std::vector<double> numeric;
  };
  std::vector<Checked> checked(net.parameters().size());
  double networkScale = 0;
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    const nn::Parameter& p = net.parameters()[k];
    checked[k].entries = entriesToCheck(p.count(), options.samples, options.seed + uint32_t(k) * 7919u);
    nn::RefTensor& value = reference.param(k);
    for (uint32_t i : checked[k].entries) {
      const double saved = value[i], h = options.step * std::max(1.0, std::abs(saved));
      value[i] = saved + h;
      const double up = reference.lossFrom(p.node);
      value[i] = saved - h;
      const double down = reference.lossFrom(p.node);
      value[i] = saved;
      checked[k].numeric.push_back((up - down) / (2 * h));
      networkScale = std::max(networkScale, std::abs(checked[k].numeric.back()));
    }
  }
  reference.lossFrom(size_t(-1));  // nothing stale is left behind

  const double networkFloor = 1e-4 * networkScale;  // float32 rounding of terms that cancel
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    const nn::Parameter& p = net.parameters()[k];
    TensorCheck t;
    t.layer = net.graph().nodes[p.node].name;
    t.type = net.graph().nodes[p.node].type;
    t.tensor = p.tensor.name;
    t.entries = p.count();
    t.checked = uint32_t(checked[k].entries.size());
    for (double n : checked[k].numeric) t.largestGradient = std::max(t.largestGradient, std::abs(n));
    t.onNetworkScale = networkFloor > 1e-2 * t.largestGradient;
    const double floor = std::max({1e-2 * t.largestGradient, networkFloor, 1e-30});
    for (size_t e = 0; e < checked[k].entries.size(); ++e) {
      const double got = device[k][checked[k].entries[e]], want = checked[k].numeric[e];
      const double error = std::isfinite(got) ? std::abs(got - want) / std::max({std::abs(got), std::abs(want), floor})
                                              : INFINITY;
      t.maxRelativeError = std::max(t.maxRelativeError, error);
    }
    t.band = bandOf(t.maxRelativeError);
    report.tensors.push_back(t);
  }
  return report;
}

}  // namespace gradlab::analysis

#include "analysis/init_theory.h"

#include "nn/initializer.h"
#include "nn/layer_catalog.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <numbers>

namespace gradlab::analysis {
namespace {

// y = W x + b for a layer of the Affine rule (Linear, Conv2d); false where the argument does not hold.
bool affineMoments(const nn::NodeInfo& info, const Moments& in, Moments* out) {
  double weightVariance = -1, fanIn = 0;
  Moments bias;
  for (const nn::ParamTensor& p : info.shape.params) {
    if (p.role == nn::ParamRole::Weight) {
      fanIn = std::max(p.fanIn, 1u);
      weightVariance = initialWeightVariance(info.params, fanIn, std::max(p.fanOut, 1u));
    }
    if (p.role == nn::ParamRole::Bias) bias = initialBiasMoments(info.params, std::max(p.fanIn, 1u));
  }
  if (weightVariance < 0) return false;
  const double variance = fanIn * weightVariance * in.meanSquare + (bias.meanSquare - bias.mean * bias.mean);
  *out = {bias.mean, variance + bias.mean * bias.mean};
  return true;
}

}  // namespace

double Moments::std() const { return std::sqrt(std::max(meanSquare - mean * mean, 0.0)); }

double initialWeightVariance(const nn::NodeParams& params, double fanIn, double fanOut) {
  const std::string& how = params.choice("init");
  const auto square = [](double x) { return x * x; };
  if (how == "zeros") return 0;
  if (how == "constant") return -1;
  if (how == "normal") return square(params.real("init_std"));
  if (how == "uniform") return square(params.real("init_a")) / 3;
  if (how == "xavier_normal" || how == "xavier_uniform") return square(params.real("init_gain")) * 2 / (fanIn + fanOut);
  const double fan = params.choice("init_mode") == "fan_out" ? fanOut : fanIn;
  const double gain = nn::nonlinearityGain(params.choice("init_nonlinearity"));
  if (how == "kaiming_normal" || how == "kaiming_uniform") return gain * gain / fan;
  if (how == "scaled_variance") return params.real("init_c") / fanIn;
  return 1 / (3 * fanIn);  // PyTorch's default: uniform within 1/sqrt(fan_in)
}

Moments initialBiasMoments(const nn::NodeParams& params, double fanIn) {
  const std::string& how = params.choice("bias_init");
  if (how == "default") return {0, 1 / (3 * fanIn)};
  if (how == "constant") return {params.real("init_value"), params.real("init_value") * params.real("init_value")};
  return {};
}

// The Gaussian integrals by the trapezoid rule over mean +- 10 std: 4001 points put the error far
// below what a plot shows, for any of these activations (their derivatives are bounded).
bool activationMoments(const std::string& type, const nn::NodeParams& params, const Moments& in, Moments* out) {
  const nn::LayerDef* def = nn::findLayer(type);
  if (!def || def->moments.kind != nn::MomentRule::Kind::PointWise) return false;
  const auto f = def->moments.function;
  const double parameter = def->moments.parameter.empty() ? 0 : params.real(def->moments.parameter), s = in.std();
  if (s == 0) {
    const double y = f(in.mean, parameter);
    *out = {y, y * y};
    return true;
  }
  constexpr int kPoints = 4001;
  const double h = 20.0 / (kPoints - 1);
  double weight = 0, first = 0, second = 0;
  for (int i = 0; i < kPoints; ++i) {
    const double z = -10 + i * h, w = std::exp(-0.5 * z * z) * (i == 0 || i == kPoints - 1 ? 0.5 : 1.0);
    const double y = f(in.mean + s * z, parameter);
    weight += w, first += w * y, second += w * y * y;
  }
  *out = {first / weight, second / weight};
  return true;
}

Moments inputMoments(const data::Dataset& train, data::Normalization mode, uint32_t limit) {
  const data::Dataset head = train.size() > limit ? train.head(limit) : train;
  const data::NormalizationTable table = data::NormalizationTable::compute(head, mode);
  double sum = 0, square = 0;
  const uint32_t n = head.sampleSize();
  for (uint32_t s = 0; s < head.size(); ++s)
    for (uint32_t j = 0; j < n; ++j) {
      const double x = double(head.raw(s, j)) * table.scale[j] + table.offset[j];
      sum += x, square += x * x;
    }
  const double count = std::max(1.0, double(head.size()) * n);
  return {sum / count, square / count};
}

std::vector<PredictedLayer> predictActivations(const nn::Graph& graph, const Moments& input) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  std::vector<PredictedLayer> out;
  if (!analysis.ok() || graph.inputs.size() != 1) return out;
  std::map<std::string, Moments> known{{graph.inputs[0].name, input}};
  for (const size_t i : analysis.order) {
    const nn::Node& node = graph.nodes[i];
    const nn::NodeInfo& info = analysis.nodes[i];
    const auto from = node.inputs.size() == 1 ? known.find(node.inputs[0]) : known.end();
    if (from == known.end() || info.def->loss) break;
    const Moments& in = from->second;
    const nn::MomentRule& rule = info.def->moments;
    Moments y;
    bool predicted = true;
    switch (rule.kind) {
      case nn::MomentRule::Kind::Affine: predicted = affineMoments(info, in, &y); break;
      case nn::MomentRule::Kind::Keeps: y = in; break;
      case nn::MomentRule::Kind::Rescales: y = {in.mean, in.meanSquare / rule.meanSquareDivisor(info.params)}; break;
      case nn::MomentRule::Kind::Normalizes: y = {0, 1}; break;
      case nn::MomentRule::Kind::PointWise: predicted = activationMoments(node.type, info.params, in, &y); break;
      case nn::MomentRule::Kind::None: predicted = false; break;
    }
    if (!predicted) break;
    known[node.name] = y;
    out.push_back({node.name, y});
  }
  return out;
}

}  // namespace gradlab::analysis

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

// Var[dx] = n_out Var[w] E[dy^2] for a layer of the Affine rule (each input feeds n_out outputs);
// negative where the argument does not hold.
double affineGradientGain(const nn::NodeInfo& info) {
  for (const nn::ParamTensor& p : info.shape.params)
    if (p.role == nn::ParamRole::Weight) {
      const double fanOut = std::max(p.fanOut, 1u);
      return fanOut * initialWeightVariance(info.params, std::max(p.fanIn, 1u), fanOut);
    }
  return -1;
}

// E[g(y)] for y ~ N(in) by the trapezoid rule over mean +- 10 std: 4001 points put the error far
// below what a plot shows for these activations and their derivatives.
template <class G>
double gaussianMean(const Moments& in, G g) {
  const double s = in.std();
  if (s == 0) return g(in.mean);
  constexpr int kPoints = 4001;
  const double h = 20.0 / (kPoints - 1);
  double weight = 0, sum = 0;
  for (int i = 0; i < kPoints; ++i) {
    const double z = -10 + i * h, w = std::exp(-0.5 * z * z) * (i == 0 || i == kPoints - 1 ? 0.5 : 1.0);
    weight += w, sum += w * g(in.mean + s * z);
  }
  return sum / weight;
}

// How many nodes read each value: a value read twice gets the sum of two gradients.
std::map<std::string, int> readers(const nn::Graph& graph) {
  std::map<std::string, int> count;
  for (const nn::Node& node : graph.nodes)
    for (const std::string& input : node.inputs) ++count[input];
  return count;
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

bool activationMoments(const std::string& type, const nn::NodeParams& params, const Moments& in, Moments* out) {
  const nn::LayerDef* def = nn::findLayer(type);
  if (!def || def->moments.kind != nn::MomentRule::Kind::PointWise) return false;
  const auto f = def->moments.function;
  const double parameter = def->moments.parameter.empty() ? 0 : params.real(def->moments.parameter);
  *out = {gaussianMean(in, [&](double y) { return f(y, parameter); }),
          gaussianMean(in, [&](double y) { return f(y, parameter) * f(y, parameter); })};
  return true;
}

// f' by central differences: the registrations give f alone, and a kink (ReLU's 0) has measure 0.
double activationDerivativeMeanSquare(const std::string& type, const nn::NodeParams& params, const Moments& in) {
  const nn::LayerDef* def = nn::findLayer(type);
  if (!def || def->moments.kind != nn::MomentRule::Kind::PointWise) return -1;
  const auto f = def->moments.function;
  const double parameter = def->moments.parameter.empty() ? 0 : params.real(def->moments.parameter);
  constexpr double kStep = 1e-5;
  return gaussianMean(in, [&](double y) {
    const double slope = (f(y + kStep, parameter) - f(y - kStep, parameter)) / (2 * kStep);
    return slope * slope;
  });
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
  const std::map<std::string, int> readCount = readers(graph);
  for (const size_t i : analysis.order) {
    const nn::Node& node = graph.nodes[i];
    const nn::NodeInfo& info = analysis.nodes[i];
    const auto from = node.inputs.size() == 1 ? known.find(node.inputs[0]) : known.end();
    if (from == known.end() || info.def->loss) break;
    const Moments& in = from->second;
    const nn::MomentRule& rule = info.def->moments;
    Moments y;
    double gain = 0;
    bool predicted = true;
    switch (rule.kind) {
      case nn::MomentRule::Kind::Affine:
        predicted = affineMoments(info, in, &y);
        gain = affineGradientGain(info);
        break;
      case nn::MomentRule::Kind::Keeps: y = in, gain = 1; break;
      case nn::MomentRule::Kind::Rescales: {
        const double divisor = rule.meanSquareDivisor(info.params);
        y = {in.mean, in.meanSquare / divisor}, gain = 1 / divisor;
        break;
      }
      case nn::MomentRule::Kind::Normalizes: {  // dx ~ dy / std(x) at scale 1
        const double variance = in.std() * in.std();
        y = {0, 1}, gain = variance > 0 ? 1 / variance : 0;
        break;
      }
      case nn::MomentRule::Kind::PointWise:
        predicted = activationMoments(node.type, info.params, in, &y);
        gain = activationDerivativeMeanSquare(node.type, info.params, in);
        break;
      case nn::MomentRule::Kind::None: predicted = false; break;
    }
    if (!predicted) break;
    const bool chained = !out.empty() && out.back().node == node.inputs[0] && readCount.at(node.inputs[0]) == 1;
    known[node.name] = y;
    out.push_back({node.name, y, chained && std::isfinite(gain) ? std::max(gain, 0.0) : 0.0});
  }
  return out;
}

std::vector<PredictedGradient> predictGradients(const std::vector<PredictedLayer>& layers, const std::string& from,
                                                double fromStd) {
  const auto last = std::find_if(layers.begin(), layers.end(), [&](const PredictedLayer& l) { return l.node == from; });
  if (last == layers.end()) return {};
  std::vector<PredictedGradient> out{{from, fromStd}};
  double meanSquare = fromStd * fromStd;
  for (auto l = last; l != layers.begin() && l->gradientGain > 0; --l) {
    meanSquare *= l->gradientGain;
    out.insert(out.begin(), {std::prev(l)->node, std::sqrt(meanSquare)});
  }
  return out;
}

}  // namespace gradlab::analysis

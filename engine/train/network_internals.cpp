// BatchNorm internals, the train/eval gap and the distinct-unit count, from the network's buffers
// after a step: BatchNorm's batch statistics reduced per channel on the device (channel_moments.comp),
// the rest computed on the host in double from what little it reads (losses, labels, weights).
#include "gpu/context.h"
#include "spirv/shaders.h"
#include "train/internals.h"

#include <algorithm>
#include <cmath>
#include <tuple>

namespace gradlab::train {
namespace {

bool isBatchNorm(const std::string& type) { return type == "BatchNorm1d" || type == "BatchNorm2d"; }

std::vector<float> runningStatistic(const nn::Network& network, const std::string& name) {
  for (const auto& s : network.runningStatistics())
    if (s.name == name) return s.buffer->read<float>(s.count);
  return {};
}

// Mean of the per-sample losses and the fraction of samples whose largest class score is the label,
// as the step's metrics count them.
std::pair<double, double> lossAndAccuracy(nn::Network& network) {
  const uint32_t batch = network.batch(), classes = network.classes();
  const auto losses = network.activation(network.lossNode()).read<float>(batch);
  const auto scores = network.activation(network.logitsNode()).read<float>(uint64_t(batch) * classes);
  const auto labels = network.labels().read<uint32_t>(batch);
  double loss = 0, correct = 0;
  for (uint32_t b = 0; b < batch; ++b) {
    loss += losses[b];
    const auto row = scores.begin() + ptrdiff_t(b) * classes;
    correct += uint32_t(std::max_element(row, row + classes) - row) == labels[b];
  }
  return {loss / batch, correct / batch};
}

std::pair<double, double> forwardLossAndAccuracy(nn::Network& network, bool training) {
  gpu::Recording rec(network.context(), 0);
  network.recordForward(rec, training);
  network.context().run(rec);
  return lossAndAccuracy(network);
}

// A BatchNorm node, its input and the running statistics it keeps.
struct BatchNormInput {
  std::string node;
  gpu::BufferRange input;
  uint32_t channels = 0, spatial = 0;
  std::vector<double> runningMean, runningVar;
};

std::vector<BatchNormInput> batchNormInputs(const nn::Network& network) {
  std::vector<BatchNormInput> out;
  const auto& graph = network.graph();
  const auto toDouble = [](const std::vector<float>& v) { return std::vector<double>(v.begin(), v.end()); };
  for (size_t i : network.analysis().order) {
    if (!isBatchNorm(graph.nodes[i].type)) continue;
    const std::string& name = graph.nodes[i].name;
    BatchNormInput bn{name, network.valueOf(graph.nodes[i].inputs.at(0))};
    bn.runningMean = toDouble(runningStatistic(network, name + ".running_mean"));
    bn.runningVar = toDouble(runningStatistic(network, name + ".running_var"));
    bn.channels = uint32_t(bn.runningMean.size());
    if (bn.channels == 0) continue;
    bn.spatial = uint32_t(network.analysis().nodes[i].inputShapes.at(0).elements() / bn.channels);
    out.push_back(std::move(bn));
  }
  return out;
}

BatchNormInternals withoutBatchStatistics(BatchNormInput& bn, uint32_t batch) {
  return {bn.node, batch * bn.spatial, {}, {}, std::move(bn.runningMean), std::move(bn.runningVar)};
}

using gpu::Access;
const gpu::KernelSpec kChannelMoments{"channel_moments", spirv::channel_moments, {Access::Read, Access::Write}};

}  // namespace

std::vector<BatchNormInternals> readBatchNormInternals(const nn::Network& network) {
  auto inputs = batchNormInputs(network);
  uint32_t channels = 0;
  for (const auto& bn : inputs) channels += bn.channels;
  if (channels == 0) return {};
  gpu::Context& context = network.context();
  const gpu::Buffer moments(context, uint64_t(channels) * 2 * 4, true);
  gpu::Recording rec(context, 0);
  uint32_t first = 0;
  for (const auto& bn : inputs) {
    const struct { uint32_t channels, inner, outer, first; } push{bn.channels, bn.spatial, network.batch(), first};
    rec.dispatch(context.kernel(kChannelMoments, {64, 1, 1}), {bn.input, moments}, push,
                 {std::min(bn.channels, 65535u), 1, 1});
    first += bn.channels;
  }
  context.run(rec);
  const auto values = moments.read<float>(uint64_t(channels) * 2);
  std::vector<BatchNormInternals> out;
  first = 0;
  for (auto& bn : inputs) {
    BatchNormInternals stats = withoutBatchStatistics(bn, network.batch());
    for (uint32_t c = 0; c < bn.channels; ++c, ++first) {
      stats.batchMean.push_back(values[2 * first]);
      stats.batchVar.push_back(values[2 * first + 1]);
    }
    out.push_back(std::move(stats));
  }
  return out;
}

std::vector<BatchNormInternals> batchNormInternalsOnHost(const nn::Network& network) {
  std::vector<BatchNormInternals> out;
  const uint32_t batch = network.batch();
  for (auto& bn : batchNormInputs(network)) {
    const uint64_t channels = bn.channels, spatial = bn.spatial;
    const auto x = bn.input.buffer->read<float>(batch * channels * spatial, bn.input.offset);
    BatchNormInternals stats = withoutBatchStatistics(bn, batch);
    stats.batchMean.assign(channels, 0.0);
    stats.batchVar.assign(channels, 0.0);
    for (uint64_t c = 0; c < channels; ++c) {
      const auto each = [&](auto f) {
        for (uint64_t b = 0; b < batch; ++b)
          for (uint64_t t = 0; t < spatial; ++t) f(double(x[(b * channels + c) * spatial + t]));
      };
      each([&](double v) { stats.batchMean[c] += v; });
      stats.batchMean[c] /= stats.samplesPerChannel;
      each([&](double v) { stats.batchVar[c] += (v - stats.batchMean[c]) * (v - stats.batchMean[c]); });
      stats.batchVar[c] /= stats.samplesPerChannel;
    }
    out.push_back(std::move(stats));
  }
  return out;
}

std::optional<ModeGap> measureModeGap(nn::Network& network) {
  bool modal = false;
  for (const auto& node : network.graph().nodes) modal = modal || isBatchNorm(node.type) || node.type == "Dropout";
  if (!modal) return std::nullopt;
  // A training-mode forward pass moves the running statistics: keep them to put back.
  std::vector<std::vector<float>> kept;
  for (const auto& s : network.runningStatistics()) kept.push_back(s.buffer->read<float>(s.count));
  ModeGap gap;
  std::tie(gap.trainLoss, gap.trainAccuracy) = forwardLossAndAccuracy(network, true);
  const auto stats = network.runningStatistics();
  for (size_t k = 0; k < stats.size(); ++k) stats[k].buffer->upload(std::span<const float>(kept[k]));
  std::tie(gap.evalLoss, gap.evalAccuracy) = forwardLossAndAccuracy(network, false);
  return gap;
}

DistinctUnits countDistinctUnits(const std::string& parameter, const std::vector<float>& weights,
                                 const std::vector<float>& bias, uint32_t units, double tolerance) {
  DistinctUnits out{parameter, units, 0, 0};
  if (units == 0) return out;
  const size_t fanIn = weights.size() / units;
  double largest = 0;
  for (float w : weights) largest = std::max(largest, double(std::abs(w)));
  for (float b : bias) largest = std::max(largest, double(std::abs(b)));
  const double within = tolerance * (1 + largest);
  const auto agree = [&](uint32_t u, uint32_t r) {
    if (!bias.empty() && std::abs(double(bias[u]) - bias[r]) > within) return false;
    for (size_t k = 0; k < fanIn; ++k)
      if (std::abs(double(weights[u * fanIn + k]) - weights[r * fanIn + k]) > within) return false;
    return true;
  };
  // Each unit joins the first earlier class it agrees with, or starts one.
  std::vector<uint32_t> representatives, members;
  for (uint32_t u = 0; u < units; ++u) {
    size_t c = 0;
    while (c < representatives.size() && !agree(u, representatives[c])) ++c;
    if (c == representatives.size()) representatives.push_back(u), members.push_back(0);
    ++members[c];
  }
  out.distinct = uint32_t(representatives.size());
  for (uint32_t m : members) out.twinned += m > 1 ? m : 0;
  return out;
}

std::vector<DistinctUnits> countDistinctUnits(const nn::Network& network) {
  std::vector<DistinctUnits> out;
  const auto& params = network.parameters();
  for (const auto& p : params) {
    const std::string& type = network.graph().nodes[p.node].type;
    if ((type != "Linear" && type != "Conv2d") || p.tensor.role != nn::ParamRole::Weight) continue;
    std::vector<float> bias;
    for (const auto& q : params)
      if (q.node == p.node && q.tensor.role == nn::ParamRole::Bias) bias = q.readValues();
    out.push_back(countDistinctUnits(p.name, p.readValues(), bias, p.tensor.shape.dims.at(0)));
  }
  return out;
}

std::vector<InternalsRow> internalsRows(const InternalsReport& r) {
  std::vector<InternalsRow> rows;
  for (const auto& t : r.optimizer.tensors)
    for (const auto& s : t.states)
      rows.push_back({"rms " + s.name, t.parameter, s.stats.count ? s.norm / std::sqrt(double(s.stats.count)) : 0.0});
  if (r.optimizer.biasCorrection1) {
    rows.push_back({"bias correction 1", "optimizer", *r.optimizer.biasCorrection1});
    rows.push_back({"bias correction 2", "optimizer", *r.optimizer.biasCorrection2});
  }
  if (r.optimizer.rectification) rows.push_back({"rectification", "optimizer", *r.optimizer.rectification});
  for (const auto& bn : r.batchNorms)
    for (size_t c = 0; c < bn.batchMean.size(); ++c) {
      const std::string of = bn.node + " channel " + std::to_string(c);
      rows.push_back({"batch mean", of, bn.batchMean[c]});
      rows.push_back({"running mean", of, bn.runningMean[c]});
      rows.push_back({"batch var", of, bn.batchVar[c]});
      rows.push_back({"running var", of, bn.runningVar[c]});
    }
  if (const auto& gap = r.modeGap) {
    rows.push_back({"train-mode loss", "batch", gap->trainLoss});
    rows.push_back({"eval-mode loss", "batch", gap->evalLoss});
    rows.push_back({"train-mode accuracy", "batch", gap->trainAccuracy});
    rows.push_back({"eval-mode accuracy", "batch", gap->evalAccuracy});
  }
  for (const auto& d : r.distinctUnits) {
    rows.push_back({"distinct units", d.parameter, double(d.distinct)});
    rows.push_back({"units", d.parameter, double(d.units)});
  }
  return rows;
}

std::vector<UpdatedTensor> updatedTensors(const nn::Network& network, const std::vector<std::string>& frozen) {
  std::vector<UpdatedTensor> out;
  const auto& params = network.parameters();
  if (frozen.empty()) {
    for (size_t k = 0; k < params.size(); ++k)
      out.push_back({params[k].name, params[k].count(), k, 0, params[k].count()});
    return out;
  }
  // Runs of consecutive trained parameters, each one optimizer tensor from its first one's start
  // to its last one's end (the gaps between them included).
  size_t index = 0, runStart = 0;
  uint64_t runOffset = 0;
  bool previousTrains = false;
  const auto closeRun = [&] {
    const UpdatedTensor& last = out.back();
    for (size_t k = runStart; k < out.size(); ++k) out[k].stateCount = last.first + last.count;
  };
  for (const auto& p : params) {
    const bool trains = std::find(frozen.begin(), frozen.end(), network.graph().nodes[p.node].name) == frozen.end();
    if (trains && !previousTrains) {
      if (!out.empty()) closeRun(), ++index;
      runStart = out.size();
      runOffset = p.value.offset;
    }
    if (trains) out.push_back({p.name, p.count(), index, uint32_t((p.value.offset - runOffset) / 4), 0});
    previousTrains = trains;
  }
  if (!out.empty()) closeRun();
  return out;
}

InternalsReport measureInternals(nn::Network& network, const optim::Optimizer& optimizer, uint64_t step,
                                 const std::vector<std::string>& frozen) {
  InternalsReport report;
  report.optimizer = readOptimizerInternals(network.context(), optimizer, updatedTensors(network, frozen), step);
  report.batchNorms = readBatchNormInternals(network);
  report.distinctUnits = countDistinctUnits(network);
  report.modeGap = measureModeGap(network);  // last: it overwrites the step's activations
  return report;
}

}  // namespace gradlab::train

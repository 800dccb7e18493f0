#include "train/probes.h"

#include "ops/elementwise.h"
#include "spirv/shaders.h"
#include "train/tensor_summary.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace gradlab::train {
namespace {

using gpu::Access;
const gpu::KernelSpec kStats{"tensor_stats", spirv::tensor_stats, {Access::Read, Access::ReadWrite}};
const gpu::KernelSpec kHistogram{
    "tensor_histogram", spirv::tensor_histogram, {Access::Read, Access::Read, Access::Write}};

struct Saturation {
  float low, high;
};

std::optional<Saturation> saturationOf(const std::string& type) {
  if (type == "Tanh") return Saturation{-0.99f, 0.99f};
  if (type == "Sigmoid") return Saturation{0.01f, 0.99f};
  return std::nullopt;
}

// Only a ReLU's exact zeros are dead units: LeakyReLU, PReLU and ELU pass gradient below zero.
bool hasDeadUnits(const std::string& type) { return type == "ReLU"; }

}  // namespace

void recordTensorSummary(gpu::Recording& rec, gpu::BufferRange values, uint32_t n, uint32_t slot,
                         const gpu::Buffer& records, const gpu::Buffer* histograms, float low, float high) {
  gpu::Context& context = rec.context();
  struct {
    uint32_t n, slot;
    float low, high;
  } push{n, slot, low, high};
  rec.dispatch(context.kernel(kStats, {256, 1, 1}), {values, records}, push, {1, 1, 1});
  if (!histograms) return;
  struct {
    uint32_t n, slot;
  } hpush{n, slot};
  rec.dispatch(context.kernel(kHistogram, {256, 1, 1}, {kHistogramBins}), {values, records, *histograms}, hpush,
               {1, 1, 1});
}

TensorStats tensorSummaryAt(const std::vector<float>& records, const std::vector<float>& bins, uint32_t slot) {
  const float* r = &records.at(slot * kSummaryFloats);
  TensorStats s;
  s.count = uint64_t(r[0]);
  if (s.count == 0) return s;
  s.mean = r[1];
  s.std = std::sqrt(std::max(0.0, double(r[2]) / r[0]));
  s.min = r[3];
  s.max = r[4];
  if (bins.size() >= (slot + 1) * kHistogramBins)
    s.histogram.assign(bins.begin() + slot * kHistogramBins, bins.begin() + (slot + 1) * kHistogramBins);
  return s;
}

double tensorNormAt(const std::vector<float>& records, uint32_t slot) {
  const float* r = &records.at(slot * kSummaryFloats);
  return std::sqrt(std::max(0.0, double(r[2]) + double(r[0]) * double(r[1]) * r[1]));
}

Probes::Probes(nn::Network& network) : network_(network) {
  const size_t layers = network.graph().nodes.size(), params = network.parameters().size();
  const size_t slots = 2 * layers + 3 * params;
  records_ = std::make_unique<gpu::Buffer>(network.context(), std::max<size_t>(slots, 1) * kSummaryFloats * 4, true);
  histograms_ = std::make_unique<gpu::Buffer>(network.context(), std::max<size_t>(slots, 1) * kHistogramBins * 4, true);
  const std::vector<float> zeros(std::max<size_t>(slots, 1) * kHistogramBins, 0.0f);
  records_->upload(zeros.data(), records_->bytes());
  histograms_->upload(zeros.data(), histograms_->bytes());
  std::vector<uint64_t> counts;
  for (auto& p : network.parameters()) counts.push_back(p.count());
  const ParameterBufferBytes bytes = parameterBufferBytes(counts);
  for (uint64_t copy : bytes.copies) previous_.push_back(std::make_unique<gpu::Buffer>(network.context(), copy));
  difference_ = std::make_unique<gpu::Buffer>(network.context(), bytes.difference);
}

Probes::ParameterBufferBytes Probes::parameterBufferBytes(const std::vector<uint64_t>& counts) {
  ParameterBufferBytes bytes;
  uint64_t largest = 1;
  for (uint64_t count : counts) {
    bytes.copies.push_back(std::max<uint64_t>(count, 1) * 4);
    largest = std::max(largest, count);
  }
  bytes.difference = largest * 4;
  return bytes;
}

void Probes::rememberParameters() {
  if (!remember_) {
    remember_ = std::make_unique<gpu::Recording>(network_.context(), 0);
    auto& params = network_.parameters();
    for (size_t k = 0; k < params.size(); ++k) remember_->copy(params[k].value, *previous_[k]);
  }
  network_.context().run(*remember_);
}

ProbeReport Probes::measure(uint64_t step, bool withGradients, bool withUpdates) {
  gpu::Context& context = network_.context();
  const auto& graph = network_.graph();
  auto& params = network_.parameters();
  const size_t layers = graph.nodes.size();
  // The loss's own "gradient" is the seed of the backward pass, not a quantity to plot.
  auto hasGradient = [&](size_t i) { return i != network_.lossNode() && network_.hasGradient(i); };
  auto& recording = measureRecording_[withGradients][withUpdates];
  if (!recording) {  // recorded once per kind, replayed at every probe
    recording = std::make_unique<gpu::Recording>(context, 0);
    gpu::Recording& rec = *recording;
    auto measureTensor = [&](gpu::BufferRange t, uint32_t n, uint32_t slot, Saturation s, bool withHistogram) {
      recordTensorSummary(rec, t, n, slot, *records_, withHistogram ? histograms_.get() : nullptr, s.low, s.high);
    };
    const float inf = std::numeric_limits<float>::infinity();
    const Saturation none{-inf, inf};
    for (size_t i = 0; i < layers; ++i) {
      const uint32_t n = uint32_t(network_.batch() * network_.analysis().nodes[i].shape.output.elements());
      measureTensor(network_.activation(i), n, uint32_t(i), saturationOf(graph.nodes[i].type).value_or(none), true);
      if (withGradients && hasGradient(i)) measureTensor(network_.gradient(i), n, uint32_t(layers + i), none, true);
    }
    for (size_t k = 0; k < params.size(); ++k) {
      const uint32_t base = uint32_t(2 * layers + 3 * k), n = params[k].count();
      measureTensor(params[k].value, n, base, none, false);
      if (withGradients) measureTensor(params[k].grad, n, base + 1, none, false);
      if (withUpdates) {
        ops::binary(rec, ops::BinaryOp::Sub, params[k].value, *previous_[k], *difference_, n);
        measureTensor(gpu::floats(*difference_, 0, n), n, base + 2, none, false);
      }
    }
  }
  context.run(*recording);

  const auto records = records_->read<float>(records_->bytes() / 4);
  const auto bins = histograms_->read<float>(histograms_->bytes() / 4);
  auto statsAt = [&](uint32_t slot, bool withHistogram, const std::string& type = {}) {
    static const std::vector<float> kNoBins;
    TensorStats s = tensorSummaryAt(records, withHistogram ? bins : kNoBins, slot);
    const float* r = &records[slot * kSummaryFloats];
    if (s.count == 0) return s;
    if (hasDeadUnits(type)) s.deadFraction = r[5] / r[0];
    if (saturationOf(type)) s.saturatedFraction = r[6] / r[0];
    return s;
  };
  auto normAt = [&](uint32_t slot) { return tensorNormAt(records, slot); };
  ProbeReport report;
  report.step = step;
  for (size_t i : network_.analysis().order) {
    LayerProbe layer;
    layer.node = graph.nodes[i].name;
    layer.type = graph.nodes[i].type;
    layer.activation = statsAt(uint32_t(i), true, layer.type);
    if (withGradients && hasGradient(i)) layer.gradient = statsAt(uint32_t(layers + i), true);
    report.layers.push_back(std::move(layer));
  }
  for (size_t k = 0; k < params.size(); ++k) {
    const uint32_t base = uint32_t(2 * layers + 3 * k);
    ParameterProbe p;
    p.name = params[k].name;
    p.norm = normAt(base);
    if (withGradients) p.gradNorm = normAt(base + 1);
    if (withUpdates && p.norm > 0) p.updateRatio = normAt(base + 2) / p.norm;
    report.parameters.push_back(p);
    if (std::find(snapshotNames_.begin(), snapshotNames_.end(), params[k].name) != snapshotNames_.end())
      report.weights.push_back({params[k].name, params[k].tensor.shape, params[k].readValues()});
  }
  for (const auto& s : network_.runningStatistics())
    if (std::find(snapshotNames_.begin(), snapshotNames_.end(), s.name) != snapshotNames_.end())
      report.weights.push_back({s.name, nn::Shape{s.count}, s.buffer->read<float>(s.count)});
  return report;
}

}  // namespace gradlab::train

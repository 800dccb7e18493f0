#include "analysis/loss_landscape.h"

#include "gpu/context.h"
#include "spirv/shaders.h"
#include "train/control_kernels.h"
#include "train/step_builder.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numbers>
#include <random>
#include <stdexcept>
#include <string>

namespace gradlab::analysis {
namespace {

using gpu::Access;
const gpu::KernelSpec kPoint{"landscape_point",
                             spirv::landscape_point,
                             {Access::Read, Access::Read, Access::Read, Access::Read, Access::Read, Access::Write}};
const gpu::KernelSpec kMetrics{"landscape_metrics",
                               spirv::landscape_metrics,
                               {Access::Read, Access::Read, Access::Read, Access::Read, Access::ReadWrite}};

constexpr size_t kMaxChunk = 256;       // points per submission, at most
constexpr double kChunkSeconds = 0.25;  // how often progress is reported and cancellation checked
constexpr uint32_t kGroupSize = 256;

std::vector<double> evenlySpaced(double from, double to, uint32_t n) {
  std::vector<double> v(n);
  for (uint32_t i = 0; i < n; ++i) v[i] = n == 1 ? from : from + (to - from) * double(i) / double(n - 1);
  return v;
}

void checkRange(double from, double to, uint32_t steps, const char* what) {
  if (!std::isfinite(from) || !std::isfinite(to) || from > to)
    throw std::invalid_argument(std::string(what) + ": the range must be finite numbers with from <= to, got " +
                                std::to_string(from) + " .. " + std::to_string(to));
  if (steps == 0 || steps > 100000)
    throw std::invalid_argument(std::string(what) + ": the number of points must be in [1, 100000], got " +
                                std::to_string(steps));
}

// A standard normal value (Box-Muller on the engine's raw bits, the same on every platform).
double gaussian(std::mt19937_64& rng) {
  const double u1 = (double(rng() >> 11) + 1.0) * 0x1p-53;  // (0, 1]
  const double u2 = double(rng() >> 11) * 0x1p-53;
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

}  // namespace

std::vector<size_t> parameterOffsets(const nn::Network& net) {
  std::vector<size_t> offsets{0};
  for (const auto& p : net.parameters()) offsets.push_back(offsets.back() + p.count());
  return offsets;
}

ParamVector readParameters(const nn::Network& net) {
  const auto offsets = parameterOffsets(net);
  ParamVector v(offsets.back());
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    const auto& p = net.parameters()[k];
    p.value.buffer->download(v.data() + offsets[k], uint64_t(p.count()) * 4, p.value.offset);
  }
  return v;
}

void writeParameters(nn::Network& net, const ParamVector& values) {
  const auto offsets = parameterOffsets(net);
  if (values.size() != offsets.back())
    throw std::invalid_argument("writeParameters: " + std::to_string(values.size()) + " values for a network of " +
                                std::to_string(offsets.back()) + " parameters");
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    auto& p = net.parameters()[k];
    p.value.buffer->upload(values.data() + offsets[k], uint64_t(p.count()) * 4, p.value.offset);
  }
}

uint32_t filterAxis(const nn::Network& net, size_t param) {
  const auto& p = net.parameters().at(param);
  // ConvTranspose2d stores its weight as (in, out, k, k), as PyTorch does.
  return net.graph().nodes[p.node].type == "ConvTranspose2d" && p.tensor.shape.rank() > 1 ? 1 : 0;
}

ParamVector filterNormalizedDirection(const nn::Network& net, const ParamVector& weights, uint64_t seed) {
  const auto offsets = parameterOffsets(net);
  if (weights.size() != offsets.back())
    throw std::invalid_argument("filterNormalizedDirection: " + std::to_string(weights.size()) +
                                " weights for a network of " + std::to_string(offsets.back()) + " parameters");
  std::seed_seq seq{uint32_t(seed), uint32_t(seed >> 32)};
  std::mt19937_64 rng(seq);
  ParamVector direction(weights.size(), 0.0f);
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    const auto& p = net.parameters()[k];
    if (p.tensor.role != nn::ParamRole::Weight) continue;  // biases, normalisation: excluded
    const auto& dims = p.tensor.shape.dims;
    const uint32_t axis = filterAxis(net, k), filters = dims[axis];
    size_t inner = 1;  // elements per step along the filter axis
    for (size_t d = axis + 1; d < dims.size(); ++d) inner *= dims[d];
    const size_t n = p.count();
    std::vector<double> d(n), dNorm(filters, 0.0), wNorm(filters, 0.0);
    for (size_t e = 0; e < n; ++e) {
      d[e] = gaussian(rng);
      const size_t f = e / inner % filters;
      dNorm[f] += d[e] * d[e];
      wNorm[f] += double(weights[offsets[k] + e]) * weights[offsets[k] + e];
    }
    for (size_t e = 0; e < n; ++e) {
      const size_t f = e / inner % filters;
      direction[offsets[k] + e] = float(d[e] * std::sqrt(wNorm[f]) / std::max(std::sqrt(dNorm[f]), 1e-300));
    }
  }
  return direction;
}

LossLandscape::LossLandscape(nn::Network& net, const data::Dataset& data, const data::NormalizationTable& norm,
                             uint32_t samples)
    : net_(net), offsets_(parameterOffsets(net)) {
  if (samples == 0) throw std::invalid_argument("The loss landscape needs at least one sample");
  if (!(net.inputShape() == data.sampleShape))
    throw std::invalid_argument("The network's input is " + net.inputShape().text() + " but " + data.name +
                                " samples are " + data.sampleShape.text() + ": change the input or the dataset.");
  gpu::Context& context = net.context();
  const uint64_t bytes = std::max<uint64_t>(parameterCount(), 1) * 4;
  if (bytes > context.device().maxStorageBufferRange)
    throw std::invalid_argument("The network has " + std::to_string(parameterCount()) +
                                " parameters, more than one storage buffer of " + context.device().name +
                                " holds: compute the landscape of a smaller network.");
  dataset_ = std::make_unique<data::DeviceDataset>(context, data.head(std::min(samples, data.size())), norm);
  for (auto* b : {&center_, &delta_, &eta_, &saved_}) *b = std::make_unique<gpu::Buffer>(context, bytes);
  coordinates_ = std::make_unique<gpu::Buffer>(context, kMaxChunk * 8, /*hostMapped=*/true);
  counter_ = std::make_unique<gpu::Buffer>(context, 4, /*hostMapped=*/true);
  records_ = std::make_unique<gpu::Buffer>(context, kMaxChunk * 16, /*hostMapped=*/true);
  const ParamVector zeros(parameterCount(), 0.0f);
  setDirections(zeros, zeros);
  record();
  setCenterToNetwork();
}

LossLandscape::~LossLandscape() = default;

void LossLandscape::record() {
  gpu::Context& context = net_.context();
  const auto& params = net_.parameters();
  save_ = std::make_unique<gpu::Recording>(context, 0);
  restore_ = std::make_unique<gpu::Recording>(context, 0);
  for (size_t k = 0; k < params.size(); ++k) {
    const gpu::BufferRange slot(*saved_, offsets_[k] * 4, uint64_t(params[k].count()) * 4);
    save_->copy(params[k].value, slot);
    restore_->copy(slot, params[k].value);
  }

  // One point: its weights, the forward passes over the subset, its record, the counter advanced.
  // Replayed back to back, once per point of a chunk.
  points_ = std::make_unique<gpu::Recording>(context, 0, /*replayable=*/true);
  gpu::Recording& rec = *points_;
  const auto& point = context.kernel(kPoint, {kGroupSize, 1, 1});
  for (size_t k = 0; k < params.size(); ++k) {
    const struct { uint32_t n, offset; } push{params[k].count(), uint32_t(offsets_[k])};
    rec.dispatch(point, {*center_, *delta_, *eta_, *coordinates_, *counter_, params[k].value}, push,
                 {std::clamp<uint32_t>((push.n + kGroupSize - 1) / kGroupSize, 1, 4096), 1, 1});
  }
  const uint32_t n = dataset_->size(), batch = net_.batch();
  const data::DeviceDataset::Target target{net_.input(), net_.labels(), net_.step(), batch};
  for (uint32_t first = 0; first < n; first += batch) {
    dataset_->recordEvalBatch(rec, target, first);
    train::recordForward(rec, net_, false);
    const struct { uint32_t classes, valid, first; } push{net_.classes(), std::min(batch, n - first), first == 0};
    rec.dispatch(
        context.kernel(kMetrics, {256, 1, 1}),
        {net_.activation(net_.lossNode()), net_.activation(net_.logitsNode()), net_.labels(), *counter_, *records_},
        push, {1, 1, 1});
  }
  train::recordAdvanceStep(rec, *counter_);
  rec.finish();
}

void LossLandscape::check(const ParamVector& v, const char* what) const {
  if (v.size() != parameterCount())
    throw std::invalid_argument(std::string(what) + " has " + std::to_string(v.size()) +
                                " values but the network has " + std::to_string(parameterCount()) + " parameters");
}

void LossLandscape::setCenter(const ParamVector& center) {
  check(center, "The center");
  center_->upload(center.data(), center.size() * 4);
}

void LossLandscape::setCenterToNetwork() {
  gpu::Recording rec(net_.context(), 0);
  const auto& params = net_.parameters();
  for (size_t k = 0; k < params.size(); ++k)
    rec.copy(params[k].value, gpu::BufferRange(*center_, offsets_[k] * 4, uint64_t(params[k].count()) * 4));
  net_.context().run(rec);
}

ParamVector LossLandscape::center() const {
  ParamVector v(parameterCount());
  center_->download(v.data(), v.size() * 4);
  return v;
}

void LossLandscape::setDirections(const ParamVector& delta, const ParamVector& eta) {
  check(delta, "The first direction");
  check(eta, "The second direction");
  delta_->upload(delta.data(), delta.size() * 4);
  eta_->upload(eta.data(), eta.size() * 4);
}

std::vector<PointValue> LossLandscape::evaluate(std::span<const std::array<double, 2>> points,
                                                const RunControl& control, bool* cancelled) {
  gpu::Context& context = net_.context();
  std::vector<PointValue> values;
  values.reserve(points.size());
  bool stopped = false;
  context.run(*save_);
  try {
    size_t chunk = 1;  // grows until a submission takes about kChunkSeconds
    while (values.size() < points.size()) {
      if (control.cancel && control.cancel->load()) {
        stopped = true;
        break;
      }
      const size_t first = values.size(), n = std::min({chunk, kMaxChunk, points.size() - first});
      std::vector<float> coordinates(2 * n);
      for (size_t i = 0; i < n; ++i) {
        coordinates[2 * i] = float(points[first + i][0]);
        coordinates[2 * i + 1] = float(points[first + i][1]);
      }
      coordinates_->upload(coordinates.data(), coordinates.size() * 4);
      const uint32_t zero = 0;
      counter_->upload(&zero, 4);
      const auto start = std::chrono::steady_clock::now();
      context.submit(*points_, uint32_t(n));
      points_->wait();
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      const auto records = records_->read<float>(4 * n);
      for (size_t i = 0; i < n; ++i) {
        const float* r = &records[4 * i];
        values.push_back({double(r[0]) / r[2], double(r[1]) / r[2]});
      }
      chunk = std::clamp<size_t>(size_t(double(n) * kChunkSeconds / std::max(seconds, 1e-6)), 1, 2 * n);
      if (control.progress && !control.progress(values.size(), points.size())) {
        stopped = values.size() < points.size();
        break;
      }
    }
  } catch (...) {
    context.run(*restore_);
    throw;
  }
  context.run(*restore_);
  if (cancelled) *cancelled = stopped;
  return values;
}

Grid LossLandscape::grid(const GridSpec& spec, const RunControl& control) {
  checkRange(spec.alphaMin, spec.alphaMax, spec.alphaSteps, "The grid's first axis");
  checkRange(spec.betaMin, spec.betaMax, spec.betaSteps, "The grid's second axis");
  Grid g;
  g.alphas = evenlySpaced(spec.alphaMin, spec.alphaMax, spec.alphaSteps);
  g.betas = evenlySpaced(spec.betaMin, spec.betaMax, spec.betaSteps);
  std::vector<std::array<double, 2>> points;
  for (double b : g.betas)
    for (double a : g.alphas) points.push_back({a, b});
  g.values = evaluate(points, control, &g.cancelled);
  return g;
}

Line LossLandscape::line(const ParamVector& thetaA, const ParamVector& thetaB, const LineSpec& spec,
                         const RunControl& control) {
  checkRange(spec.from, spec.to, spec.points, "The line");
  check(thetaA, "The line's start");
  check(thetaB, "The line's end");
  // (1 - t) theta_a + t theta_b as 0 + a theta_a + b theta_b: exactly theta_a at t = 0 and theta_b at t = 1.
  setCenter(ParamVector(parameterCount(), 0.0f));
  setDirections(thetaA, thetaB);
  Line l;
  l.t = evenlySpaced(spec.from, spec.to, spec.points);
  std::vector<std::array<double, 2>> points;
  for (double t : l.t) points.push_back({1.0 - t, t});
  l.values = evaluate(points, control, &l.cancelled);
  return l;
}

}  // namespace gradlab::analysis

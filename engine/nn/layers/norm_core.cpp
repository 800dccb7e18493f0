// The shared normalisation layer (see norm_core.h). Forward: statistics per group (or BatchNorm's
// running ones in eval), then y = xhat * weight + bias. Backward: group sums of g = dy * weight
// and g * xhat, then dx = rstd (g - mean(g) - xhat mean(g xhat)); the parameter gradients are
// sums of dy * xhat and dy over the values each parameter touches.
#include "nn/layers/norm_core.h"

#include "nn/layers/common.h"
#include "spirv/shaders.h"

#include <algorithm>
#include <cmath>

namespace gradlab::nn::layers {
namespace {

using gpu::Access;
const gpu::KernelSpec kStats{
    "norm_stats", spirv::norm_stats, {Access::Read, Access::Read, Access::Read, Access::Write}};
const gpu::KernelSpec kStatsUpdate{
    "norm_stats_update", spirv::norm_stats, {Access::Read, Access::ReadWrite, Access::ReadWrite, Access::Write}};
const gpu::KernelSpec kApply{
    "norm_apply",
    spirv::norm_apply,
    {Access::Read, Access::Read, Access::Read, Access::Read, Access::Read, Access::Read, Access::ReadWrite}};
const gpu::KernelSpec kReduce{"norm_reduce",
                              spirv::norm_reduce,
                              {Access::Read, Access::Read, Access::Read, Access::Read, Access::Write, Access::Write}};

constexpr uint64_t kAlign = 64;  // floats: 256 bytes, the largest storage-buffer offset alignment
uint64_t aligned(uint64_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

gpu::BufferRange sub(const gpu::BufferRange& r, uint64_t first, uint64_t count) {
  return gpu::BufferRange(*r.buffer, r.offset + first * 4, std::max<uint64_t>(count, 1) * 4);
}
gpu::WorkGroup perValue(uint32_t n) { return {std::clamp<uint32_t>((n + 255) / 256, 1, 4096), 1, 1}; }
gpu::WorkGroup perGroup(uint32_t groups) { return {(groups + 63) / 64, 1, 1}; }

}  // namespace

NormLayer::Groups NormLayer::groups(uint32_t batch) const {
  if (l_.batchNorm) return {l_.channels, l_.spatial, batch};
  return {batch * l_.groupsPerSample, perSample() / l_.groupsPerSample, 1};
}

uint64_t NormLayer::sumsOffset(uint32_t batch) const { return aligned(2ull * groups(batch).groups + 1); }
uint64_t NormLayer::sumGxOffset(uint32_t batch) const { return sumsOffset(batch) + aligned(groups(batch).groups); }
uint64_t NormLayer::workspaceFloats(uint32_t batch) const { return sumGxOffset(batch) + groups(batch).groups; }

void NormLayer::forward(const ForwardPass& p) const {
  const Groups g = groups(p.batch);
  const uint32_t n = p.batch * perSample();
  const gpu::BufferRange x = p.inputs[0], stats = sub(p.workspace, 0, 2ull * g.groups + 1);
  const uint32_t mode = l_.batchNorm ? (p.training ? 1u : 2u) : 0u;
  struct {
    uint32_t groups, inner, outer;
    float eps, momentum;
  } sp{g.groups, g.inner, g.outer, float(l_.eps), float(l_.momentum)};
  const auto& statsKernel = p.rec.context().kernel(mode == 1 ? kStatsUpdate : kStats, {64, 1, 1}, {mode});
  if (l_.batchNorm)
    p.rec.dispatch(statsKernel, {x, p.buffers[0], p.buffers[1], stats}, sp, perGroup(g.groups));
  else
    p.rec.dispatch(statsKernel, {x, x, x, stats}, sp, perGroup(g.groups));

  struct {
    uint32_t n, groups, inner, paramCount, paramInner;
  } ap{n, g.groups, g.inner, l_.paramCount, l_.paramInner};
  const auto& apply = p.rec.context().kernel(kApply, {256, 1, 1}, {0u, l_.affine ? 1u : 0u, 0u});
  const gpu::BufferRange w = l_.affine ? p.params[0] : x, b = l_.affine ? p.params[1] : x;
  p.rec.dispatch(apply, {x, stats, w, b, x, x, p.output}, ap, perValue(n));
}

void NormLayer::backward(const BackwardPass& p) const {
  const Groups g = groups(p.batch);
  const uint32_t n = p.batch * perSample();
  const gpu::BufferRange x = p.inputs[0], stats = sub(p.workspace, 0, 2ull * g.groups + 1);
  const gpu::BufferRange w = l_.affine ? p.params[0] : x;
  struct {
    uint32_t groups, inner, outer, statGroups, statInner, paramCount, paramInner;
  } rp{g.groups, g.inner, g.outer, g.groups, g.inner, l_.paramCount, l_.paramInner};
  if (wantsGrad(p, 0)) {
    const gpu::BufferRange sumG = sub(p.workspace, sumsOffset(p.batch), g.groups),
                           sumGx = sub(p.workspace, sumGxOffset(p.batch), g.groups);
    const auto& reduce = p.rec.context().kernel(kReduce, {64, 1, 1}, {l_.affine ? 1u : 0u});
    p.rec.dispatch(reduce, {x, stats, w, p.gradOutput, sumG, sumGx}, rp, perGroup(g.groups));
    struct {
      uint32_t n, groups, inner, paramCount, paramInner;
    } ap{n, g.groups, g.inner, l_.paramCount, l_.paramInner};
    const auto& apply =
        p.rec.context().kernel(kApply, {256, 1, 1}, {1u, l_.affine ? 1u : 0u, accumulates(p, 0) ? 1u : 0u});
    p.rec.dispatch(apply, {x, stats, w, sumG, sumGx, p.gradOutput, p.gradInputs[0]}, ap, perValue(n));
  }
  if (l_.affine) {  // d bias = sum dy, d weight = sum dy xhat, per parameter
    rp.groups = l_.paramCount;
    rp.inner = l_.paramInner;
    rp.outer = n / (l_.paramCount * l_.paramInner);
    const auto& reduce = p.rec.context().kernel(kReduce, {64, 1, 1}, {0u});
    p.rec.dispatch(reduce, {x, stats, x, p.gradOutput, p.paramGrads[1], p.paramGrads[0]}, rp, perGroup(l_.paramCount));
  }
}

namespace {
// Mean and biased variance of each group (reference).
void groupStats(const RefTensor& x, uint32_t groups, uint32_t inner, uint32_t outer, std::vector<double>& mean,
                std::vector<double>& var) {
  mean.assign(groups, 0.0);
  var.assign(groups, 0.0);
  const double count = double(inner) * outer;
  for (uint32_t k = 0; k < groups; ++k) {
    for (uint32_t j = 0; j < outer; ++j)
      for (uint32_t t = 0; t < inner; ++t) mean[k] += x[(size_t(j) * groups + k) * inner + t];
    mean[k] /= count;
    for (uint32_t j = 0; j < outer; ++j)
      for (uint32_t t = 0; t < inner; ++t) {
        const double d = x[(size_t(j) * groups + k) * inner + t] - mean[k];
        var[k] += d * d;
      }
    var[k] /= count;
  }
}
}  // namespace

void NormLayer::forwardReference(const RefForward& p) const {
  const Groups g = groups(p.batch);
  const RefTensor& x = *p.inputs[0];
  std::vector<double> mean, var;
  groupStats(x, g.groups, g.inner, g.outer, mean, var);
  if (l_.batchNorm) {
    RefTensor &rm = *p.buffers[0], &rv = *p.buffers[1];
    if (p.training) {
      const double count = double(g.inner) * g.outer;
      for (uint32_t k = 0; k < g.groups; ++k) {
        rm[k] = (1 - l_.momentum) * rm[k] + l_.momentum * mean[k];
        rv[k] = (1 - l_.momentum) * rv[k] + l_.momentum * var[k] * count / std::max(count - 1, 1.0);
      }
    } else {
      mean.assign(rm.begin(), rm.end());
      var.assign(rv.begin(), rv.end());
    }
  }
  const size_t n = size_t(p.batch) * perSample();
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (i / g.inner) % g.groups, c = (i / l_.paramInner) % l_.paramCount;
    const double xhat = (x[i] - mean[k]) / std::sqrt(var[k] + l_.eps);
    (*p.output)[i] = l_.affine ? xhat * (*p.params[0])[c] + (*p.params[1])[c] : xhat;
  }
}

void NormLayer::backwardReference(const RefBackward& p) const {
  const Groups g = groups(p.batch);
  const RefTensor &x = *p.inputs[0], &dy = *p.gradOutput;
  // Batch statistics, except BatchNorm in evaluation, which used (and left) the running ones.
  const bool batchStatistics = p.training || !l_.batchNorm;
  std::vector<double> mean, var;
  if (batchStatistics)
    groupStats(x, g.groups, g.inner, g.outer, mean, var);
  else
    mean.assign(p.buffers[0]->begin(), p.buffers[0]->end()), var.assign(p.buffers[1]->begin(), p.buffers[1]->end());
  const size_t n = size_t(p.batch) * perSample();
  std::vector<double> xhat(n), gx(n), sumG(g.groups, 0.0), sumGx(g.groups, 0.0);
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (i / g.inner) % g.groups, c = (i / l_.paramInner) % l_.paramCount;
    xhat[i] = (x[i] - mean[k]) / std::sqrt(var[k] + l_.eps);
    gx[i] = l_.affine ? dy[i] * (*p.params[0])[c] : dy[i];
    sumG[k] += gx[i];
    sumGx[k] += gx[i] * xhat[i];
  }
  const double count = double(g.inner) * g.outer;
  RefTensor& dx = *p.gradInputs[0];
  for (size_t i = 0; i < n; ++i) {
    const size_t k = (i / g.inner) % g.groups;
    const double rstd = 1 / std::sqrt(var[k] + l_.eps);
    dx[i] = batchStatistics ? rstd * (gx[i] - sumG[k] / count - xhat[i] * sumGx[k] / count) : rstd * gx[i];
  }
  if (l_.affine) {
    RefTensor &dw = *p.paramGrads[0], &db = *p.paramGrads[1];
    std::fill(dw.begin(), dw.end(), 0.0);
    std::fill(db.begin(), db.end(), 0.0);
    for (size_t i = 0; i < n; ++i) {
      const size_t c = (i / l_.paramInner) % l_.paramCount;
      dw[c] += dy[i] * xhat[i];
      db[c] += dy[i];
    }
  }
}

std::vector<OnnxNode> onnxNormalization(const Node& node, const NodeInfo& info, const char* op) {
  const Shape& in = info.inputShapes.at(0);
  const uint32_t channels = in.rank() == 1 ? in.dims[0] : in.channels();
  const bool affine = info.params.flag("affine"), running = !info.shape.buffers.empty();
  OnnxNode n = schema::onnxNode(node, op);
  n.inputs.push_back(
      affine ? schema::onnxTensor(node.name + ".weight")
             : schema::onnxConstant(node.name + ".onnx_scale", {channels}, std::vector<float>(channels, 1)));
  n.inputs.push_back(
      affine ? schema::onnxTensor(node.name + ".bias")
             : schema::onnxConstant(node.name + ".onnx_shift", {channels}, std::vector<float>(channels, 0)));
  if (running) {
    n.inputs.push_back(schema::onnxTensor(node.name + ".running_mean"));
    n.inputs.push_back(schema::onnxTensor(node.name + ".running_var"));
  }
  n.attributes.push_back(schema::onnxFloat("epsilon", info.params.real("eps")));
  // ONNX's momentum weighs the old running value, PyTorch's (and GradLab's) the new batch.
  if (running) n.attributes.push_back(schema::onnxFloat("momentum", 1 - info.params.real("momentum")));
  return {n};
}

}  // namespace gradlab::nn::layers

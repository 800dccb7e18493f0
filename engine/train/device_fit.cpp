#include "train/device_fit.h"

#include "data/device_dataset.h"
#include "gpu/buffer.h"
#include "nn/network.h"
#include "optim/optimizer.h"
#include "train/probes.h"
#include "train/training_session.h"

#include <algorithm>
#include <cstdio>

namespace gradlab::train {

namespace {

using Grows = PlannedBuffer::Grows;

std::string bytesText(uint64_t bytes) {
  char text[32];
  if (bytes >= (10ull << 30))
    std::snprintf(text, sizeof text, "%.0f GiB", double(bytes) / double(1ull << 30));
  else if (bytes >= (1ull << 30))
    std::snprintf(text, sizeof text, "%.1f GiB", double(bytes) / double(1ull << 30));
  else
    std::snprintf(text, sizeof text, "%llu MiB", static_cast<unsigned long long>((bytes + (1 << 20) - 1) >> 20));
  return text;
}

// "layer h1 (Linear 784->65536)"
std::string layerName(const nn::Graph& graph, const nn::GraphAnalysis& analysis, size_t i) {
  const nn::NodeInfo& info = analysis.nodes[i];
  const std::string in = info.inputShapes.empty() ? "" : info.inputShapes[0].text();
  return "layer " + graph.nodes[i].name + " (" + graph.nodes[i].type + " " + in + "->" + info.shape.output.text() + ")";
}

void addNetwork(const DeviceFitRequest& r, const gpu::DeviceInfo& device, std::vector<PlannedBuffer>& out) {
  const nn::GraphAnalysis analysis = nn::analyze(r.graph);
  if (!analysis.ok()) throw std::invalid_argument("The network cannot be trained:\n" + analysis.errorText());
  const nn::NetworkPlan plan = nn::planNetwork(r.graph, analysis, r.batch, device, r.conv);
  auto floats = [](uint64_t n) { return nn::networkBufferBytes(n); };
  out.push_back({"the network", "input batch", floats(plan.inputFloats), true, true, -1, Grows::WithBatch});
  out.push_back({"the network", "input gradient", floats(plan.inputFloats), true, true, -1, Grows::WithBatch});
  out.push_back({"the network", "label buffer", floats(plan.labelFloats), true, true, -1, Grows::WithBatch});
  out.push_back({"the network", "step counter", floats(plan.stepFloats), true, true, -1, Grows::Fixed});
  std::vector<uint64_t> paramCounts;
  for (size_t i : analysis.order) {
    const auto& node = plan.nodes[i];
    const std::string owner = layerName(r.graph, analysis, i);
    const int n = int(i);
    out.push_back({owner, "output", floats(node.outputFloats), true, true, n, Grows::WithBatch});
    out.push_back({owner, "output gradient", floats(node.gradFloats), true, true, n,
                   node.reachesLoss ? Grows::WithBatch : Grows::Fixed});
    out.push_back({owner, "workspace", floats(node.workspaceFloats), true, true, n, Grows::WithBatch});
    const auto& shape = analysis.nodes[i].shape;
    for (size_t k = 0; k < node.stateFloats.size(); ++k)
      out.push_back({owner, shape.buffers[k].name, floats(node.stateFloats[k]), true, true, n, Grows::WithNetwork});
    for (const auto& p : shape.params) {
      const uint64_t count = p.shape.elements();
      paramCounts.push_back(count);
      // Ranges of the shared buffers below, each bound whole by the layer's kernels.
      out.push_back({owner, p.name, count * 4, false, true, n, Grows::WithNetwork});
      out.push_back({owner, p.name + " gradient", count * 4, false, true, n, Grows::WithNetwork});
    }
  }
  // One check and (without SGD in the backward pass) one update bind them whole.
  out.push_back({"the network", "parameter buffer (all its parameters)", floats(plan.paramFloats), true, true, -1,
                 Grows::WithNetwork});
  out.push_back({"the network", "gradient buffer (all its parameters)", floats(plan.paramFloats), true, true, -1,
                 Grows::WithNetwork});
  if (r.optimizerStateFloats)
    for (uint64_t count : paramCounts)
      for (uint64_t n : r.optimizerStateFloats(count))
        out.push_back({"the optimizer", "state of a parameter", n * 4, true, true, -1, Grows::WithNetwork});
  if (r.checkpoint) {  // copied, never bound
    uint64_t bytes = floats(plan.paramFloats);
    for (const auto& node : plan.nodes)
      for (uint64_t n : node.stateFloats) bytes += floats(n);
    out.push_back({"the network", "checkpoint of its parameters", bytes, true, false, -1, Grows::WithNetwork});
  }
  if (r.probes) {
    const Probes::ParameterBufferBytes probes = Probes::parameterBufferBytes(paramCounts);
    for (uint64_t bytes : probes.copies)
      out.push_back({"the probes", "copy of a parameter", bytes, true, true, -1, Grows::WithNetwork});
    out.push_back({"the probes", "difference of parameters", probes.difference, true, true, -1, Grows::WithNetwork});
  }
}

void addDatasets(const DeviceFitRequest& r, std::vector<PlannedBuffer>& out) {
  for (const auto& d : r.datasets) {
    const data::DeviceDatasetSizes s = data::deviceDatasetSizes(d.samples, d.sampleSize, d.bytes);
    const std::string owner = "dataset " + d.name;
    out.push_back({owner, "sample data", s.data, true, true, -1, Grows::WithDataset});
    out.push_back({owner, "label array", s.labels, true, true, -1, Grows::WithDataset});
    out.push_back({owner, "sample order", s.order, true, true, -1, Grows::WithDataset});
    out.push_back({owner, "normalization table", s.normalization, true, true, -1, Grows::Fixed});
  }
}

uint64_t allocationLimit(const gpu::DeviceInfo& d) { return std::min(d.maxMemoryAllocationSize, d.deviceLocalBytes); }

struct Problem {
  enum Kind { None, Binding, Allocation, Heap } kind = None;
  size_t buffer = 0;  // for Binding and Allocation
  uint64_t total = 0;
};

Problem firstProblem(const std::vector<PlannedBuffer>& buffers, const gpu::DeviceInfo& device) {
  Problem p;
  for (size_t i = 0; i < buffers.size(); ++i) {
    const PlannedBuffer& b = buffers[i];
    if (b.bindsWhole && b.bytes > device.maxStorageBufferRange && p.kind == Problem::None) p = {Problem::Binding, i};
    if (b.allocation && gpu::Buffer::capacityFor(b.bytes) > allocationLimit(device) && p.kind == Problem::None)
      p = {Problem::Allocation, i};
    if (b.allocation) p.total += gpu::Buffer::capacityFor(b.bytes);
  }
  if (p.kind == Problem::None && p.total > device.deviceLocalBytes) p.kind = Problem::Heap;
  return p;
}

bool fitsAtBatch(DeviceFitRequest r, uint32_t batch, const gpu::DeviceInfo& device) {
  r.batch = batch;
  return firstProblem(plannedBuffers(r, device), device).kind == Problem::None;
}

// The largest batch below the request's at which the run fits; 0: none.
uint32_t largestFittingBatch(const DeviceFitRequest& r, const gpu::DeviceInfo& device) {
  if (r.batch <= 1 || !fitsAtBatch(r, 1, device)) return 0;
  uint32_t lo = 1, hi = r.batch - 1;  // fits at lo
  while (lo < hi) {
    const uint32_t mid = lo + (hi - lo + 1) / 2;
    if (fitsAtBatch(r, mid, device))
      lo = mid;
    else
      hi = mid - 1;
  }
  return lo;
}

std::string advice(const DeviceFitRequest& r, const gpu::DeviceInfo& device, const PlannedBuffer& b, uint64_t limit) {
  if (b.grows == Grows::WithBatch) {
    if (const uint32_t batch = largestFittingBatch(r, device)) return "use a batch of at most " + std::to_string(batch);
    return "even a batch of 1 does not fit: make this layer smaller";
  }
  if (b.grows == Grows::WithDataset) {
    for (const auto& d : r.datasets)
      if (b.owner == "dataset " + d.name) {
        const uint64_t samples = b.bytes ? d.samples * limit / b.bytes : 0;
        return "use at most " + std::to_string(samples) + " of its " + std::to_string(d.samples) +
               " samples, or smaller samples";
      }
  }
  if (b.node >= 0)
    return "use fewer units or channels: a tensor may hold at most " + std::to_string(limit / 4) +
           " floats there (this one has " + std::to_string(b.bytes / 4) + ")";
  return "use smaller layers: at most " + std::to_string(limit / 4) + " floats fit there (the network needs " +
         std::to_string(b.bytes / 4) + ")";
}

}  // namespace

std::vector<PlannedBuffer> plannedBuffers(const DeviceFitRequest& request, const gpu::DeviceInfo& device) {
  std::vector<PlannedBuffer> buffers;
  addNetwork(request, device, buffers);
  addDatasets(request, buffers);
  return buffers;
}

DeviceFit checkDeviceFit(const DeviceFitRequest& request, const gpu::DeviceInfo& device) {
  const std::vector<PlannedBuffer> buffers = plannedBuffers(request, device);
  const Problem p = firstProblem(buffers, device);
  DeviceFit fit;
  fit.totalBytes = p.total;
  if (p.kind == Problem::None) return fit;
  fit.fits = false;
  const std::string name = device.name.empty() ? "this device" : device.name;
  if (p.kind == Problem::Heap) {
    const uint32_t batch = largestFittingBatch(request, device);
    fit.message = "The run needs " + bytesText(p.total) + " on " + name + ", over its " +
                  bytesText(device.deviceLocalBytes) + " of memory; " +
                  (batch ? "use a batch of at most " + std::to_string(batch) : "use a smaller network or dataset") +
                  ".";
    fit.reason = fit.message;
    return fit;
  }
  const PlannedBuffer& b = buffers[p.buffer];
  fit.node = b.node;
  const bool binding = p.kind == Problem::Binding;
  const uint64_t limit = binding ? device.maxStorageBufferRange : allocationLimit(device);
  fit.reason = "its " + b.what + " needs " + bytesText(b.bytes) + ", over " +
               (binding ? "the " + bytesText(limit) + " one kernel binding holds on " + name
                        : "the " + bytesText(limit) + " one allocation may have on " + name) +
               "; " + advice(request, device, b, limit) + ".";
  fit.message = b.owner + ": " + fit.reason;
  return fit;
}

DeviceFitRequest sessionFitRequest(const nn::Graph& graph, const data::Dataset& train, const data::Dataset* validation,
                                   const TrainingOptions& options, const optim::Optimizer* optimizer) {
  DeviceFitRequest r;
  r.graph = graph;
  r.batch = options.batch;
  r.conv = options.conv;
  if (optimizer) r.optimizerStateFloats = [optimizer](uint64_t count) { return optimizer->stateFloats(count); };
  // The SGD step taken in the backward pass keeps a checkpoint to step back to.
  r.checkpoint = takesSgdInBackward(options, optimizer);
  r.datasets.push_back({train.name + " (training)", train.size(), train.sampleSize(), train.isBytes()});
  if (validation && validation->size() > 0)
    r.datasets.push_back(
        {validation->name + " (validation)", validation->size(), validation->sampleSize(), validation->isBytes()});
  return r;
}

void requireDeviceFit(const DeviceFitRequest& request, const gpu::DeviceInfo& device) {
  const DeviceFit fit = checkDeviceFit(request, device);
  if (!fit.fits) throw DeviceFitError(fit.message, fit.node);
}

}  // namespace gradlab::train

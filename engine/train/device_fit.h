#pragma once
// Whether a run fits the chosen device, decided before any GPU work: every buffer the run will
// allocate (the network's activations, gradients, workspaces and parameters, the optimizer's
// state, the datasets on the device, the probes' copies) sized from the same plans the real
// allocations use (nn::planNetwork, data::deviceDatasetSizes, Optimizer::stateFloats), then held
// against the device's limits: the bytes one kernel binding may cover (maxStorageBufferRange),
// the bytes one allocation may have (maxMemoryAllocationSize) and the device's memory heap.
// The answer names the first layer or dataset that does not fit and what would.
#include "gpu/device_info.h"
#include "nn/conv_algorithm.h"
#include "nn/graph.h"

#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradlab::data {
struct Dataset;
}
namespace gradlab::optim {
class Optimizer;
}

namespace gradlab::train {

struct TrainingOptions;

struct DeviceFitRequest {
  nn::Graph graph;
  uint32_t batch = 1;
  std::optional<nn::ConvAlgorithm> conv;
  // Optimizer::stateFloats of the run's optimizer, for a tensor of `count` elements; unset: none.
  std::function<std::vector<uint64_t>(uint64_t count)> optimizerStateFloats;
  bool checkpoint = false;  // SGD taken in the backward pass keeps a copy of every parameter
  bool probes = false;      // probes keep a copy of every parameter
  struct Dataset {
    std::string name;  // "fashion-mnist (train)"
    uint64_t samples = 0, sampleSize = 0;
    bool bytes = true;  // stored as bytes, else floats
  };
  std::vector<Dataset> datasets;
};

struct PlannedBuffer {
  enum class Grows { WithBatch, WithNetwork, WithDataset, Fixed };
  std::string owner;  // "layer h1 (Linear 784->65536)", "dataset fashion-mnist (train)", "the network"
  std::string what;   // "weight gradient", "samples"
  uint64_t bytes = 0;
  bool allocation = true;  // a buffer of its own (else a range of a shared one)
  bool bindsWhole = true;  // some kernel binds it whole: the binding limit applies
  int node = -1;           // its graph node; -1: none
  Grows grows = Grows::Fixed;
};

struct DeviceFit {
  bool fits = true;
  std::string message;  // one line: what does not fit, by how much, and what would
  std::string reason;   // the message without its owner ("its weight needs ..."), to show at the layer
  int node = -1;        // the graph node at fault; -1: none, or not one layer
  uint64_t totalBytes = 0;
};

// Every buffer the run described by `request` allocates or binds, without allocating anything.
// Throws std::invalid_argument when the graph does not pass its shape check.
std::vector<PlannedBuffer> plannedBuffers(const DeviceFitRequest& request, const gpu::DeviceInfo& device);

// The first buffer beyond a limit of `device`, or the total beyond its memory.
DeviceFit checkDeviceFit(const DeviceFitRequest& request, const gpu::DeviceInfo& device);

class DeviceFitError : public std::invalid_argument {
 public:
  DeviceFitError(const std::string& message, int node) : std::invalid_argument(message), node_(node) {}
  int node() const { return node_; }

 private:
  int node_;
};

// The request of a TrainingSession on `train` (and `validation`, may be null) with `options` and
// `optimizer` (null: the default SGD), which must outlive the request.
DeviceFitRequest sessionFitRequest(const nn::Graph& graph, const data::Dataset& train, const data::Dataset* validation,
                                   const TrainingOptions& options, const optim::Optimizer* optimizer);

// checkDeviceFit, throwing DeviceFitError with its message when the run does not fit.
void requireDeviceFit(const DeviceFitRequest& request, const gpu::DeviceInfo& device);

}  // namespace gradlab::train

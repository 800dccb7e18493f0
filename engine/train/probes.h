#pragma once
// What the lab plots about the inside of a network, computed on the device: for every layer, the
// statistics and histogram of its output (activation) and of the loss's gradient with respect to
// it; for every parameter tensor, its norm, its gradient's norm and the size of the last update
// relative to it. Probes are recorded once and run every K steps.
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "nn/network.h"

#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gradlab::train {

constexpr uint32_t kHistogramBins = 32;

struct TensorStats {
  uint64_t count = 0;
  double mean = 0, std = 0, min = 0, max = 0;
  // Measured only where they mean something: dead units (exactly 0, passing no gradient) in a
  // ReLU's output; saturated units (tanh beyond +-0.99, sigmoid outside (0.01, 0.99)) in a Tanh's
  // or Sigmoid's. Zeros elsewhere are just values (black input pixels, a Flatten of them).
  std::optional<double> deadFraction, saturatedFraction;
  std::vector<float> histogram;  // kHistogramBins counts between min and max
};

struct LayerProbe {
  std::string node, type;
  // The gradient is empty (count 0) without a backward pass, and for nodes whose gradient the
  // backward pass does not compute (nn::Network::hasGradient).
  TensorStats activation, gradient;
};

struct ParameterProbe {
  std::string name;
  double norm = 0, gradNorm = 0;
  double updateRatio = 0;  // |theta_t - theta_{t-1}| / |theta_t|
};

// A copy of a parameter tensor's values (learned filters, first-layer weights as images).
struct WeightSnapshot {
  std::string name;  // "c1.weight"
  nn::Shape shape;   // e.g. out_channels x in_channels x k x k
  std::vector<float> values;
};

// The top Hessian eigenvalue of the probed step's batch loss (analysis/sharpness.h), with the
// learning rate that step ran with: gradient descent is stable while it stays below 2 / lr.
struct SharpnessReading {
  double lambdaMax = 0;
  double relativeChange = 0;  // the power iteration's last relative change (its convergence)
  double learningRate = 0;
  uint32_t gradients = 0;  // gradient passes it took
  double seconds = 0;      // and the time they took
};

struct InternalsReport;  // train/internals.h

struct ProbeReport {
  uint64_t step = 0;                          // steps completed when measured (the probed step is the last of them)
  std::vector<LayerProbe> layers;             // in forward order
  std::vector<ParameterProbe> parameters;     // in Network::parameters() order
  std::vector<WeightSnapshot> weights;        // the tensors asked for with Probes::snapshotWeights
  std::optional<SharpnessReading> sharpness;  // when the run measures it (RunConfig::probeMeasurement)
  // Optimizer state, BatchNorm statistics, train/eval gap, distinct units (training probes only).
  std::shared_ptr<const InternalsReport> internals;
};

class Probes {
 public:
  explicit Probes(nn::Network& network);

  // Bytes of the buffers Probes keeps per parameter, for parameters of these float counts: a copy
  // of each (to measure an update against) and one difference buffer as large as the largest.
  // The device-fit check sizes them with the same function.
  struct ParameterBufferBytes {
    std::vector<uint64_t> copies;
    uint64_t difference = 0;
  };
  static ParameterBufferBytes parameterBufferBytes(const std::vector<uint64_t>& counts);

  // Keeps the current parameters to measure the next update against (call before a step).
  void rememberParameters();
  // Parameter tensors (by name, e.g. "c1.weight") and running statistics ("bn1.running_mean")
  // whose values every report carries.
  void snapshotWeights(std::vector<std::string> names) { snapshotNames_ = std::move(names); }
  // Statistics of the network's buffers as they are now (after a step, or a forward pass when
  // `withGradients` is false).
  ProbeReport measure(uint64_t step, bool withGradients, bool withUpdates);

 private:
  nn::Network& network_;
  std::vector<std::string> snapshotNames_;
  std::vector<std::unique_ptr<gpu::Buffer>> previous_;
  std::unique_ptr<gpu::Buffer> records_, histograms_, difference_;
  std::unique_ptr<gpu::Recording> remember_;
  std::unique_ptr<gpu::Recording> measureRecording_[2][2];
};

}  // namespace gradlab::train

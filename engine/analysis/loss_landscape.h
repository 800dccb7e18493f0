#pragma once
// The loss landscape of a network (Li et al., "Visualizing the Loss Landscape of Neural Nets",
// 2018): loss and accuracy on a fixed subset of samples, in evaluation mode, at the points
// theta + a * delta + b * eta of a plane through parameter space, or along the line between two
// parameter vectors. The parameters, directions and samples stay on the device; the forward passes
// over the subset are recorded once and replayed for every point, a small kernel sets the weights
// of each point from coordinates the device reads, and the losses are summed there and read back
// once per chunk of points.
#include "data/device_dataset.h"
#include "gpu/recording.h"
#include "nn/network.h"

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <vector>

namespace gradlab::analysis {

// Every parameter of a network flattened into one vector, tensors in Network::parameters() order.
using ParamVector = std::vector<float>;

// Where each parameter tensor starts in a ParamVector; the last entry is the total length.
std::vector<size_t> parameterOffsets(const nn::Network& net);
ParamVector readParameters(const nn::Network& net);
void writeParameters(nn::Network& net, const ParamVector& values);

// The dimension of a weight tensor whose slices are its filters (output units): rows of a Linear
// weight, out-channel slices of a Conv2d weight (dim 0), of a ConvTranspose2d weight (dim 1).
uint32_t filterAxis(const nn::Network& net, size_t param);

// A random gaussian direction with filter normalisation: each filter of each weight tensor scaled
// to the norm of the same filter of `weights`; biases and normalisation parameters (any role but
// ParamRole::Weight) get zero. The same seed gives the same direction.
ParamVector filterNormalizedDirection(const nn::Network& net, const ParamVector& weights, uint64_t seed);

struct PointValue {
  double loss = 0, accuracy = 0;  // mean over the samples
};

struct RunControl {
  // Called after each chunk of points with the number done so far; returning false cancels.
  std::function<bool(size_t done, size_t total)> progress;
  const std::atomic<bool>* cancel = nullptr;  // set (from any thread) to stop after the current chunk
};

// a in [alphaMin, alphaMax] and b in [betaMin, betaMax], evenly spaced, ends included.
struct GridSpec {
  double alphaMin = -1, alphaMax = 1, betaMin = -1, betaMax = 1;
  uint32_t alphaSteps = 51, betaSteps = 51;
  static GridSpec square(double range, uint32_t steps) { return {-range, range, -range, range, steps, steps}; }
};

struct Grid {
  std::vector<double> alphas, betas;
  std::vector<PointValue> values;  // values[j * alphas.size() + i] at (alphas[i], betas[j]); fewer if cancelled
  bool cancelled = false;
  const PointValue& at(size_t i, size_t j) const { return values.at(j * alphas.size() + i); }
};

// t in [from, to], evenly spaced, ends included; theta(t) = (1 - t) theta_a + t theta_b.
struct LineSpec {
  double from = 0, to = 1;
  uint32_t points = 101;
};

struct Line {
  std::vector<double> t;
  std::vector<PointValue> values;  // fewer than t if cancelled
  bool cancelled = false;
};

class LossLandscape {
 public:
  // Evaluates on `net`, whose batch size is the evaluation batch and whose parameters are used
  // while points are evaluated and restored afterwards (its running statistics, if any, are the
  // ones evaluation mode uses). The subset is the first `samples` samples of `data`, normalised
  // with `norm` (the training set's table). Center and directions start as the network's
  // parameters and zero.
  LossLandscape(nn::Network& net, const data::Dataset& data, const data::NormalizationTable& norm, uint32_t samples);
  ~LossLandscape();

  nn::Network& network() const { return net_; }
  uint32_t samples() const { return dataset_->size(); }
  size_t parameterCount() const { return offsets_.back(); }

  void setCenter(const ParamVector& center);
  void setCenterToNetwork();  // the network's current parameters, copied on the device
  ParamVector center() const;
  void setDirections(const ParamVector& delta, const ParamVector& eta);

  // Loss and accuracy at center + a * delta + b * eta for each point (a, b), in order. When
  // cancelled, the points done so far; `cancelled` (if given) says whether that happened.
  std::vector<PointValue> evaluate(std::span<const std::array<double, 2>> points, const RunControl& control = {},
                                   bool* cancelled = nullptr);
  Grid grid(const GridSpec& spec, const RunControl& control = {});
  // Sets center and directions so that the points are exact at both ends (t = 0 and t = 1).
  Line line(const ParamVector& thetaA, const ParamVector& thetaB, const LineSpec& spec, const RunControl& control = {});

 private:
  void check(const ParamVector& v, const char* what) const;
  void record();

  nn::Network& net_;
  std::vector<size_t> offsets_;
  std::unique_ptr<data::DeviceDataset> dataset_;
  std::unique_ptr<gpu::Buffer> center_, delta_, eta_, saved_, coordinates_, counter_, records_;
  std::unique_ptr<gpu::Recording> points_, save_, restore_;
};

}  // namespace gradlab::analysis

#pragma once
// The lectures' "look inside" quantities that live outside the activations and gradients, measured
// at probe steps (TrainingSession::probeStep puts them in ProbeReport::internals):
// - the optimizer's state per parameter tensor (Adam's m and sqrt(v), the effective step
//   lr m^ / (sqrt(v^) + eps), diffGrad's friction, AdaBelief's s, SGD's velocity), its bias
//   corrections 1 - beta^t and RAdam's rectification r_t, summarised on the device;
// - BatchNorm's batch statistics beside its running ones, and the same batch's loss and accuracy
//   in training mode and in evaluation mode;
// - the distinct units of each layer: units whose incoming weights (and bias) agree are one unit
//   in disguise, as a constant initialisation leaves them for ever.
#include "nn/network.h"
#include "optim/optimizer.h"
#include "train/probes.h"

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace gradlab::train {

// One quantity over the elements of one parameter tensor: an optimizer state ("exp_avg"), or one
// made from them ("sqrt_exp_avg_sq", "step": the update lr m^ / (sqrt(v^) + eps) the last step took).
struct StateSummary {
  std::string name;
  TensorStats stats;  // of the signed values; histogram between min and max
  double norm = 0;    // L2 over the tensor
};

struct OptimizerTensorInternals {
  std::string parameter;             // "h1.weight"
  std::vector<StateSummary> states;  // in the optimizer's stateNames() order, made ones after theirs
  const StateSummary* find(const std::string& name) const;
};

struct OptimizerInternals {
  std::string optimizer;  // Optimizer::name(): "Adam", "SGD", ...
  uint64_t step = 0;      // t of the last update (0: none yet)
  // 1 - beta1^t and 1 - beta2^t, for the optimizers with betas (the Adam family).
  std::optional<double> biasCorrection1, biasCorrection2;
  std::optional<double> rectification;  // RAdam's r_t (0 while the update is plain momentum)
  std::vector<OptimizerTensorInternals> tensors;
};

// One BatchNorm layer per channel: the statistics of the batch the probed step normalised with
// (variance biased, as used) and the running ones after that step's update of them.
struct BatchNormInternals {
  std::string node;
  uint32_t samplesPerChannel = 0;  // batch x height x width: the unbiased variance is n / (n - 1) x batchVar
  std::vector<double> batchMean, batchVar, runningMean, runningVar;
};

// The same batch through the same weights in both modes: training mode normalises with the batch's
// statistics (and drops units), evaluation mode with the running statistics.
struct ModeGap {
  double trainLoss = 0, evalLoss = 0, trainAccuracy = 0, evalAccuracy = 0;
};

struct DistinctUnits {
  std::string parameter;  // the weight tensor: "h1.weight"
  uint32_t units = 0;     // its output units (rows; a convolution's output channels)
  uint32_t distinct = 0;  // units counted once when their incoming weights and bias agree
  uint32_t twinned = 0;   // units that agree with at least one other unit
};

struct InternalsReport {
  OptimizerInternals optimizer;
  std::vector<BatchNormInternals> batchNorms;  // in forward order
  std::optional<ModeGap> modeGap;              // networks with BatchNorm or Dropout
  std::vector<DistinctUnits> distinctUnits;    // Linear and convolution weights, forward order
};

// A parameter tensor as the optimizer's state holds it: elements [first, first + count) of the
// optimizer's tensor `index`, which has `stateCount` elements (several parameters share one where
// the step updates a run of them as one, around frozen layers).
struct UpdatedTensor {
  std::string name;
  uint32_t count = 0;
  size_t index = 0;
  uint32_t first = 0, stateCount = 0;
};
// The tensors `network`'s step hands the optimizer, all but the `frozen` layers' (train/step_builder.cpp:
// consecutive parameters around a frozen one go as one tensor).
std::vector<UpdatedTensor> updatedTensors(const nn::Network& network, const std::vector<std::string>& frozen);

// The summaries of `optimizer`'s state for `tensors` after its `step`-th update, computed on the
// device where the state lies; only the summaries are downloaded.
OptimizerInternals readOptimizerInternals(gpu::Context& context, const optim::Optimizer& optimizer,
                                          const std::vector<UpdatedTensor>& tensors, uint64_t step);
// The same from the state downloaded and summarised in double: the device route's reference.
OptimizerInternals optimizerInternalsOnHost(const optim::Optimizer& optimizer,
                                            const std::vector<UpdatedTensor>& tensors, uint64_t step);

// BatchNorm layers after a training step: the batch statistics of their inputs as the step's
// forward pass left them (reduced per channel on the device), and their running statistics.
std::vector<BatchNormInternals> readBatchNormInternals(const nn::Network& network);
// The same with the inputs downloaded and reduced in double: the device route's reference.
std::vector<BatchNormInternals> batchNormInternalsOnHost(const nn::Network& network);

// The batch in the network's input buffer through both modes; running statistics (which a training
// forward pass moves) are put back. Empty for a network without BatchNorm or Dropout.
std::optional<ModeGap> measureModeGap(nn::Network& network);

// Units of a weight tensor of `units` rows (bias: one value per unit, or empty) counted once when
// every incoming weight and the bias agree within `tolerance` x (1 + the largest |value|).
DistinctUnits countDistinctUnits(const std::string& parameter, const std::vector<float>& weights,
                                 const std::vector<float>& bias, uint32_t units, double tolerance = 1e-6);
std::vector<DistinctUnits> countDistinctUnits(const nn::Network& network);

// A report as rows of (quantity, what it is of, value), for CSV files: "rms exp_avg" of "h.weight",
// "batch mean" of "bn channel 0", "train-mode loss" of "batch", "distinct units" of "h.weight".
struct InternalsRow {
  std::string quantity, of;
  double value = 0;
};
std::vector<InternalsRow> internalsRows(const InternalsReport& report);

// Everything above for a session's network and optimizer after its `step`-th step; the optimizer
// updates the parameters of every layer but the `frozen` ones (LayerTraining::frozen).
InternalsReport measureInternals(nn::Network& network, const optim::Optimizer& optimizer, uint64_t step,
                                 const std::vector<std::string>& frozen = {});

}  // namespace gradlab::train

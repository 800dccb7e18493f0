#pragma once
// One training run on the device: a network, its data, and an optimizer, with the whole step
// (batch assembly, forward, loss, backward, not-finite check, update) recorded once and replayed.
// The host only submits replays and, when it wants numbers, reads the per-step records the device
// wrote (loss, accuracy) — it never re-records and never waits between snapshots.
#include "data/device_dataset.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/network.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "train/control_block.h"
#include "train/probes.h"
#include "train/regularization.h"
#include "train/step_builder.h"
#include "train/transfer.h"

#include <atomic>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace gradlab::train {

struct TrainingOptions {
  uint32_t batch = 64;
  double learningRate = 0.1;  // of the default SGD; a session given an optimizer starts at its lr
  uint32_t seed = 0;
  data::Normalization normalization = data::Normalization::None;
  data::Augmentation augmentation;
  // The learning-rate schedule, per step, computed on the device (its lr0 is set to the session's
  // rate); constant by default, which records nothing.
  optim::Schedule schedule;
  // Penalties (added to the reported loss) and gradient clipping; none by default.
  Regularization regularization;
  // How Conv2d layers compute; unset: GRADLAB_CONV, else auto (the FFT for large kernels).
  std::optional<nn::ConvAlgorithm> conv;
  // With plain SGD and no regularization: weight gradients that are plain products (Linear's) take
  // the SGD step in their GEMM, and the update stage covers only the rest (train/step_builder.h).
  // Off: every update in the update stage, after the whole backward pass (the results are the same).
  bool sgdInBackward = true;
  // Frozen layers and per-layer learning-rate multipliers (train/transfer.h); none by default.
  LayerTraining layers;
};

// Whether a session of these options and this optimizer (null: the default SGD) takes the SGD
// step in the backward pass (planStepFusion decides).
bool takesSgdInBackward(const TrainingOptions& options, const optim::Optimizer* optimizer);

struct StepRecord {
  uint64_t step = 0;  // 0-based index of the step
  double loss = 0;    // the batch's mean loss (plus the penalty, with L1/L2 regularization)
  double accuracy = 0;
};

struct Evaluation {
  double loss = 0, accuracy = 0;
  uint32_t samples = 0;
};

// Where and why training stopped on a value that is not finite, in words for the user.
struct NonFiniteReport {
  uint64_t step = 0;
  std::string where;    // "the loss" or "h3.weight's gradient"
  std::string layer;    // the first layer (in forward order) whose output or gradient is not finite
  std::string message;  // what happened and what to try
};

// Where a session stands, enough to continue it exactly: the step (the epoch, the position in the
// data order and the schedule's position all follow from it and the seed) and the optimizer's
// state. The weights and running statistics travel beside it (RunConfig::initialWeights).
struct RunProgress {
  uint64_t step = 0;
  optim::OptimizerState optimizer;
};

class TrainingSession;
// What a probe adds that train cannot measure itself (the sharpness, analysis/sharpness.h, which
// builds on train): called with the session and its report after each probeStep.
using ProbeMeasurement = std::function<void(TrainingSession&, ProbeReport&)>;

class TrainingSession {
 public:
  TrainingSession(gpu::Context& context, const nn::Graph& graph, const data::Dataset& train,
                  const data::Dataset* validation, const TrainingOptions& options,
                  std::unique_ptr<optim::Optimizer> optimizer = nullptr);
  ~TrainingSession();

  nn::Network& network() { return *network_; }
  const TrainingOptions& options() const { return options_; }
  uint64_t step() const { return step_; }
  uint32_t stepsPerEpoch() const { return stepsPerEpoch_; }
  double epochs() const { return double(step_) / stepsPerEpoch_; }

  // Runs `steps` steps and returns their records (stops early once a value is not finite).
  std::vector<StepRecord> train(uint32_t steps);
  // The same in two halves: start the steps, then wait for them and read their records.
  void submit(uint32_t steps);
  std::vector<StepRecord> collect();
  bool busy() const { return pending_ > 0; }

  // Loss and accuracy over a whole dataset in evaluation mode (dropout off, running statistics).
  Evaluation evaluateValidation();
  Evaluation evaluateTraining();
  bool hasValidation() const { return validation_ != nullptr; }

  // Set once a loss or gradient was not finite; training steps then change nothing.
  const std::optional<NonFiniteReport>& nonFinite() const { return nonFinite_; }

  // Runs one training step and measures the network's insides on it (activations, gradients,
  // parameter norms and the step's update), for the lab's plots.
  ProbeReport probeStep(std::vector<StepRecord>* records = nullptr);
  void setProbeMeasurement(ProbeMeasurement measurement) { probeMeasurement_ = std::move(measurement); }
  // Whether probeStep measures the internals (ProbeReport::internals: 15-30 ms a probe for an MLP
  // with BatchNorm): once this is called, only while `*wanted` holds true (null: never), as the lab
  // asks while its Internals view is shown; until then at every probe step.
  void setInternalsWanted(std::shared_ptr<const std::atomic<bool>> wanted) {
    internalsWanted_ = std::move(wanted);
    internalsAlways_ = false;
  }
  // Measures the network as it is now on the batch the next step trains on, without training:
  // that step's forward and backward passes with nothing kept (parameters, running statistics, the
  // step counter and the optimizer's state stay as they were), so the run goes on bit for bit as
  // without it. The lab shows a run at step 0 with it. No update ratios; the gradients are the
  // loss's alone (no penalties, no clipping).
  ProbeReport probeNow();
  // Parameter tensors and running statistics whose values probe reports carry (filter views,
  // analysis views).
  void snapshotWeights(std::vector<std::string> names);

  void setLearningRate(double rate);
  double learningRate() const { return learningRate_; }
  // The rate in the control block: with a schedule, the rate the last step ran with (call when
  // no steps are pending).
  double currentLearningRate() const;
  // Penalties and clipping on the device (null when options().regularization is inactive).
  const RegularizationStage* regularization() const { return regularization_.get(); }
  // Back to step 0 with weights initialised from `seed`.
  void reset(uint32_t seed);
  // The step and optimizer state now, and the same put back (the weights are set apart): the next
  // steps are then those of the run that saved it, bit for bit. resume throws
  // std::invalid_argument, changing nothing, for a state that does not fit this session.
  RunProgress progress();
  void resume(const RunProgress& progress);

  // The most steps one submit() may cover.
  uint32_t maxStepsPerSubmit() const;
  // How many parameter tensors a training step updates in the backward pass (sgdInBackward).
  size_t parametersUpdatedInBackward() const;

 private:
  // A training step: forward, loss, backward, update; `inBackward`: SGD taken in the backward pass
  // where the step builder can (fills updatedInBackward_).
  std::unique_ptr<gpu::Recording> recordStep(bool inBackward);
  // Weights as a submission found them, for a step that flags itself after layers updated theirs.
  void recordCheckpoints();
  void restoreBefore(uint64_t failingStep, const ControlBlock& control);
  // The recording submit() runs: the step, or for a probe the step without SGD in the backward pass.
  gpu::Recording& stepToRun();
  // probeNow's passes: the step's batch, forward and backward, no update, running statistics put back.
  std::unique_ptr<gpu::Recording> recordProbeNow();
  Evaluation evaluate(data::DeviceDataset& dataset, std::unique_ptr<gpu::Recording>& recording);
  void ensureEpochOrders(uint64_t first, uint64_t last);
  ControlBlock readControl() const;
  void writeControl(const ControlBlock& control);
  void diagnose(const ControlBlock& control);

  gpu::Context& context_;
  TrainingOptions options_;
  std::unique_ptr<nn::Network> network_;
  std::unique_ptr<optim::Optimizer> optimizer_;
  std::unique_ptr<data::DeviceDataset> train_, validation_;
  std::unique_ptr<gpu::Buffer> control_, ring_;
  std::unique_ptr<gpu::Buffer> baseRate_;  // a schedule's lr0 (float), read on the device
  std::unique_ptr<RegularizationStage> regularization_;
  std::unique_ptr<LayerTrainingPlan> layerTraining_;  // null: every layer trains at the run's rate
  std::unique_ptr<gpu::Recording> stepRecording_, trainEval_, validationEval_;
  // With SGD in the backward pass: the step without it (probe steps need every gradient), made on
  // the first probe, and the copies of the weights and running statistics to and from checkpoint_.
  bool sgdInBackward_ = false;
  std::vector<bool> updatedInBackward_;
  std::unique_ptr<gpu::Recording> fullStepRecording_, saveCheckpoint_, restoreCheckpoint_;
  std::unique_ptr<gpu::Buffer> checkpoint_;
  std::unique_ptr<gpu::Recording> probeNowRecording_;
  // Running statistics, held while probeNow's forward pass moves them.
  std::unique_ptr<gpu::Buffer> heldStatistics_;
  uint64_t checkpointStep_ = 0;  // the step the checkpoint was taken before
  bool probing_ = false;         // submit() runs fullStepRecording_
  uint32_t stepsPerEpoch_ = 1;
  uint64_t step_ = 0;        // steps collected
  uint32_t pending_ = 0;     // steps submitted, not yet collected
  int64_t ordersUpTo_ = -1;  // last epoch whose order is on the device
  double learningRate_ = 0;
  std::optional<NonFiniteReport> nonFinite_;
  std::unique_ptr<Probes> probes_;
  std::vector<std::string> weightSnapshots_;
  ProbeMeasurement probeMeasurement_;
  bool internalsAlways_ = true;
  std::shared_ptr<const std::atomic<bool>> internalsWanted_;
};

}  // namespace gradlab::train

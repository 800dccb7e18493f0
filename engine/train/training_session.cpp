#include "train/training_session.h"

#include "spirv/shaders.h"
#include "train/control_kernels.h"
#include "train/device_fit.h"
#include "train/internals.h"
#include "util/option_ranges.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iomanip>
#include <limits>
#include <sstream>

namespace gradlab::train {
namespace shared {
using uint = uint32_t;
#include "../../shaders/step_metrics.h"
}  // namespace shared
namespace {

using gpu::Access;
using MetricsPush = shared::StepMetricsPush;
static_assert(sizeof(MetricsPush) == 6 * 4);
const gpu::KernelSpec kMetrics{
    "step_metrics",
    spirv::step_metrics,
    {Access::Read, Access::Read, Access::Read, Access::Read, Access::ReadWrite, Access::ReadWrite}};

constexpr uint32_t kRingSize = 4096;       // per-step records kept on the device
constexpr uint32_t kEvalSlot = kRingSize;  // one more record for evaluations

// Every rate a session takes, at its start or on the fly: refused in the run setup's words
// (persist/run_setup.h), "--lr: 2000000 is out of range [0, 1000000]".
void checkLearningRate(double rate) { util::checkNumber("--lr", rate, util::ranges::kLearningRate); }

}  // namespace

bool takesSgdInBackward(const TrainingOptions& options, const optim::Optimizer* optimizer) {
  return planStepFusion(options.sgdInBackward, options.regularization.active(), optimizer).sgdInBackward;
}

TrainingSession::TrainingSession(gpu::Context& context, const nn::Graph& graph, const data::Dataset& train,
                                 const data::Dataset* validation, const TrainingOptions& options,
                                 std::unique_ptr<optim::Optimizer> optimizer)
    : context_(context), options_(options),
      optimizer_(optimizer ? std::move(optimizer) : std::make_unique<optim::Sgd>(options.learningRate)) {
  checkLearningRate(options.learningRate);
  // Before any allocation: a run that cannot fit the device says which layer or dataset and why.
  requireDeviceFit(sessionFitRequest(graph, train, validation, options, optimizer_.get()), context.device());
  network_ = std::make_unique<nn::Network>(context, graph, options.batch, options.seed, options.conv);
  if (!options.layers.empty()) layerTraining_ = std::make_unique<LayerTrainingPlan>(*network_, options.layers);
  if (!(network_->inputShape() == train.sampleShape))
    throw std::invalid_argument("The network's input is " + network_->inputShape().text() + " but " + train.name +
                                " samples are " + train.sampleShape.text() + ": change the input or the dataset.");
  if (network_->classes() < train.classes && network_->classes() > 1)
    throw std::invalid_argument("The network scores " + std::to_string(network_->classes()) + " classes but " +
                                train.name + " has " + std::to_string(train.classes) +
                                ": set the last layer's out_features to " + std::to_string(train.classes) + ".");
  if (train.size() < options.batch)
    throw data::DataError(train.name + " has " + std::to_string(train.size()) + " samples, fewer than the batch size " +
                          std::to_string(options.batch) + ": use a smaller batch.");
  const auto norm = data::NormalizationTable::compute(train, options.normalization);
  train_ = std::make_unique<data::DeviceDataset>(context, train, norm);
  if (validation && validation->size() > 0)
    validation_ = std::make_unique<data::DeviceDataset>(context, *validation, norm);
  stepsPerEpoch_ = std::max(train.size() / options.batch, 1u);
  control_ = std::make_unique<gpu::Buffer>(context, kControlBlockBytes, /*hostMapped=*/true);
  ring_ = std::make_unique<gpu::Buffer>(context, (kRingSize + 1) * 16, /*hostMapped=*/true);
  // The initial rate is the optimizer's (an explicit one's own lr; the default SGD's is options.learningRate).
  learningRate_ = optimizer_->learningRate();
  checkLearningRate(learningRate_);
  options_.learningRate = learningRate_;
  options_.schedule.lr0 = learningRate_;
  optim::validate(options_.schedule);
  if (options_.schedule.active()) baseRate_ = std::make_unique<gpu::Buffer>(context, 4, /*hostMapped=*/true);
  if (options_.regularization.active()) {
    const std::vector<optim::ParamRef> refs = parameterRefs(*network_);
    regularization_ = std::make_unique<RegularizationStage>(context, options_.regularization,
                                                            layerTraining_ ? layerTraining_->trained(refs) : refs);
  }
  sgdInBackward_ = takesSgdInBackward(options_, optimizer_.get());
  reset(options.seed);
  stepRecording_ = recordStep(sgdInBackward_);
  if (parametersUpdatedInBackward() > 0) recordCheckpoints();
}

TrainingSession::~TrainingSession() {
  if (stepRecording_) try {
      stepRecording_->wait();
    } catch (...) {
    }
}

std::unique_ptr<gpu::Recording> TrainingSession::recordStep(bool inBackward) {
  nn::Network& net = *network_;
  auto recording = std::make_unique<gpu::Recording>(context_, 0, /*replayable=*/true);
  gpu::Recording& rec = *recording;
  // The schedule first: the control block gets the rate of this step, for the update at the end.
  if (baseRate_) optim::recordSchedule(rec, options_.schedule, *baseRate_, *control_, net.step());
  const data::DeviceDataset::Target target{net.input(), net.labels(), net.step(), net.batch()};
  train_->recordTrainingBatch(rec, target, options_.seed, options_.augmentation);
  train::recordForward(rec, net, true);
  const MetricsPush push{.batch = net.batch(),
                         .classes = net.classes(),
                         .valid = net.batch(),
                         .ringSize = kRingSize,
                         .slot = 0,
                         .accumulate = 0};
  rec.dispatch(
      context_.kernel(kMetrics, {256, 1, 1}),
      {net.activation(net.lossNode()), net.activation(net.logitsNode()), net.labels(), net.step(), *control_, *ring_},
      push, {1, 1, 1});
  const StepFusion fusion = planStepFusion(inBackward, regularization_ != nullptr, optimizer_.get());
  StepBuilder builder(net, *optimizer_, fusion, *control_, layerTraining_.get());
  builder.recordBackward(rec);
  // Penalties (gradient, and value into this step's record), then clipping, before the checks.
  if (regularization_) {
    regularization_->recordPenalties(rec, *ring_, kRingSize, net.batch(), net.step());
    regularization_->recordClipping(rec);
  }
  builder.recordCheck(rec);  // diagnose() finds which gradient
  builder.recordUpdate(rec);
  recordAdvanceStep(rec, net.step());
  rec.finish();
  if (inBackward) updatedInBackward_ = builder.updatedInBackward();
  return recording;
}

void TrainingSession::recordCheckpoints() {
  nn::Network& net = *network_;
  uint64_t bytes = net.allValues().bytes;
  const auto statistics = net.runningStatistics();
  for (const auto& s : statistics) bytes += s.buffer->bytes();
  checkpoint_ = std::make_unique<gpu::Buffer>(context_, bytes);
  saveCheckpoint_ = std::make_unique<gpu::Recording>(context_, 0);
  restoreCheckpoint_ = std::make_unique<gpu::Recording>(context_, 0);
  uint64_t offset = 0;
  auto both = [&](gpu::BufferRange live) {
    const gpu::BufferRange saved(*checkpoint_, offset, live.bytes);
    saveCheckpoint_->copy(live, saved);
    restoreCheckpoint_->copy(saved, live);
    offset += live.bytes;
  };
  both(net.allValues());
  for (const auto& s : statistics) both(gpu::BufferRange(*s.buffer));
  saveCheckpoint_->finish();
  restoreCheckpoint_->finish();
}

// A step that flags itself may have updated some weights in its backward pass before the flag
// went up: back to the checkpoint taken at the submission's start, then the good steps after it
// again (every step is a function of the step counter and the weights), so the weights are those
// before the failing step, as without SGD in the backward pass.
void TrainingSession::restoreBefore(uint64_t failingStep, const ControlBlock& control) {
  nn::Network& net = *network_;
  context_.run(*restoreCheckpoint_);
  if (failingStep > checkpointStep_) {
    writeControl(ControlBlock::clearAt(control.learningRate()));
    const uint32_t first = uint32_t(checkpointStep_);
    net.step().upload(&first, 4);
    context_.submit(*stepRecording_, uint32_t(failingStep - checkpointStep_));
    stepRecording_->wait();
  }
  writeControl(control);
}

uint32_t TrainingSession::maxStepsPerSubmit() const { return std::min(stepsPerEpoch_, kRingSize / 2); }

gpu::Recording& TrainingSession::stepToRun() {
  if (!probing_ || !saveCheckpoint_) return *stepRecording_;
  if (!fullStepRecording_) fullStepRecording_ = recordStep(false);
  return *fullStepRecording_;
}

size_t TrainingSession::parametersUpdatedInBackward() const {
  return size_t(std::count(updatedInBackward_.begin(), updatedInBackward_.end(), true));
}

void TrainingSession::ensureEpochOrders(uint64_t first, uint64_t last) {
  for (uint64_t epoch = first / stepsPerEpoch_; epoch <= last / stepsPerEpoch_; ++epoch)
    if (int64_t(epoch) > ordersUpTo_) {
      train_->setEpochOrder(uint32_t(epoch), options_.seed);
      ordersUpTo_ = int64_t(epoch);
    }
}

void TrainingSession::submit(uint32_t steps) {
  if (pending_) throw std::logic_error("TrainingSession::submit while steps are still running");
  if (nonFinite_ || steps == 0) return;
  steps = std::min(steps, maxStepsPerSubmit());
  // The device alternates two epoch orders; at most one epoch boundary per submission keeps the
  // slot being rewritten idle.
  ensureEpochOrders(step_, step_ + steps - 1);
  if (saveCheckpoint_ && !probing_) {
    context_.run(*saveCheckpoint_);
    checkpointStep_ = step_;
  }
  context_.submit(stepToRun(), steps);
  pending_ = steps;
}

std::vector<StepRecord> TrainingSession::collect() {
  std::vector<StepRecord> records;
  if (!pending_) return records;
  stepToRun().wait();
  std::vector<float> ring(size_t(kRingSize) * 4);
  ring_->download(ring.data(), ring.size() * 4);
  const ControlBlock control = readControl();
  for (uint32_t k = 0; k < pending_; ++k) {
    const uint64_t s = step_ + k;
    const float* r = &ring[(s % kRingSize) * 4];
    records.push_back({s, r[3] > 0 ? r[1] / r[3] : 0.0, r[3] > 0 ? r[2] / r[3] : 0.0});
    if (control.flagged() && control.failedStep <= s) break;  // nothing after the bad step changed anything
  }
  // Steps after a not-finite one changed nothing: the run ends at the step that failed.
  step_ =
      control.flagged() && control.failedStep < step_ + pending_ ? uint64_t(control.failedStep) + 1 : step_ + pending_;
  pending_ = 0;
  if (control.flagged() && !nonFinite_) {
    if (saveCheckpoint_ && !probing_) restoreBefore(control.failedStep, control);
    diagnose(control);
  }
  return records;
}

std::vector<StepRecord> TrainingSession::train(uint32_t steps) {
  std::vector<StepRecord> all;
  while (steps > 0 && !nonFinite_) {
    const uint32_t chunk = std::min(steps, maxStepsPerSubmit());
    submit(chunk);
    auto part = collect();
    all.insert(all.end(), part.begin(), part.end());
    steps -= chunk;
  }
  return all;
}

ProbeReport TrainingSession::probeStep(std::vector<StepRecord>* stepRecords) {
  if (pending_) collect();
  if (!probes_) {
    probes_ = std::make_unique<Probes>(*network_);
    probes_->snapshotWeights(weightSnapshots_);
  }
  probes_->rememberParameters();
  probing_ = true;  // every gradient written, for the probes
  std::vector<StepRecord> records;
  try {
    records = train(1);
  } catch (...) {
    probing_ = false;
    throw;
  }
  probing_ = false;
  if (stepRecords) stepRecords->insert(stepRecords->end(), records.begin(), records.end());
  ProbeReport report = probes_->measure(step_, true, true);
  if (internalsAlways_ || (internalsWanted_ && internalsWanted_->load()))
    report.internals = std::make_shared<const InternalsReport>(
        measureInternals(*network_, *optimizer_, step_, options_.layers.frozen));
  if (probeMeasurement_) probeMeasurement_(*this, report);
  return report;
}

ProbeReport TrainingSession::probeNow() {
  if (pending_) collect();
  if (!probes_) {
    probes_ = std::make_unique<Probes>(*network_);
    probes_->snapshotWeights(weightSnapshots_);
  }
  if (!probeNowRecording_) probeNowRecording_ = recordProbeNow();
  ensureEpochOrders(step_, step_);
  context_.run(*probeNowRecording_);
  return probes_->measure(step_, true, false);
}

std::unique_ptr<gpu::Recording> TrainingSession::recordProbeNow() {
  nn::Network& net = *network_;
  auto recording = std::make_unique<gpu::Recording>(context_, 0);
  gpu::Recording& rec = *recording;
  // BatchNorm's training forward pass moves its running statistics: they are held aside and put back.
  const auto statistics = net.runningStatistics();
  uint64_t bytes = 0;
  for (const auto& s : statistics) bytes += s.buffer->bytes();
  if (bytes) heldStatistics_ = std::make_unique<gpu::Buffer>(context_, bytes);
  const auto eachHeld = [&](bool hold) {
    uint64_t offset = 0;
    for (const auto& s : statistics) {
      const gpu::BufferRange live(*s.buffer), held(*heldStatistics_, offset, s.buffer->bytes());
      rec.copy(hold ? live : held, hold ? held : live);
      offset += s.buffer->bytes();
    }
  };
  eachHeld(true);
  const data::DeviceDataset::Target target{net.input(), net.labels(), net.step(), net.batch()};
  train_->recordTrainingBatch(rec, target, options_.seed, options_.augmentation);
  train::recordForward(rec, net, true);
  // No fusion: every gradient stored, none checked (nothing flags the control block) or applied.
  StepBuilder builder(net, *optimizer_, StepFusion{}, *control_);
  builder.recordBackward(rec);
  eachHeld(false);
  return recording;
}

void TrainingSession::snapshotWeights(std::vector<std::string> names) {
  for (const auto& name : names) {
    bool found = false;
    for (const auto& p : network_->parameters()) found = found || p.name == name;
    for (const auto& s : network_->runningStatistics()) found = found || s.name == name;
    if (!found) throw std::invalid_argument("No parameter or running statistic named " + name + " to snapshot");
  }
  weightSnapshots_ = std::move(names);
  if (probes_) probes_->snapshotWeights(weightSnapshots_);
}

ControlBlock TrainingSession::readControl() const {
  ControlBlock control;
  control_->download(&control, sizeof control);
  return control;
}

void TrainingSession::writeControl(const ControlBlock& control) { control_->upload(&control, sizeof control); }

double TrainingSession::currentLearningRate() const { return readControl().learningRate(); }

void TrainingSession::setLearningRate(double rate) {
  checkLearningRate(rate);
  learningRate_ = rate;
  options_.schedule.lr0 = rate;
  if (baseRate_) {
    const float base = float(rate);
    baseRate_->upload(&base, 4);
  }
  ControlBlock control = readControl();
  control.learningRateBits = std::bit_cast<uint32_t>(float(rate));
  writeControl(control);
}

void TrainingSession::reset(uint32_t seed) {
  if (pending_) collect();
  options_.seed = seed;
  network_->initialize(seed);
  optimizer_->reset();
  writeControl(ControlBlock::clearAt(float(learningRate_)));
  if (baseRate_) {
    const float base = float(learningRate_);
    baseRate_->upload(&base, 4);
  }
  std::vector<float> zeros(size_t(kRingSize + 1) * 4, 0.0f);
  ring_->upload(zeros.data(), zeros.size() * 4);
  step_ = 0;
  ordersUpTo_ = -1;
  nonFinite_.reset();
  // The step recording bakes the seed into its batch assembly: record it again for a new seed.
  if (stepRecording_) {
    stepRecording_ = recordStep(sgdInBackward_);
    fullStepRecording_.reset();
  }
  trainEval_.reset();
  validationEval_.reset();
}

RunProgress TrainingSession::progress() {
  if (pending_) collect();
  return {step_, optimizer_->saveState()};
}

void TrainingSession::resume(const RunProgress& progress) {
  if (pending_) collect();
  if (progress.step > 0xffffffffull)
    throw std::invalid_argument("The saved run is at step " + std::to_string(progress.step) +
                                ", beyond the 4294967295 steps a run can count: reset to start over.");
  optimizer_->loadState(progress.optimizer);
  step_ = progress.step;
  const uint32_t counter = uint32_t(step_);
  network_->step().upload(&counter, 4);
  ordersUpTo_ = -1;  // the epoch orders follow from the step and the seed
  nonFinite_.reset();
}

Evaluation TrainingSession::evaluate(data::DeviceDataset& dataset, std::unique_ptr<gpu::Recording>& recording) {
  if (pending_) collect();
  nn::Network& net = *network_;
  const uint32_t n = dataset.size(), batch = net.batch();
  if (!recording) {  // recorded once per dataset, replayed for every evaluation
    recording = std::make_unique<gpu::Recording>(context_, 0);
    gpu::Recording& rec = *recording;
    rec.fill(gpu::BufferRange(*ring_, uint64_t(kEvalSlot) * 16, 16), 0);
    const data::DeviceDataset::Target target{net.input(), net.labels(), net.step(), batch};
    for (uint32_t first = 0; first < n; first += batch) {
      dataset.recordEvalBatch(rec, target, first);
      train::recordForward(rec, net, false);
      const MetricsPush push{.batch = batch,
                             .classes = net.classes(),
                             .valid = std::min(batch, n - first),
                             .ringSize = kRingSize,
                             .slot = kEvalSlot,
                             .accumulate = 1};
      rec.dispatch(context_.kernel(kMetrics, {256, 1, 1}),
                   {net.activation(net.lossNode()), net.activation(net.logitsNode()), net.labels(), net.step(),
                    *control_, *ring_},
                   push, {1, 1, 1});
    }
  }
  context_.run(*recording);
  float r[4];
  ring_->download(r, 16, uint64_t(kEvalSlot) * 16);
  return {r[3] > 0 ? r[1] / r[3] : 0.0, r[3] > 0 ? r[2] / r[3] : 0.0, uint32_t(r[3])};
}

Evaluation TrainingSession::evaluateValidation() {
  if (!validation_) return {};
  return evaluate(*validation_, validationEval_);
}

Evaluation TrainingSession::evaluateTraining() { return evaluate(*train_, trainEval_); }

void TrainingSession::diagnose(const ControlBlock& control) {
  nn::Network& net = *network_;
  NonFiniteReport report;
  report.step = control.failedStep;
  report.where = control.failedTensor == kLossTensor ? "the loss" : "a gradient";
  // Replay the failing step's forward and backward (the weights were not updated by it) and find
  // the first layer, in forward order, whose output or gradient is not finite.
  {
    const uint32_t failing = control.failedStep;
    net.step().upload(&failing, 4);
    gpu::Recording rec(context_, 0);
    train_->recordTrainingBatch(rec, {net.input(), net.labels(), net.step(), net.batch()}, options_.seed,
                                options_.augmentation);
    train::recordForward(rec, net, true);
    train::recordBackward(rec, net);
    context_.run(rec);
    const uint32_t next = uint32_t(step_);
    net.step().upload(&next, 4);
  }
  auto allFinite = [](const std::vector<float>& v) {
    return std::all_of(v.begin(), v.end(), [](float x) { return std::isfinite(x); });
  };
  auto finite = [&](const gpu::Buffer& b) { return allFinite(b.read<float>(b.bytes() / 4)); };
  if (control.failedTensor != kLossTensor)
    for (const nn::Parameter& p : net.parameters())
      if (!allFinite(p.readGradients())) {
        report.where = p.name + "'s gradient";
        break;
      }
  for (size_t i : net.analysis().order) {
    const auto& node = net.graph().nodes[i];
    if (!finite(net.activation(i))) {
      report.layer = node.name + " (" + node.type + ") output";
      break;
    }
  }
  if (report.layer.empty())
    for (auto it = net.analysis().order.rbegin(); it != net.analysis().order.rend(); ++it) {
      const auto& node = net.graph().nodes[*it];
      if (*it != net.lossNode() && !finite(net.gradient(*it))) {
        report.layer = node.name + " (" + node.type + ") gradient";
        break;
      }
    }
  // Every value finite, yet the loss flagged: the per-sample losses overflowed only when summed
  // over the batch. The layer that went first is then where values first pass the square root of
  // the largest float, beyond which a product of two of them overflows (the loss itself at least).
  std::string reached;
  if (report.layer.empty())
    for (size_t i : net.analysis().order) {
      const gpu::Buffer& b = net.activation(i);
      float largest = 0;
      for (float x : b.read<float>(b.bytes() / 4)) largest = std::max(largest, std::fabs(x));
      if (largest > std::sqrt(std::numeric_limits<float>::max())) {
        const auto& node = net.graph().nodes[i];
        report.layer = node.name + " (" + node.type + ") output";
        std::ostringstream text;
        text << " (values up to " << std::setprecision(2) << largest << ")";
        reached = text.str();
        break;
      }
    }
  std::ostringstream m;
  m << "Training stopped at step " << report.step + 1 << ": " << report.where << " became NaN or infinite";
  if (!report.layer.empty()) m << ", first in " << report.layer << reached;
  m << ". The weights are kept as they were before that step. ";
  m << "The most likely cause is a learning rate too high for this network (" << learningRate_
    << "): divide it by 10 and reset.";
  m << " Other causes: initial weights far too large, or inputs that are not normalised.";
  report.message = m.str();
  nonFinite_ = report;
}

}  // namespace gradlab::train

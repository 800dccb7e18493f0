#pragma once
// The update stage of a training step, recorded once into the step's command buffer. Optimizers
// read the learning rate and the "not finite" flag from the training control block, and the step
// number from the device's step counter, so a schedule can change the rate and a NaN can stop
// updates without re-recording anything. The same update kernels move a network's weights and a
// point on a 2-D test surface.
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/hyper_params.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::optim {

// One parameter tensor as the update sees it.
struct ParamRef {
  std::string name;  // "h1.weight", or "xy" for a surface point
  gpu::BufferRange value, grad;
  uint32_t count = 0;
  bool decays = true;  // weight decay applies (weights yes; biases and normalisation parameters no)
};

// What the update reads besides the parameters.
struct UpdateContext {
  gpu::BufferRange control;  // train/control_block.h: skip the update once flagged; the learning rate
  gpu::BufferRange step;     // uint32 device step counter: this update is step t = counter + 1
  // All the parameters as one tensor, zeros between them (a network's shared buffers), for an update
  // that treats every element alike and keeps no state: one dispatch. count 0: not available.
  ParamRef all;
};

// Everything an optimizer carries from one step to the next (moments, accumulators, running
// products), so a saved run continues exactly where it stopped: named blocks of floats
// ("0.exp_avg": the first tensor's first moment; "mu_product": a block shared by all tensors).
struct OptimizerState {
  std::string optimizer;  // name() of the optimizer that saved it
  std::map<std::string, std::vector<float>> blocks;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // The learning rate it was created with (the control block's initial rate).
  virtual double learningRate() const = 0;
  // Creates state for `params` on first use, and records p <- update(p, grad, state) for each.
  virtual void recordUpdate(gpu::Recording& rec, const std::vector<ParamRef>& params, const UpdateContext& ctx) = 0;
  // Zeroes the state (moments, accumulators): a reset run starts from scratch.
  virtual void reset() = 0;
  // Inspectable state, for "optimizer internals" views: names such as "exp_avg", "exp_avg_sq",
  // and per-tensor values read back from the device.
  virtual std::vector<std::string> stateNames() const { return {}; }
  virtual std::vector<float> readState(size_t /*tensor*/, const std::string& /*name*/) const { return {}; }
  // The sizes in floats of the device buffers its first update makes for a parameter tensor of
  // `count` elements: the device-fit check (train/device_fit.h) sizes a run with them.
  virtual std::vector<uint64_t> stateFloats(uint64_t /*count*/) const { return {}; }
  // The state as it stands (call when no update is running), and the same put back: loadState
  // throws std::invalid_argument, changing nothing, for a state another optimizer or other
  // parameter tensors saved. A stateless optimizer saves no blocks.
  virtual OptimizerState saveState() const { return {name(), {}}; }
  virtual void loadState(const OptimizerState& state);
};

// An optimizer GradLab offers: PyTorch's name and hyper-parameters (lr, momentum, betas as beta1 and
// beta2, eps, weight_decay, ...), with defaults and valid ranges.
struct OptimizerDef {
  std::string name;   // "sgd", "adam", ... (lower case, as on the command line)
  std::string title;  // "SGD", "Adam", ...
  std::string summary;
  std::vector<nn::ParamDef> params;
};

const std::vector<OptimizerDef>& optimizerCatalog();
const OptimizerDef* findOptimizer(const std::string& name);

// Creates an optimizer (docs/OPTIMIZERS.md lists them, their state and decay_all); `values` override defaults by name.
// Throws std::invalid_argument with a message naming the value and its valid range (as PyTorch does) for anything
// invalid.
std::unique_ptr<Optimizer> createOptimizer(gpu::Context& context, const std::string& name,
                                           const std::map<std::string, std::string>& values = {});

// Plain stochastic gradient descent: p -= lr * g.
class Sgd final : public Optimizer {
 public:
  explicit Sgd(double lr = 0.1) : lr_(lr) {}
  std::string name() const override { return "SGD"; }
  double learningRate() const override { return lr_; }
  void recordUpdate(gpu::Recording& rec, const std::vector<ParamRef>& params, const UpdateContext& ctx) override;
  void reset() override {}

 private:
  double lr_;
};

}  // namespace gradlab::optim

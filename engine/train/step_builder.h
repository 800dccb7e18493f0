#pragma once
// The one place that turns a network and its optimizer into the recorded forward pass, backward
// pass, gradient check and update of a training step, and owns every decision about fusing them:
// whether a point-wise activation rides on the GEMM of the layer before it; whether each
// parameter gradient a layer describes as a product (nn::GradientProduct) is stored plainly,
// stored and checked for values that are not finite in the same GEMM, or never stored because
// that GEMM takes the SGD step in place; whether the step then needs a check pass of its own; and
// which parameters the optimizer still updates. Layers know none of this.
//
// A step is recorded as: recordForward, StepBuilder::recordBackward, then whatever changes
// gradients (penalties, clipping), then recordCheck and recordUpdate.
#include "gpu/recording.h"
#include "nn/network.h"
#include "optim/optimizer.h"
#include "train/transfer.h"

#include <functional>
#include <vector>

namespace gradlab::train {

// The forward pass of `net`, each point-wise activation that reads the output of a layer ending in
// a product (nn::Layer::outputProduct) applied by that product's GEMM as it stores it: one pass
// and one dispatch fewer, the layer's own output still written. Training steps and the analyses
// (evaluation, landscape, gradient check, receptive field) record their forward passes with it,
// and their backward passes with recordBackward below; nn::Network::recordForward is the unfused
// pass it must match.
// Returns how many activations the GEMMs applied.
size_t recordForward(gpu::Recording& rec, const nn::Network& net, bool training);

// Receives each parameter gradient a layer describes as a product, right after its layer's pass.
using GradientRecorder = std::function<void(gpu::Recording&, const nn::ParameterGradient&)>;

// The backward pass `sweep` of `net`, each point-wise activation whose output only the next layer
// reads, a layer making its input gradient as one product (nn::Layer::inputGradientProduct),
// applied by that product's GEMM: it stores the activation's output gradient and beside it the
// activation's input gradient, one pass and one dispatch fewer. With `recordGradient`, the
// parameter gradients layers describe as products go to it instead of being recorded by the
// layers. nn::Network::recordBackward is the unfused pass it must match. Returns how many
// activations the GEMMs applied.
size_t recordBackward(gpu::Recording& rec, const nn::Network& net, nn::BackwardSweep sweep,
                      const GradientRecorder& recordGradient = {});
// After recordForward(rec, net, true): every gradient the loss depends on (Network::backwardSweep),
// as the analyses (gradient check, sharpness, probes) record it.
inline size_t recordBackward(gpu::Recording& rec, const nn::Network& net) {
  return recordBackward(rec, net, net.backwardSweep());
}

// The network's parameters as the update stages see them.
std::vector<optim::ParamRef> parameterRefs(nn::Network& net);
// Every parameter of `net` as one tensor (Network::allValues, allGradients): UpdateContext::all.
optim::ParamRef allParameters(nn::Network& net);

// What a step's recording may fuse.
struct StepFusion {
  // Parameter gradients are checked as their GEMMs store them: only when nothing changes them
  // between the backward pass and the update (no penalties, no clipping).
  bool checkInBackward = false;
  // Weight-gradient GEMMs take the plain SGD step in place (where the GEMM can): only for plain SGD,
  // which is stateless and needs nothing but each gradient, and with the gradients checked.
  bool sgdInBackward = false;
};
// The fusion for a step whose optimizer is `optimizer` (null: the default SGD). `sgdInBackward`:
// whether the caller allows the SGD step in the backward pass (TrainingOptions::sgdInBackward; off
// where every gradient must be written, as for probes); `gradientsChangeAfterBackward`: penalties
// or clipping come between the backward pass and the update.
StepFusion planStepFusion(bool sgdInBackward, bool gradientsChangeAfterBackward, const optim::Optimizer* optimizer);

class StepBuilder {
 public:
  // `control`: the step's control block (train/control_block.h), read and flagged on the device.
  // `layers`: frozen layers and rate multipliers (null: none), kept alive by the caller as long as the recording.
  StepBuilder(nn::Network& net, optim::Optimizer& optimizer, const StepFusion& fusion, gpu::BufferRange control,
              const LayerTrainingPlan* layers = nullptr);

  // After the forward pass: the backward pass (train::recordBackward), with the parameter
  // gradients layers describe as products recorded as fusion allows.
  void recordBackward(gpu::Recording& rec);
  // How many activations the last recordBackward had GEMMs apply.
  size_t activationsFusedInBackward() const { return activationsFused_; }
  // Whether some parameter gradient the loss depends on was not checked as it was stored: then
  // recordCheck records one pass over all of them (the network keeps them in one buffer).
  bool needsCheck() const;
  void recordCheck(gpu::Recording& rec);
  // The optimizer's update of every parameter the backward pass did not update itself.
  void recordUpdate(gpu::Recording& rec);

  // updatedInBackward()[k]: whether parameters()[k] took its SGD step in the backward pass (its
  // gradient is then never written, and a flagged step may have changed it: the session restores).
  const std::vector<bool>& updatedInBackward() const { return updated_; }
  size_t parametersUpdatedInBackward() const;

 private:
  void recordGradient(gpu::Recording& rec, const nn::ParameterGradient& gradient);

  nn::Network& net_;
  optim::Optimizer& optimizer_;
  StepFusion fusion_;
  gpu::BufferRange control_;
  const LayerTrainingPlan* layers_;
  std::vector<bool> updated_, checked_;  // per parameter
  size_t activationsFused_ = 0;
};

}  // namespace gradlab::train

#pragma once
// Fine-tuning a network layer by layer, as lecture 001's transfer learning does it:
// - a frozen layer keeps its parameters (PyTorch's requires_grad=False): the step builder records
//   no gradient product for them and the optimizer never sees them, while the gradient with
//   respect to the layer's input still flows to the trainable layers before it;
// - a learning-rate multiplier trains a layer at a fraction of the run's rate (a PyTorch parameter
//   group with lr x m): the optimizer takes its step at the run's rate and the layer then keeps
//   m of that step, p <- p_before + m (p_after - p_before). Every optimizer's step is linear in its
//   rate (its state does not depend on it), so this is the step at rate m lr for all of them, and
//   m = 0 keeps the values bit for bit while the optimizer's state still advances, as in PyTorch.
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "nn/graph.h"
#include "nn/network.h"
#include "optim/optimizer.h"
#include "util/checked_values.h"

#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::train {

// What --lr-mult and the lab accept as a layer's factor on the run's rate.
inline const util::Range kLrMultiplier = util::Range::closed(0, 1000);

// Which layers (graph node names) train how; empty: every layer at the run's rate.
struct LayerTraining {
  std::vector<std::string> frozen;
  std::map<std::string, double> lrMultipliers;  // node name -> factor on the run's rate (kLrMultiplier)
  bool empty() const { return frozen.empty() && lrMultipliers.empty(); }
  bool operator==(const LayerTraining&) const = default;
};

// "c1,c3" as --freeze takes it: names, each once. Throws std::invalid_argument led by `option`
// unless it is empty.
std::vector<std::string> parseLayerList(std::string_view text, std::string_view option);

// Throws std::invalid_argument led by `option` for a name in `names` that is no layer of `graph`
// with parameters, naming the layers that are.
void requireLayersWithParameters(const std::vector<std::string>& names, const nn::Graph& graph,
                                 std::string_view option);

// Throws std::invalid_argument, one line, for a name `graph` has no layer with parameters by, a
// multiplier out of range, or a layer both frozen and given a multiplier:
// "--freeze: no layer 'conv9' with parameters; this network's are c1, c3, f5, f6, out".
void checkLayerTraining(const LayerTraining& layers, const nn::Graph& graph);

// A network's LayerTraining per parameter tensor, and the device work of the multipliers. The
// session owns it: the recorded step reads and writes its buffer on every replay.
class LayerTrainingPlan {
 public:
  // Checks `layers` against the network's graph (checkLayerTraining).
  LayerTrainingPlan(nn::Network& net, const LayerTraining& layers);

  // By index into Network::parameters().
  bool frozen(size_t param) const { return frozen_[param]; }
  float rateFactor(size_t param) const { return factor_[param]; }
  // Neither frozen nor scaled: the step builder may fuse its update into the backward pass.
  bool plain(size_t param) const { return !frozen_[param] && factor_[param] == 1.0f; }

  // `refs`, one per parameter in Network::parameters()' order, without the frozen ones: what the
  // penalties and the global clip norm take in, as PyTorch's clip_grad_norm_ over the trained
  // parameters does. (A frozen BatchNorm still computes its gradients, with its input's.)
  std::vector<optim::ParamRef> trained(const std::vector<optim::ParamRef>& refs) const;

  // Around the optimizer's update: keep the scaled parameters' values, then move each only its
  // factor of the way the update took it.
  void recordBeforeUpdate(gpu::Recording& rec) const;
  void recordAfterUpdate(gpu::Recording& rec) const;

 private:
  struct Scaled {
    size_t param;
    gpu::BufferRange kept;
  };
  nn::Network& net_;
  std::vector<bool> frozen_;
  std::vector<float> factor_;
  std::vector<Scaled> scaled_;
  std::unique_ptr<gpu::Buffer> kept_;
};

}  // namespace gradlab::train

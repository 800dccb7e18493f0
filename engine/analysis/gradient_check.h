#pragma once
// The gradient check: every parameter tensor's gradient from the engine's backward pass (float32,
// on the device) against central finite differences of the mean loss, evaluated in double
// precision by the layers' CPU references at the device's parameter values, on the same batch,
// with the same seed and step (so Dropout masks match) and in training mode (BatchNorm uses the
// batch statistics, as the backward pass assumes).
//
// Why this is meaningful for float32: the finite differences carry ~1e-10 error (double, step
// 1e-6), so what is measured is the device's own error. A correct float32 gradient differs from
// the exact one by the rounding of the terms it sums, ~1e-6 of the tensor's largest gradient, and
// where terms cancel to almost nothing (a bias or scale right before a normalisation) ~1e-7 of
// the network's largest gradient. So each entry's error is taken relative to
//   max(|device|, |numeric|, 1e-2 x the tensor's largest, 1e-4 x the network's largest gradient):
// tiny entries do not report rounding as relative error, and a planted 5% error still reads 5e-2.
// Correct layers measure 1e-7 to 1e-4 ("fine"), a few up to ~1e-3 (LayerNorm, tensors judged on
// the network's scale); the check fails a tensor above 1e-2, where no rounding explains it.
// The price: in a tensor whose gradients are all below 1e-4 of the network's largest, only errors
// above 1e-6 of the network's largest gradient are caught.
//
// Non-differentiable points (a ReLU's input at 0, a max-pool tie, a hinge): a step that crosses
// one makes a central difference that matches neither side's gradient. With BatchNorm every
// parameter moves every later ReLU input, so one input within ~1e-7 of 0 is crossed by most
// steps of the first layers. Such an entry's one-sided differences disagree: it is measured again
// with a 16 times smaller step, and if that crosses too it is counted in `kinks` and left out of
// the verdict. And where float32 puts a ReLU-like unit's input on the other side of 0 than the
// exact forward (a straddling unit), the device's backward pass takes the other side's slope; the
// finite differences are moved to that side (d loss / d the unit's output, times d its input /
// d the parameter, both by finite differences) before they are compared.
#include "nn/network.h"

#include <functional>
#include <string>
#include <vector>

namespace gradlab::analysis {

// The usual bands of a relative error: <= 1e-7 great (double precision), <= 1e-4 fine (float32),
// <= 1e-2 suspicious, above that wrong.
enum class GradientBand { Great, Fine, Suspicious, Wrong };
GradientBand bandOf(double relativeError);
const char* bandName(GradientBand band);

constexpr double kGradientFailAbove = 1e-2;

struct GradientCheckOptions {
  uint32_t samples = 20;  // entries checked per tensor (every entry of a smaller one)
  uint32_t seed = 0;      // which entries: the same seed checks the same ones
  double step = 1e-6;     // finite-difference step, relative to max(1, |value|)
  // Records more work after the backward pass. A test seam: a planted bug that perturbs one
  // layer's gradients must be caught there and nowhere else.
  std::function<void(gpu::Recording&, nn::Network&)> afterBackward;
};

struct TensorCheck {
  std::string layer, type, tensor;  // "c1", "Conv2d", "weight"
  uint32_t entries = 0, checked = 0;
  uint32_t kinks = 0;           // checked entries whose finite difference crossed a non-differentiable point
  double maxRelativeError = 0;  // over the other checked entries
  double largestGradient = 0;   // the tensor's largest |numeric gradient| among the checked entries
  bool onNetworkScale = false;  // its gradients are so small that the network's scale judges them
  GradientBand band = GradientBand::Great;
  bool passed() const { return maxRelativeError <= kGradientFailAbove; }
  bool judged() const { return kinks < checked; }  // some entry said something about the backward pass
};

struct GradientCheckReport {
  std::vector<TensorCheck> tensors;  // in Network::parameters() order
  double loss = 0;                   // the batch's mean loss (reference)
  // Units of ReLU-like activations whose input float32 put on the other side of 0 on the device.
  uint32_t straddlingUnits = 0;
  bool passed() const;
  std::vector<std::string> failedLayers() const;  // each once, in network order
  uint32_t kinks() const;                         // entries left out: their finite difference crossed a kink
};

// Checks the batch already in net.input() and net.labels(). Overwrites the parameter gradients
// and activations; leaves the parameters as they were.
GradientCheckReport checkGradients(nn::Network& net, const GradientCheckOptions& options = {});

}  // namespace gradlab::analysis

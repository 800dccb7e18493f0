#pragma once
// A model as PyTorch code and NumPy weights: a Python file defining `class Network(nn.Module)`
// whose sub-modules are PyTorch's own layers named after GradLab's nodes, so its state_dict keys
// are GradLab's tensor names ("h1.weight", "bn1.running_mean"), and an .npz with those arrays:
//
//   model = Network()
//   model.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load("model.npz").items()})
//   model.eval()
//
// gives GradLab's evaluation-mode outputs (the logits; the loss is left out).
#include "export/model.h"

#include <string>

namespace gradlab::exporting {

// Throws ExportError naming a node whose name Python or nn.Module cannot take as an attribute.
std::string pytorchSource(const Model& model);
// The arrays of the tensors pytorchSource's module has, with BatchNorm's num_batches_tracked.
std::string pytorchWeights(const Model& model);

}  // namespace gradlab::exporting

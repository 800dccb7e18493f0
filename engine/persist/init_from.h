#pragma once
// Starting a run from another experiment's weights (gradlab-cli train --init-from, the lab's
// "Initialise from experiment..."), as fine-tuning starts from a pretrained network: each layer
// whose parameters and running statistics all have a saved tensor of the same name and shape takes
// the saved values; every other layer keeps its initialisation, and the report says why.
#include "nn/graph.h"
#include "persist/experiment.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gradlab::persist {

struct InitFrom {
  // Tensor name ("c1.weight", "bn1.running_mean") -> values, as train::RunConfig::initialWeights takes them.
  std::map<std::string, std::vector<float>> values;
  std::vector<std::string> copied;  // layers, in the graph's order
  std::vector<std::pair<std::string, std::string>>
      kept;  // layer, why: "not in the file", "weight 10x84 there, 5x84 here"
  // One line: "Copied c1, c3 from F; kept the initialisation of out (weight 10x84 there, 5x84 here)".
  std::string summary(const std::string& source) const;
};

// The layers of `graph` (valid) that `weights` (Experiment::weights) can initialise.
InitFrom matchWeights(const nn::Graph& graph, const std::map<std::string, Tensor>& weights);

}  // namespace gradlab::persist

#pragma once
// What the "seeing inside" views analyse: a network, its training data and its parameter values
// (now, at the start, and along the way), as the lab's training run provides them. The views
// copy nothing from the run's device: they build their own network from the graph on a Context
// of their own and set these values into it.
#include "data/dataset.h"
#include "data/device_dataset.h"
#include "nn/graph.h"
#include "train/probes.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::ui {

// Parameter tensors by name ("h1.weight"), as train::ProbeReport::weights carries them.
using ParameterMap = std::map<std::string, std::vector<float>>;

// The tensors of a probe that snapshots every parameter (RunConfig::weightSnapshots).
ParameterMap parametersOf(const train::ProbeReport& report);

struct AnalysisSource {
  nn::Graph graph;
  std::shared_ptr<const data::Dataset> train;
  data::Normalization normalization = data::Normalization::None;  // the run's, so losses match
  ParameterMap current;                 // empty: not trained yet
  ParameterMap initial;                 // the first probe's; empty: unknown
  std::vector<ParameterMap> trajectory;  // one per probe, oldest first (a few hundred at most)
  uint64_t step = 0;  // the training step `current` was taken at
  uint32_t seed = 0;
  uint32_t batch = 64;  // the run's batch size (optimizer races train with it)
  std::string device;  // Vulkan device index or name part; empty: the best one
};

}  // namespace gradlab::ui

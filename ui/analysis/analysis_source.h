#pragma once
// What the "seeing inside" views analyse: a network, its training data and its parameter values
// (now, at the start, and along the way), as the lab's training run provides them. The views
// copy nothing from the run's device: they build their own network from the graph on a Context
// of their own and set these values into it.
#include "data/dataset.h"
#include "data/device_dataset.h"
#include "nn/graph.h"
#include "persist/experiment.h"
#include "train/probes.h"
#include "views/run_style.h"

#include <map>
#include <memory>
#include <string>
#include <vector>

namespace gradlab::ui {

// Parameter tensors by name ("h1.weight"), as train::ProbeReport::weights carries them.
using ParameterMap = std::map<std::string, std::vector<float>>;

// The tensors of a probe that snapshots every parameter (RunConfig::weightSnapshots).
ParameterMap parametersOf(const train::ProbeReport& report);

// One run of a run set (train::Run's members) as the analysis views see it. Fill one per run of the set, the
// first run (the experiment itself) first; every field is that run's own.
struct RunAnalysis {
  RunStyle style;   // member, label, legend text, colour, line style; !visible: left off the views
  nn::Graph graph;  // the run's network: a variant (BatchNorm added, ...) has its own
  data::Normalization normalization = data::Normalization::None;
  uint32_t batch = 64;
  uint32_t seed = 0;                     // the seed its initial weights came from
  ParameterMap current;                  // empty: not trained yet
  ParameterMap initial;                  // where it started (the Ready snapshot's: step 0's); empty: unknown
  std::vector<ParameterMap> trajectory;  // one per probe, oldest first; the landscape needs >= 2
  uint64_t step = 0;                     // the training step `current` was taken at
  persist::TrainingSettings training;    // the settings the lab trains it with (persist::runSetup)
};

struct AnalysisSource {
  // The single-run fields below describe the run the views analyse when there is no set, and the
  // first run when there is one (the lab fills them as always; with a set, runs[0] repeats them).
  nn::Graph graph;
  std::shared_ptr<const data::Dataset> train;
  data::Normalization normalization = data::Normalization::None;  // the run's, so losses match
  ParameterMap current;                                           // empty: not trained yet
  ParameterMap initial;                  // where it started (the Ready snapshot's: step 0's); empty: unknown
  std::vector<ParameterMap> trajectory;  // one per probe, oldest first (a few hundred at most)
  uint64_t step = 0;                     // the training step `current` was taken at
  uint32_t seed = 0;
  uint32_t batch = 64;  // the run's batch size (optimizer races train with it)
  // The run's settings as the lab trains them: an optimizer race trains with persist::runSetup of
  // them (augmentation, schedule, penalties, clipping, convolution), each racer's optimizer aside.
  persist::TrainingSettings training;
  std::string device;  // Vulkan device index or name part; empty: the best one

  // The runs of a set, first run first; empty (or one run) when there is no set. The landscape
  // draws every visible run whose parameters have the same names and sizes as the first visible
  // run's on one plane (the others are named "not on this plane: different network"); the
  // gradient check and the receptive field analyse one run chosen in the view (forRun). The
  // trajectories are only needed while the landscape is shown.
  std::vector<RunAnalysis> runs;

  bool isSet() const { return runs.size() >= 2; }
  // The source with run `index`'s network, weights and settings in the single-run fields, for
  // the views that analyse one run (the training data and device stay shared; the trajectory and
  // `runs` are left empty: those views do not use them, and they are megabytes).
  AnalysisSource forRun(size_t index) const;
};

}  // namespace gradlab::ui

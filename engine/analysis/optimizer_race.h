#pragma once
// Optimizers racing on a real network: each trains the same network from the same initial weights
// on the same batches (one seed) for the same number of steps, and keeps its weights at evenly
// spaced steps. Projected together on one common plane (commonPlane in trajectory_plane.h) over
// the loss landscape, the paths show where each optimizer went — the 2-D surface race of the
// lecture, on the network actually being trained.
#include "analysis/loss_landscape.h"
#include "optim/optimizer_spec.h"
#include "train/training_session.h"

#include <optional>
#include <vector>

namespace gradlab::analysis {

struct RaceSettings {
  uint32_t steps = 100;     // training steps per optimizer
  uint32_t snapshots = 21;  // weights kept per run, the initial ones included (at least 2)
};

struct RaceRun {
  optim::OptimizerSpec spec;
  std::string title;                                // the catalog's title, with the spec's values ("SGD momentum=0.9")
  std::vector<ParamVector> path;                    // weights at `steps`, the initial ones first
  std::vector<uint64_t> steps;                      // the step each of `path` was taken after
  std::vector<double> losses;                       // training loss of every step run
  std::optional<train::NonFiniteReport> nonFinite;  // set: the run diverged; its path ends before
};

struct Race {
  ParamVector initial;  // shared by every run
  std::vector<RaceRun> runs;
  bool cancelled = false;  // runs then holds the runs finished before
};

// Trains one run per spec on `context`. `options` give batch, seed, normalisation, augmentation
// (the optimizer's learning rate is its own). Progress counts steps over all runs. Throws
// std::invalid_argument for no specs, fewer than 2 snapshots, or an invalid optimizer value.
Race raceOptimizers(gpu::Context& context, const nn::Graph& graph, const data::Dataset& train,
                    const train::TrainingOptions& options, const std::vector<optim::OptimizerSpec>& specs,
                    const RaceSettings& settings, const RunControl& control = {});

}  // namespace gradlab::analysis

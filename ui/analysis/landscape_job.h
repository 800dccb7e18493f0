#pragma once
// The loss-landscape view's work, run on a worker thread: on a Context of its own, the loss on a
// grid of the plane through the current weights (two random filter-normalised directions, or the
// PCA plane of the trajectory), the trajectory projected onto that plane, and the loss along the
// line from the initial to the current weights. Or an optimizer race: several optimizers trained
// from the same initial weights, their paths on one common PCA plane over the landscape there.
// Progress and cancellation go through atomics the UI thread polls and sets.
#include "analysis/analysis_source.h"
#include "analysis/loss_landscape.h"
#include "analysis/trajectory_plane.h"
#include "optim/optimizer_spec.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace gradlab::ui {

enum class LandscapePlane { Random, Pca, Race };

struct LandscapeRequest {
  std::shared_ptr<const AnalysisSource> source;
  LandscapePlane plane = LandscapePlane::Random;
  uint32_t gridPoints = 31;  // per side
  double range = 1;          // random plane: alpha and beta in [-range, range]
  uint32_t samples = 512;    // the first training samples the loss is averaged over
  uint32_t seed = 0;         // of the random directions
  uint32_t linePoints = 101;
  // Race: the optimizers, and the steps each trains (batch, seed, normalisation: the source's).
  std::vector<optim::OptimizerSpec> racers;
  uint32_t raceSteps = 100;
};

struct JobProgress {
  std::atomic<size_t> done{0}, total{0};
  std::atomic<bool> cancel{false};
};

// One optimizer's run in a race, in the common plane.
struct RacePath {
  std::string title;
  std::vector<analysis::PlanePoint> points;  // at evenly spaced steps, the start first
  uint64_t steps = 0;                         // steps trained
  std::vector<double> losses;                 // training loss of every step
  double finalLoss = 0;                       // of its last step
  std::string diverged;                       // what went non-finite, where (empty: it did not)
};

struct LandscapeResult {
  std::string error;  // set: nothing else is
  bool cancelled = false;
  analysis::Grid grid;
  analysis::PointValue centre;                 // at the current weights, evaluated on its own
  std::vector<analysis::PlanePoint> path;      // the trajectory in the plane (empty: none given)
  double explained[2] = {0, 0};                // PCA plane: variance along each axis
  std::optional<analysis::Line> line;          // initial to current weights, when both are known
  std::vector<RacePath> race;                  // Race: one per optimizer; the grid is centred on their start
  uint32_t samples = 0;
  double seconds = 0;
  std::string note;  // a caveat to show with the result
  std::string device;
};

LandscapeResult computeLandscape(const LandscapeRequest& request, JobProgress& progress);

}  // namespace gradlab::ui

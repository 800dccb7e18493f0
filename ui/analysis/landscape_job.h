#pragma once
// The loss-landscape view's work, run on a worker thread: on a Context of its own, the loss on a
// grid of the plane through the current weights (two random filter-normalised directions, or the
// PCA plane of the trajectory), the trajectory projected onto that plane, and the loss along the
// line from the initial to the current weights. Or an optimizer race: several optimizers trained
// from the same initial weights, their paths on one common PCA plane over the landscape there. Or
// the runs of a set (AnalysisSource::runs): every run's trajectory on the plane through their
// common start that fits them all (analysis::runSetPlane), the loss computed on it once.
// Progress and cancellation go through atomics the UI thread polls and sets.
#include "analysis/analysis_source.h"
#include "analysis/loss_landscape.h"
#include "analysis/trajectory_plane.h"
#include "optim/optimizer_spec.h"
#include "train/training_session.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace gradlab::ui {

enum class LandscapePlane { Random, Pca, Race, RunSet };

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

// The options an optimizer race trains with: the lab's for the source's run (persist::runSetup of
// AnalysisSource::training) at the source's batch (no more than its training samples), seed and
// normalisation. Throws std::invalid_argument, in the run setup's words, for settings it refuses.
train::TrainingOptions raceOptions(const AnalysisSource& source);

struct JobProgress {
  std::atomic<size_t> done{0}, total{0};
  std::atomic<bool> cancel{false};
};

// One run on a common plane: an optimizer of a race, or a run of the set.
struct RacePath {
  std::string title;                         // the optimizer's, or the run's legend ("B: lr=0.1")
  RunStyle style;                            // colour and line style of its path
  std::vector<analysis::PlanePoint> points;  // the start first: a race's at evenly spaced steps, a run's at its probes
  uint64_t steps = 0;                        // steps trained
  std::vector<double> losses;                // race: training loss of every step (a set's runs: none)
  double finalLoss = 0;                      // race: of its last step
  std::string diverged;                      // what went non-finite, where (empty: it did not)
};

// A run of the set that is not drawn on the common plane, and why.
struct OffPlane {
  RunStyle style;
  std::string reason;  // "different network", or what its weights lack
};

struct LandscapeResult {
  std::string error;  // set: nothing else is
  bool cancelled = false;
  analysis::Grid grid;
  analysis::PointValue centre;             // at the current weights, evaluated on its own
  std::vector<analysis::PlanePoint> path;  // the trajectory in the plane (empty: none given)
  double explained[2] = {0, 0};            // PCA plane: variance along each axis
  std::optional<analysis::Line> line;      // initial to current weights, when both are known
  std::vector<RacePath> race;              // Race, RunSet: one per path; the grid is centred on their start
  std::vector<OffPlane> offPlane;          // RunSet: visible runs left off the plane
  bool sharedStart = true;                 // RunSet: every path starts at (0, 0)
  uint32_t samples = 0;
  double seconds = 0;
  std::string note;  // a caveat to show with the result
  std::string device;
  std::string convolution;  // how its convolutions computed, as the run's (convolutionPaths); empty: none
};

LandscapeResult computeLandscape(const LandscapeRequest& request, JobProgress& progress);

}  // namespace gradlab::ui

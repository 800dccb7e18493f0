#pragma once
// The loss-landscape view's work, run on a worker thread: on a Context of its own, the loss on a
// grid of the plane through the current weights (two random filter-normalised directions, or the
// PCA plane of the trajectory), the trajectory projected onto that plane, and the loss along the
// line from the initial to the current weights. Progress and cancellation go through atomics the
// UI thread polls and sets.
#include "analysis/analysis_source.h"
#include "analysis/loss_landscape.h"
#include "analysis/trajectory_plane.h"

#include <atomic>
#include <memory>
#include <optional>
#include <string>

namespace gradlab::ui {

enum class LandscapePlane { Random, Pca };

struct LandscapeRequest {
  std::shared_ptr<const AnalysisSource> source;
  LandscapePlane plane = LandscapePlane::Random;
  uint32_t gridPoints = 31;  // per side
  double range = 1;          // random plane: alpha and beta in [-range, range]
  uint32_t samples = 512;    // the first training samples the loss is averaged over
  uint32_t seed = 0;         // of the random directions
  uint32_t linePoints = 101;
};

struct JobProgress {
  std::atomic<size_t> done{0}, total{0};
  std::atomic<bool> cancel{false};
};

struct LandscapeResult {
  std::string error;  // set: nothing else is
  bool cancelled = false;
  analysis::Grid grid;
  analysis::PointValue centre;                 // at the current weights, evaluated on its own
  std::vector<analysis::PlanePoint> path;      // the trajectory in the plane (empty: none given)
  double explained[2] = {0, 0};                // PCA plane: variance along each axis
  std::optional<analysis::Line> line;          // initial to current weights, when both are known
  uint32_t samples = 0;
  double seconds = 0;
  std::string note;  // a caveat to show with the result
  std::string device;
};

LandscapeResult computeLandscape(const LandscapeRequest& request, JobProgress& progress);

}  // namespace gradlab::ui

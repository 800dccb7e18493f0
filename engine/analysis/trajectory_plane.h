#pragma once
// Training trajectories drawn in a plane of parameter space: the least-squares coordinates of
// parameter snapshots in any plane (the directions need not be orthogonal, as two random
// directions are not), and the PCA plane of one or several trajectories (Li et al. 2018, section
// 7): the top two principal directions of the snapshots minus an origin, found through the
// snapshots' Gram matrix (a few snapshots, many parameters), in double precision on the host.
// A landscape computed on that plane (LossLandscape with the plane's origin and directions) shows
// the paths of several runs over one common surface.
#include "analysis/loss_landscape.h"

#include <vector>

namespace gradlab::analysis {

// origin + x * first + y * second.
struct Plane {
  ParamVector origin, first, second;
};

struct PlanePoint {
  double x = 0, y = 0;
  double distance = 0;  // from the point to the plane (what the coordinates leave out)
};

// The coordinates (x, y) minimising |snapshot - (origin + x first + y second)|. A degenerate
// plane (directions zero or parallel) gives coordinates along the first direction only.
std::vector<PlanePoint> project(const Plane& plane, const std::vector<ParamVector>& snapshots);

struct PcaPlane {
  Plane plane;                   // unit, orthogonal directions
  double explained[2] = {0, 0};  // fraction of the snapshots' variance along each direction
};

// What the principal directions are found around.
enum class PcaCentre {
  Mean,   // the snapshots' mean, as textbook PCA: the plane through the mean that fits them best,
          // then moved to pass through `origin`
  Origin  // `origin` itself: the plane through `origin` that fits the snapshots best (least
          // squares), so a point every run passes through (a shared start) lies on it exactly
};

// The principal plane of the snapshots of every run together, through `origin` (usually the
// final weights of a run, where the landscape is computed, or the common start of a run set).
// "Explained" is the share of the variance about the centre. A direction along which the
// snapshots do not vary is zero, with explained variance 0.
PcaPlane pcaPlane(const std::vector<const ParamVector*>& snapshots, const ParamVector& origin,
                  PcaCentre centre = PcaCentre::Mean);

struct RunsInPlane {
  PcaPlane pca;
  std::vector<std::vector<PlanePoint>> paths;  // one per run, one point per snapshot
};
// Several runs (e.g. optimizers from the same initial weights) in one common PCA plane.
RunsInPlane commonPlane(const std::vector<std::vector<ParamVector>>& runs, const ParamVector& origin,
                        PcaCentre centre = PcaCentre::Mean);

// The runs of a set on one plane: the plane through the runs' common start (the mean of their
// first snapshots; runs of one network in lockstep share it exactly) that fits every snapshot of
// every run best, i.e. PCA about that start rather than about the snapshots' mean: no other plane
// through the start leaves less of the paths out, and paths from a shared start begin at (0, 0).
// Runs that differ in initialisation start apart; the mean of their starts is then the centre.
// Throws std::invalid_argument when a run has no snapshot or the runs' sizes differ.
RunsInPlane runSetPlane(const std::vector<std::vector<ParamVector>>& runs);

// A grid over the points' extent in the plane, widened by `margin` (a fraction of each side).
GridSpec gridAround(const std::vector<std::vector<PlanePoint>>& paths, double margin, uint32_t steps);

}  // namespace gradlab::analysis

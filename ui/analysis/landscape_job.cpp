#include "analysis/landscape_job.h"

#include "analysis/analysis_network.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace gradlab::ui {
namespace {

constexpr uint32_t kEvalBatch = 256;  // samples per forward pass of the landscape
constexpr double kPcaMargin = 0.15;   // the PCA grid frames the path with this much room per side

bool hasRunningStatistics(const nn::Network& net) {
  for (const auto& node : net.analysis().nodes)
    if (!node.shape.buffers.empty()) return true;
  return false;
}

}  // namespace

LandscapeResult computeLandscape(const LandscapeRequest& request, JobProgress& progress) {
  LandscapeResult out;
  const auto start = std::chrono::steady_clock::now();
  try {
    const AnalysisSource& s = *request.source;
    if (s.current.empty())
      throw std::invalid_argument("Train a few steps first: the landscape is drawn around the current weights.");
    if (request.plane == LandscapePlane::Pca && s.trajectory.size() < 2)
      throw std::invalid_argument("The PCA plane needs a trajectory of two probes or more: train longer with probes on, "
                                  "or choose random directions.");
    if (!s.train || s.train->size() == 0) throw std::invalid_argument("Choose a training dataset first.");
    const uint32_t samples = std::min(request.samples, s.train->size());
    auto context = openContext(s);
    out.device = context->device().name;
    nn::Network net(*context, s.graph, std::min(samples, kEvalBatch), s.seed);
    checkData(net, s);
    if (hasRunningStatistics(net))
      out.note = "Evaluation uses BatchNorm's initial running statistics (mean 0, variance 1), not the run's.";
    const analysis::ParamVector current = flatten(net, s.current);
    analysis::writeParameters(net, current);
    analysis::LossLandscape landscape(net, *s.train, data::NormalizationTable::compute(*s.train, s.normalization), samples);
    out.samples = landscape.samples();

    std::vector<analysis::ParamVector> snapshots;
    for (const auto& t : s.trajectory) snapshots.push_back(flatten(net, t));
    analysis::Plane plane;
    analysis::GridSpec spec = analysis::GridSpec::square(request.range, request.gridPoints);
    if (request.plane == LandscapePlane::Pca) {
      std::vector<const analysis::ParamVector*> pointers;
      for (const auto& v : snapshots) pointers.push_back(&v);
      const analysis::PcaPlane pca = analysis::pcaPlane(pointers, current);
      plane = pca.plane;
      out.explained[0] = pca.explained[0], out.explained[1] = pca.explained[1];
      out.path = analysis::project(plane, snapshots);
      spec = analysis::gridAround({out.path, {analysis::PlanePoint{}}}, kPcaMargin, request.gridPoints);
    } else {
      plane = {current, analysis::filterNormalizedDirection(net, current, 2 * uint64_t(request.seed) + 1),
               analysis::filterNormalizedDirection(net, current, 2 * uint64_t(request.seed) + 2)};
      if (!snapshots.empty()) out.path = analysis::project(plane, snapshots);
    }

    const size_t gridCount = size_t(spec.alphaSteps) * spec.betaSteps;
    const bool line = !s.initial.empty();
    progress.total = 1 + gridCount + (line ? request.linePoints : 0);
    size_t before = 0;  // points of the earlier stages
    analysis::RunControl control;
    control.cancel = &progress.cancel;
    control.progress = [&](size_t done, size_t) {
      progress.done = before + done;
      return true;
    };
    landscape.setCenter(current);
    landscape.setDirections(plane.first, plane.second);
    const std::array<double, 2> origin{0, 0};
    const auto centre = landscape.evaluate({&origin, 1}, control, &out.cancelled);
    if (out.cancelled) return out;
    out.centre = centre.at(0);
    before = 1;
    out.grid = landscape.grid(spec, control);
    if ((out.cancelled = out.grid.cancelled)) return out;
    before += gridCount;
    if (line) {
      out.line = landscape.line(flatten(net, s.initial), current, {0, 1, request.linePoints}, control);
      if ((out.cancelled = out.line->cancelled)) return out;
    }
    progress.done = progress.total.load();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace gradlab::ui

#include "analysis/landscape_job.h"

#include "analysis/analysis_network.h"
#include "analysis/optimizer_race.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace gradlab::ui {
namespace {

constexpr uint32_t kEvalBatch = 256;  // samples per forward pass of the landscape
constexpr double kPcaMargin = 0.15;   // the PCA grid frames the path with this much room per side
constexpr uint32_t kRaceSnapshots = 26;  // weights kept per optimizer of a race, the start included

}  // namespace

LandscapeResult computeLandscape(const LandscapeRequest& request, JobProgress& progress) {
  LandscapeResult out;
  const auto start = std::chrono::steady_clock::now();
  try {
    const AnalysisSource& s = *request.source;
    const bool race = request.plane == LandscapePlane::Race;
    if (race && request.racers.empty()) throw std::invalid_argument("Name at least one optimizer to race.");
    if (!race && s.current.empty())
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

    analysis::RunControl control;
    control.cancel = &progress.cancel;
    size_t before = 0;  // points of the earlier stages
    control.progress = [&](size_t done, size_t) {
      progress.done = before + done;
      return true;
    };
    const size_t gridPoints = size_t(request.gridPoints) * request.gridPoints;
    const bool line = !race && !s.initial.empty();
    const size_t raceSteps = race ? size_t(request.raceSteps) * request.racers.size() : 0;
    progress.total = raceSteps + 1 + gridPoints + (line ? request.linePoints : 0);

    analysis::ParamVector current;
    analysis::Plane plane;
    analysis::GridSpec spec = analysis::GridSpec::square(request.range, request.gridPoints);
    if (race) {
      // Every optimizer from the seed's initial weights on the run's batches; the plane through
      // that common start, along the directions all the paths together vary most.
      train::TrainingOptions options;
      options.batch = std::min(s.batch, s.train->size());
      options.seed = s.seed;
      options.normalization = s.normalization;
      const analysis::Race result =
          analysis::raceOptimizers(*context, s.graph, *s.train, options, request.racers,
                                   {request.raceSteps, kRaceSnapshots}, control);
      if ((out.cancelled = result.cancelled)) return out;
      std::vector<std::vector<analysis::ParamVector>> paths;
      for (const auto& run : result.runs) paths.push_back(run.path);
      const analysis::RunsInPlane inPlane = analysis::commonPlane(paths, result.initial);
      current = result.initial;
      plane = inPlane.pca.plane;
      out.explained[0] = inPlane.pca.explained[0], out.explained[1] = inPlane.pca.explained[1];
      spec = analysis::gridAround(inPlane.paths, kPcaMargin, request.gridPoints);
      for (size_t r = 0; r < result.runs.size(); ++r) {
        const analysis::RaceRun& run = result.runs[r];
        out.race.push_back({run.title, inPlane.paths[r], run.steps.back(), run.losses,
                            run.losses.empty() ? 0 : run.losses.back(),
                            run.nonFinite ? run.nonFinite->message : std::string()});
      }
      before = raceSteps;
    } else {
      current = flatten(net, s.current);
    }
    analysis::writeParameters(net, current);
    // Evaluation mode normalises with BatchNorm's running statistics: the run's, as the last probe
    // copied them. A race's runs each kept their own; the plane's points are no run's.
    const bool runStatistics = !race && writeRunningStatistics(net, s.current);
    if (!net.runningStatistics().empty() && !runStatistics)
      out.note = race ? "Evaluation uses BatchNorm's initial running statistics (mean 0, variance 1): each optimizer "
                        "kept its own."
                      : "Evaluation uses BatchNorm's initial running statistics (mean 0, variance 1), not the run's.";
    analysis::LossLandscape landscape(net, *s.train, data::NormalizationTable::compute(*s.train, s.normalization), samples);
    out.samples = landscape.samples();

    std::vector<analysis::ParamVector> snapshots;
    if (!race)
      for (const auto& t : s.trajectory) snapshots.push_back(flatten(net, t));
    if (request.plane == LandscapePlane::Pca) {
      std::vector<const analysis::ParamVector*> pointers;
      for (const auto& v : snapshots) pointers.push_back(&v);
      const analysis::PcaPlane pca = analysis::pcaPlane(pointers, current);
      plane = pca.plane;
      out.explained[0] = pca.explained[0], out.explained[1] = pca.explained[1];
      out.path = analysis::project(plane, snapshots);
      spec = analysis::gridAround({out.path, {analysis::PlanePoint{}}}, kPcaMargin, request.gridPoints);
    } else if (request.plane == LandscapePlane::Random) {
      plane = {current, analysis::filterNormalizedDirection(net, current, 2 * uint64_t(request.seed) + 1),
               analysis::filterNormalizedDirection(net, current, 2 * uint64_t(request.seed) + 2)};
      if (!snapshots.empty()) out.path = analysis::project(plane, snapshots);
    }

    landscape.setCenter(current);
    landscape.setDirections(plane.first, plane.second);
    const std::array<double, 2> origin{0, 0};
    const auto centre = landscape.evaluate({&origin, 1}, control, &out.cancelled);
    if (out.cancelled) return out;
    out.centre = centre.at(0);
    before += 1;
    out.grid = landscape.grid(spec, control);
    if ((out.cancelled = out.grid.cancelled)) return out;
    before += gridPoints;
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

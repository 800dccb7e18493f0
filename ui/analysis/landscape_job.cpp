#include "analysis/landscape_job.h"

#include "analysis/analysis_network.h"
#include "analysis/optimizer_race.h"
#include "persist/run_setup.h"

#include <algorithm>
#include <chrono>
#include <stdexcept>

namespace gradlab::ui {
namespace {

constexpr uint32_t kEvalBatch = 256;     // samples per forward pass of the landscape
constexpr double kPcaMargin = 0.15;      // the PCA grid frames the path with this much room per side
constexpr uint32_t kRaceSnapshots = 26;  // weights kept per optimizer of a race, the start included
// Points kept per run of a set, ends included: four runs of 64 probes of a 270k-parameter MLP
// would otherwise hold 280 MB of flattened copies for a path that 33 points draw as well.
constexpr size_t kMaxSetPathPoints = 33;

// Where the landscape is computed: the plane, the grid over it, and the grid's centre.
struct PlaneSetup {
  analysis::ParamVector centre;
  analysis::Plane plane;
  analysis::GridSpec spec;
};

// Parameter names and sizes: runs whose weights have the same are points of one space.
std::map<std::string, size_t> layoutOf(const ParameterMap& params) {
  std::map<std::string, size_t> layout;
  for (const auto& [name, values] : params) layout[name] = values.size();
  return layout;
}

// A run's weights along the way, oldest first: its initial weights, its probes, its current
// weights, each once; at most kMaxSetPathPoints of them, evenly spaced, the ends kept.
std::vector<const ParameterMap*> snapshotsOf(const RunAnalysis& run) {
  std::vector<const ParameterMap*> all;
  if (!run.initial.empty() && (run.trajectory.empty() || run.trajectory.front() != run.initial))
    all.push_back(&run.initial);
  for (const auto& t : run.trajectory) all.push_back(&t);
  if (!run.current.empty() && (all.empty() || *all.back() != run.current)) all.push_back(&run.current);
  if (all.size() <= kMaxSetPathPoints) return all;
  std::vector<const ParameterMap*> kept;
  for (size_t k = 0; k < kMaxSetPathPoints; ++k) kept.push_back(all[k * (all.size() - 1) / (kMaxSetPathPoints - 1)]);
  return kept;
}

// The run the set's plane is built for: the first visible one.
const RunAnalysis& referenceRun(const AnalysisSource& s) {
  for (const auto& run : s.runs)
    if (run.style.visible) return run;
  throw std::invalid_argument("Every run of the set is hidden: show one in the run list.");
}

// Every optimizer from the seed's initial weights on the run's batches; the plane through that
// common start that fits all the paths (analysis::runSetPlane).
bool placeRace(gpu::Context& context, const LandscapeRequest& request, const analysis::RunControl& control,
               LandscapeResult& out, PlaneSetup& setup) {
  const AnalysisSource& s = *request.source;
  const analysis::Race result = analysis::raceOptimizers(context, s.graph, *s.train, raceOptions(s), request.racers,
                                                         {request.raceSteps, kRaceSnapshots}, control);
  if ((out.cancelled = result.cancelled)) return false;
  std::vector<std::vector<analysis::ParamVector>> paths;
  for (const auto& run : result.runs) paths.push_back(run.path);
  const analysis::RunsInPlane inPlane = analysis::runSetPlane(paths);
  setup = {inPlane.pca.plane.origin, inPlane.pca.plane,
           analysis::gridAround(inPlane.paths, kPcaMargin, request.gridPoints)};
  out.explained[0] = inPlane.pca.explained[0], out.explained[1] = inPlane.pca.explained[1];
  for (size_t r = 0; r < result.runs.size(); ++r) {
    const analysis::RaceRun& run = result.runs[r];
    RunStyle style = defaultRunStyle(uint32_t(r));
    style.label = QString::fromStdString(run.title);
    style.description.clear();
    out.race.push_back({run.title, style, inPlane.paths[r], run.steps.back(), run.losses,
                        run.losses.empty() ? 0 : run.losses.back(),
                        run.nonFinite ? run.nonFinite->message : std::string()});
  }
  return true;
}

// The visible runs of the set whose weights are points of the reference run's space, each
// path from its initial weights through its probes to its current weights, on the plane through
// their common start that fits them all. The others are named in out.offPlane.
void placeRunSet(const nn::Network& net, const LandscapeRequest& request, LandscapeResult& out, PlaneSetup& setup) {
  const AnalysisSource& s = *request.source;
  const RunAnalysis& reference = referenceRun(s);
  const auto referenceSnapshots = snapshotsOf(reference);
  if (referenceSnapshots.size() < 2)
    throw std::invalid_argument("Run " + reference.style.label.toStdString() +
                                " has no path yet: train with probes on until two probes have copied its weights.");
  const auto layout = layoutOf(*referenceSnapshots.front());
  std::vector<std::vector<analysis::ParamVector>> paths;
  std::vector<const RunAnalysis*> placed;
  for (const auto& run : s.runs) {
    if (!run.style.visible) continue;
    const auto snapshots = snapshotsOf(run);
    if (snapshots.size() < 2) {
      out.offPlane.push_back({run.style, "no path yet (fewer than two probes)"});
      continue;
    }
    if (layoutOf(*snapshots.front()) != layout) {
      out.offPlane.push_back({run.style, "different network"});
      continue;
    }
    std::vector<analysis::ParamVector> path;
    for (const ParameterMap* p : snapshots) path.push_back(flatten(net, *p));
    paths.push_back(std::move(path));
    placed.push_back(&run);
  }
  const analysis::RunsInPlane inPlane = analysis::runSetPlane(paths);
  setup = {inPlane.pca.plane.origin, inPlane.pca.plane,
           analysis::gridAround(inPlane.paths, kPcaMargin, request.gridPoints)};
  out.explained[0] = inPlane.pca.explained[0], out.explained[1] = inPlane.pca.explained[1];
  for (size_t r = 0; r < placed.size(); ++r) {
    const RunAnalysis& run = *placed[r];
    out.sharedStart = out.sharedStart && paths[r].front() == paths[0].front();
    out.race.push_back({run.style.legend().toStdString(), run.style, inPlane.paths[r], run.step, {}, 0, {}});
  }
  if (std::any_of(placed.begin(), placed.end(),
                  [&](const RunAnalysis* run) { return run->normalization != reference.normalization; }))
    out.note += "The loss is taken with run " + reference.style.label.toStdString() +
                "'s input normalisation; some runs normalise differently.";
}

// The plane through the current weights: random filter-normalised directions or the PCA plane
// of the trajectory, with the trajectory projected onto it.
void placeAroundCurrent(const nn::Network& net, const LandscapeRequest& request, LandscapeResult& out,
                        PlaneSetup& setup) {
  const AnalysisSource& s = *request.source;
  setup.centre = flatten(net, s.current);
  setup.spec = analysis::GridSpec::square(request.range, request.gridPoints);
  std::vector<analysis::ParamVector> snapshots;
  for (const auto& t : s.trajectory) snapshots.push_back(flatten(net, t));
  if (request.plane == LandscapePlane::Pca) {
    std::vector<const analysis::ParamVector*> pointers;
    for (const auto& v : snapshots) pointers.push_back(&v);
    const analysis::PcaPlane pca = analysis::pcaPlane(pointers, setup.centre);
    setup.plane = pca.plane;
    out.explained[0] = pca.explained[0], out.explained[1] = pca.explained[1];
    out.path = analysis::project(setup.plane, snapshots);
    setup.spec = analysis::gridAround({out.path, {analysis::PlanePoint{}}}, kPcaMargin, request.gridPoints);
  } else {
    setup.plane = {setup.centre, analysis::filterNormalizedDirection(net, setup.centre, 2 * uint64_t(request.seed) + 1),
                   analysis::filterNormalizedDirection(net, setup.centre, 2 * uint64_t(request.seed) + 2)};
    if (!snapshots.empty()) out.path = analysis::project(setup.plane, snapshots);
  }
}

// What is wrong with the request before any device work; empty when nothing is.
std::string problemWith(const LandscapeRequest& request) {
  const AnalysisSource& s = *request.source;
  switch (request.plane) {
    case LandscapePlane::Race:
      if (request.racers.empty()) return "Name at least one optimizer to race.";
      break;
    case LandscapePlane::RunSet:
      if (s.runs.empty()) return "There is no run set: add a run with Compare… first.";
      break;
    case LandscapePlane::Pca:
      if (s.trajectory.size() < 2)
        return "The PCA plane needs a trajectory of two probes or more: train longer with probes on, or choose random "
               "directions.";
      [[fallthrough]];
    case LandscapePlane::Random:
      if (s.current.empty()) return "Train a few steps first: the landscape is drawn around the current weights.";
      break;
  }
  if (!s.train || s.train->size() == 0) return "Choose a training dataset first.";
  return {};
}

}  // namespace

train::TrainingOptions raceOptions(const AnalysisSource& source) {
  train::TrainingOptions options = persist::runSetup(source.training).options;
  options.batch = std::min(source.batch, source.train->size());
  options.seed = source.seed;
  options.normalization = source.normalization;
  return options;
}

LandscapeResult computeLandscape(const LandscapeRequest& request, JobProgress& progress) {
  LandscapeResult out;
  const auto start = std::chrono::steady_clock::now();
  try {
    if (const std::string problem = problemWith(request); !problem.empty()) throw std::invalid_argument(problem);
    const AnalysisSource& s = *request.source;
    const bool race = request.plane == LandscapePlane::Race, set = request.plane == LandscapePlane::RunSet;
    const RunAnalysis* reference = set ? &referenceRun(s) : nullptr;
    const uint32_t samples = std::min(request.samples, s.train->size());
    auto context = openContext(s);
    out.device = context->device().name;
    const auto network = buildRunNetwork(*context, set ? reference->graph : s.graph,
                                         set ? reference->training : s.training, std::min(samples, kEvalBatch), s.seed);
    nn::Network& net = *network;
    out.convolution = convolutionPaths(net);
    checkData(net, s);

    analysis::RunControl control;
    control.cancel = &progress.cancel;
    size_t before = 0;  // points of the earlier stages
    control.progress = [&](size_t done, size_t) {
      progress.done = before + done;
      return true;
    };
    const size_t gridPoints = size_t(request.gridPoints) * request.gridPoints;
    const bool line = !race && !set && !s.initial.empty();
    const size_t raceSteps = race ? size_t(request.raceSteps) * request.racers.size() : 0;
    progress.total = raceSteps + 1 + gridPoints + (line ? request.linePoints : 0);

    PlaneSetup setup;
    if (race) {
      if (!placeRace(*context, request, control, out, setup)) return out;
      before = raceSteps;
    } else if (set) {
      placeRunSet(net, request, out, setup);
    } else {
      placeAroundCurrent(net, request, out, setup);
    }
    analysis::writeParameters(net, setup.centre);
    // Evaluation mode normalises with BatchNorm's running statistics: the run's, as the last probe
    // copied them. The runs of a race or a set each kept their own; the plane's points are no run's.
    const bool runStatistics = !race && !set && writeRunningStatistics(net, s.current);
    if (!net.runningStatistics().empty() && !runStatistics)
      out.note += race || set
                      ? " Evaluation uses BatchNorm's initial running statistics (mean 0, variance 1): each run "
                        "kept its own."
                      : " Evaluation uses BatchNorm's initial running statistics (mean 0, variance 1), not the run's.";
    const data::Normalization normalization = set ? reference->normalization : s.normalization;
    analysis::LossLandscape landscape(net, *s.train, data::NormalizationTable::compute(*s.train, normalization),
                                      samples);
    out.samples = landscape.samples();

    landscape.setCenter(setup.centre);
    landscape.setDirections(setup.plane.first, setup.plane.second);
    const std::array<double, 2> origin{0, 0};
    const auto centre = landscape.evaluate({&origin, 1}, control, &out.cancelled);
    if (out.cancelled) return out;
    out.centre = centre.at(0);
    before += 1;
    out.grid = landscape.grid(setup.spec, control);
    if ((out.cancelled = out.grid.cancelled)) return out;
    before += gridPoints;
    if (line) {
      out.line = landscape.line(flatten(net, s.initial), setup.centre, {0, 1, request.linePoints}, control);
      if ((out.cancelled = out.line->cancelled)) return out;
    }
    progress.done = progress.total.load();
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (!out.note.empty() && out.note.front() == ' ') out.note.erase(0, 1);
  return out;
}

}  // namespace gradlab::ui

#include "analysis/optimizer_race.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::analysis {
namespace {

std::string titleOf(const optim::OptimizerSpec& spec) {
  const optim::OptimizerDef* def = optim::findOptimizer(spec.name);
  std::string title = def ? def->title : spec.name;
  for (const auto& [key, value] : spec.values) title += " " + key + "=" + value;
  return title;
}

}  // namespace

Race raceOptimizers(gpu::Context& context, const nn::Graph& graph, const data::Dataset& train,
                    const train::TrainingOptions& options, const std::vector<optim::OptimizerSpec>& specs,
                    const RaceSettings& settings, const RunControl& control) {
  if (specs.empty()) throw std::invalid_argument("choose at least one optimizer to race");
  if (settings.snapshots < 2) throw std::invalid_argument("a race keeps at least 2 snapshots per run");
  // Every optimizer is created first, so a bad value fails before any training.
  std::vector<std::unique_ptr<optim::Optimizer>> optimizers;
  for (const auto& spec : specs) optimizers.push_back(optim::createOptimizer(context, spec.name, spec.values));

  Race race;
  const size_t total = size_t(settings.steps) * specs.size();
  // Snapshot k of n is taken after round(k * steps / (n - 1)) steps.
  std::vector<uint64_t> at;
  for (uint32_t k = 0; k < settings.snapshots; ++k)
    at.push_back(uint64_t(settings.steps) * k / (settings.snapshots - 1));
  at.erase(std::unique(at.begin(), at.end()), at.end());

  for (size_t r = 0; r < specs.size(); ++r) {
    train::TrainingSession session(context, graph, train, nullptr, options, std::move(optimizers[r]));
    RaceRun run{specs[r], titleOf(specs[r]), {}, {}, {}, {}};
    for (const uint64_t target : at) {
      while (session.step() < target && !session.nonFinite()) {
        const uint32_t chunk = uint32_t(std::min<uint64_t>(target - session.step(), 25));
        for (const auto& record : session.train(chunk)) run.losses.push_back(record.loss);
        const bool go = !control.progress || control.progress(r * settings.steps + session.step(), total);
        if (!go || (control.cancel && control.cancel->load())) {
          race.cancelled = true;
          return race;
        }
      }
      if (session.nonFinite()) break;
      run.path.push_back(readParameters(session.network()));
      run.steps.push_back(session.step());
    }
    run.nonFinite = session.nonFinite();
    if (race.initial.empty()) race.initial = run.path.front();
    race.runs.push_back(std::move(run));
  }
  if (control.progress) control.progress(total, total);
  return race;
}

}  // namespace gradlab::analysis

#include "train/run_set.h"

#include "nn/initializer.h"
#include "optim/settings.h"

#include <algorithm>
#include <set>
#include <sstream>
#include <stdexcept>

namespace gradlab::train {
namespace {

std::string numberText(double value) {
  std::ostringstream o;
  o << value;
  return o.str();
}

double learningRateOf(const RunDefinition& run) {
  if (run.optimizer.empty()) return run.options.learningRate;
  return optim::resolveSettings(run.optimizer, run.optimizerValues)["lr"];
}

std::string optimizerText(const RunDefinition& run) {
  if (run.optimizer.empty()) return "SGD";
  const optim::OptimizerDef* def = optim::findOptimizer(run.optimizer);
  std::string text = def ? def->title : run.optimizer, given;
  for (const auto& [key, value] : run.optimizerValues)
    if (key != "lr") given += (given.empty() ? "" : ", ") + key + "=" + value;
  return given.empty() ? text : text + " (" + given + ")";
}

// Layers `run` has and `base` has not, by type, with where they take their input from:
// "BatchNorm1d added after h1, h2" ("removed" lists the names instead).
std::string layersOnlyIn(const nn::Graph& run, const nn::Graph& base, bool added) {
  std::map<std::string, std::vector<std::string>> byType;
  for (const nn::Node& node : run.nodes) {
    const nn::Node* same = base.find(node.name);
    if (same && same->type == node.type) continue;
    byType[node.type].push_back(added && !node.inputs.empty() ? node.inputs.front() : node.name);
  }
  std::string text;
  for (const auto& [type, names] : byType) {
    std::string list;
    for (const auto& name : names) list += (list.empty() ? "" : ", ") + name;
    text += (text.empty() ? "" : "; ") + type + (added ? " added after " + list : " removed (" + list + ")");
  }
  return text;
}

std::string networkDifference(const RunDefinition& first, const RunDefinition& run) {
  std::string text = layersOnlyIn(run.graph, first.graph, true);
  const std::string removed = layersOnlyIn(first.graph, run.graph, false);
  if (!removed.empty()) text += (text.empty() ? "" : "; ") + removed;
  // Same layers from another file (other widths, another p): the file says what. Graphs that differ
  // only by init (withInitialisation) say so under "init".
  if (text.empty() && run.network != first.network) text = "network " + run.network;
  return text;
}

}  // namespace

nn::Graph withInitialisation(nn::Graph graph, const std::string& spec) {
  const auto values = nn::parseInitSpec(spec);
  for (auto& node : graph.nodes) {
    if (node.type != "Linear" && node.type != "Conv2d" && node.type != "ConvTranspose2d") continue;
    for (const auto& [key, value] : values) {
      auto it = std::find_if(node.params.begin(), node.params.end(), [&](const auto& p) { return p.first == key; });
      if (it != node.params.end())
        it->second = value;
      else
        node.params.push_back({key, value});
    }
  }
  return graph;
}

std::vector<std::pair<std::string, std::string>> settingsText(const RunDefinition& run) {
  const TrainingOptions& o = run.options;
  return {{"init", run.init.empty() ? "as the network file" : run.init},
          {"optimizer", optimizerText(run)},
          {"lr", numberText(learningRateOf(run))},
          {"schedule", optim::describe(o.schedule)},
          {"l1", numberText(o.regularization.l1)},
          {"l2", numberText(o.regularization.l2)},
          {"clip-norm", numberText(o.regularization.clipNorm)},
          {"clip-value", numberText(o.regularization.clipValue)},
          {"normalize", data::normalizationName(o.normalization)},
          {"augment", run.augmentation.empty() ? "none" : run.augmentation},
          {"seed", std::to_string(o.seed)},
          {"batch", std::to_string(o.batch)}};
}

std::string differenceText(const RunDefinition& first, const RunDefinition& run) {
  std::string text = networkDifference(first, run);
  const auto base = settingsText(first), mine = settingsText(run);
  for (size_t k = 0; k < mine.size(); ++k)
    if (mine[k].second != base[k].second) {
      const char* joiner = mine[k].first == "init" ? "=" : " ";
      text += (text.empty() ? "" : "; ") + mine[k].first + joiner + mine[k].second;
    }
  return text.empty() ? "same settings" : text;
}

RunSet::RunSet(gpu::Context& context, std::vector<RunDefinition> runs, const data::Dataset& train,
               const data::Dataset* validation)
    : runs_(std::move(runs)) {
  if (runs_.empty() || runs_.size() > kMaxRunsInSet)
    throw std::invalid_argument("a run set has 1 to " + std::to_string(kMaxRunsInSet) + " runs, not " +
                                std::to_string(runs_.size()));
  std::set<std::string> labels;
  for (const RunDefinition& run : runs_) {
    if (!labels.insert(run.label).second) throw std::invalid_argument("two runs are named " + run.label + ": name each once");
    largestBatch_ = std::max(largestBatch_, run.options.batch);
  }
  for (const RunDefinition& run : runs_)
    if (largestBatch_ % run.options.batch != 0)
      throw std::invalid_argument("run " + run.label + " has batch " + std::to_string(run.options.batch) +
                                  ", which does not divide the largest, " + std::to_string(largestBatch_) +
                                  ": runs advance by samples seen, so use batches such as 16, 32 and 64");
  std::vector<std::unique_ptr<optim::Optimizer>> optimizers;
  for (const RunDefinition& run : runs_)
    optimizers.push_back(run.optimizer.empty() ? nullptr
                                               : optim::createOptimizer(context, run.optimizer, run.optimizerValues));
  for (size_t r = 0; r < runs_.size(); ++r) {
    const RunDefinition& run = runs_[r];
    try {
      sessions_.push_back(std::make_unique<TrainingSession>(context, run.graph, train, validation, run.options,
                                                            std::move(optimizers[r])));
    } catch (const std::invalid_argument& e) {  // a variant that does not fit the data: say which run
      throw std::invalid_argument("run " + run.label + ": " + e.what());
    }
    legends_.push_back(run.label + ": " + (r == 0 ? std::string("base") : differenceText(runs_.front(), run)));
    if (run.options.batch == largestBatch_) ticksPerEpoch_ = sessions_.back()->stepsPerEpoch();
    if (stepsPerTick(r) > sessions_.back()->maxStepsPerSubmit())
      throw std::invalid_argument("run " + run.label + " would take " + std::to_string(stepsPerTick(r)) +
                                  " steps per tick, more than one submission holds: use batches closer together");
  }
}

bool RunSet::allStopped() const {
  return std::all_of(sessions_.begin(), sessions_.end(), [](const auto& s) { return s->nonFinite().has_value(); });
}

std::vector<std::vector<StepRecord>> RunSet::train(uint32_t ticks) {
  std::vector<std::vector<StepRecord>> records(sessions_.size());
  while (ticks > 0 && !allStopped()) {
    // At least 1: a session's batch fits its data, so a tick's steps never pass its epoch.
    uint32_t chunk = ticks;
    for (size_t r = 0; r < sessions_.size(); ++r)
      chunk = std::min(chunk, std::max(sessions_[r]->maxStepsPerSubmit() / stepsPerTick(r), 1u));
    // Every run's steps queued before any is waited for: the device works through them together.
    for (size_t r = 0; r < sessions_.size(); ++r) sessions_[r]->submit(chunk * stepsPerTick(r));
    for (size_t r = 0; r < sessions_.size(); ++r) {
      auto part = sessions_[r]->collect();
      records[r].insert(records[r].end(), part.begin(), part.end());
    }
    tick_ += chunk;
    ticks -= chunk;
  }
  return records;
}

}  // namespace gradlab::train

#include "train/run_set.h"

#include "nn/initializer.h"
#include "optim/settings.h"
#include "util/number_text.h"

#include <algorithm>
#include <cstdint>
#include <set>
#include <stdexcept>

namespace gradlab::train {
namespace {

using util::numberText;

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

uint32_t Lockstep::checkBatches(const std::vector<uint32_t>& batches, const std::vector<std::string>& labels) {
  if (batches.empty() || batches.size() > kMaxRunsInSet)
    throw std::invalid_argument("a run set has 1 to " + std::to_string(kMaxRunsInSet) + " runs, not " +
                                std::to_string(batches.size()));
  const uint32_t largest = *std::max_element(batches.begin(), batches.end());
  for (size_t r = 0; r < batches.size(); ++r)
    if (batches[r] == 0 || largest % batches[r] != 0)
      throw std::invalid_argument("run " + labels.at(r) + " has batch " + std::to_string(batches[r]) +
                                  ", which does not divide the largest, " + std::to_string(largest) +
                                  ": runs advance by samples seen, so use batches such as 16, 32 and 64");
  return largest;
}

Lockstep::Lockstep(std::vector<std::unique_ptr<TrainingSession>> sessions, const std::vector<std::string>& labels)
    : sessions_(std::move(sessions)) {
  std::vector<uint32_t> batches;
  for (const auto& s : sessions_) batches.push_back(s->options().batch);
  largestBatch_ = checkBatches(batches, labels);
  for (size_t r = 0; r < sessions_.size(); ++r) {
    if (batches[r] == largestBatch_) ticksPerEpoch_ = sessions_[r]->stepsPerEpoch();
    if (stepsPerTick(r) > sessions_[r]->maxStepsPerSubmit())
      throw std::invalid_argument("run " + labels.at(r) + " would take " + std::to_string(stepsPerTick(r)) +
                                  " steps per tick, more than one submission holds: use batches closer together");
    tick_ = std::max<uint64_t>(tick_, sessions_[r]->step() / stepsPerTick(r));
  }
}

bool Lockstep::allStopped() const {
  return std::all_of(sessions_.begin(), sessions_.end(), [](const auto& s) { return s->nonFinite().has_value(); });
}

uint32_t Lockstep::maxTicksPerSubmit() const {
  // At least 1: a session's batch fits its data, so a tick's steps never pass its epoch.
  uint32_t ticks = UINT32_MAX;
  for (size_t r = 0; r < sessions_.size(); ++r)
    ticks = std::min(ticks, std::max(sessions_[r]->maxStepsPerSubmit() / stepsPerTick(r), 1u));
  return ticks;
}

std::vector<std::vector<StepRecord>> Lockstep::train(uint32_t ticks) {
  std::vector<std::vector<StepRecord>> records(sessions_.size());
  while (ticks > 0 && !allStopped()) {
    const uint32_t chunk = std::min(ticks, maxTicksPerSubmit());
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

std::vector<std::shared_ptr<const ProbeReport>> Lockstep::probeTick(std::vector<std::vector<StepRecord>>& records) {
  records.resize(sessions_.size());
  // The steps before the probed one, for runs with a smaller batch, go together as in train().
  for (size_t r = 0; r < sessions_.size(); ++r) sessions_[r]->submit(stepsPerTick(r) - 1);
  for (size_t r = 0; r < sessions_.size(); ++r) {
    auto part = sessions_[r]->collect();
    records[r].insert(records[r].end(), part.begin(), part.end());
  }
  std::vector<std::shared_ptr<const ProbeReport>> reports(sessions_.size());
  for (size_t r = 0; r < sessions_.size(); ++r)
    if (!stopped(r)) reports[r] = std::make_shared<ProbeReport>(sessions_[r]->probeStep(&records[r]));
  ++tick_;
  return reports;
}

void Lockstep::reset(const std::vector<uint32_t>& seeds) {
  for (size_t r = 0; r < sessions_.size(); ++r) sessions_[r]->reset(seeds.at(r));
  tick_ = 0;
}

RunSet::RunSet(gpu::Context& context, std::vector<RunDefinition> runs, const data::Dataset& train,
               const data::Dataset* validation)
    : runs_(std::move(runs)) {
  std::set<std::string> labels;
  std::vector<std::string> names;
  std::vector<uint32_t> batches;
  for (const RunDefinition& run : runs_) {
    if (!labels.insert(run.label).second)
      throw std::invalid_argument("two runs are named " + run.label + ": name each once");
    names.push_back(run.label);
    batches.push_back(run.options.batch);
  }
  Lockstep::checkBatches(batches, names);
  std::vector<std::unique_ptr<optim::Optimizer>> optimizers;
  for (const RunDefinition& run : runs_)
    optimizers.push_back(run.optimizer.empty() ? nullptr
                                               : optim::createOptimizer(context, run.optimizer, run.optimizerValues));
  std::vector<std::unique_ptr<TrainingSession>> sessions;
  for (size_t r = 0; r < runs_.size(); ++r) {
    const RunDefinition& run = runs_[r];
    try {
      sessions.push_back(std::make_unique<TrainingSession>(context, run.graph, train, validation, run.options,
                                                           std::move(optimizers[r])));
    } catch (const std::invalid_argument& e) {  // a variant that does not fit the data: say which run
      throw std::invalid_argument("run " + run.label + ": " + e.what());
    }
    legends_.push_back(run.label + ": " + (r == 0 ? std::string("base") : differenceText(runs_.front(), run)));
  }
  lockstep_ = std::make_unique<Lockstep>(std::move(sessions), names);
}

}  // namespace gradlab::train

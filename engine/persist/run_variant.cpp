#include "persist/run_variant.h"

#include "data/device_dataset.h"
#include "nn/conv_algorithm.h"
#include "nn/network_text.h"
#include "optim/optimizer_spec.h"
#include "optim/schedule.h"
#include "persist/run_setup.h"
#include "train/run_set.h"
#include "train/transfer.h"
#include "util/checked_values.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::persist {

static_assert(kMaxComparisons + 1 == train::kMaxRunsInSet,
              "a saved comparison holds the runs a set trains: the experiment and its comparisons");

namespace {

// Inside a --run value ';' separates the value's own keys, as ',' does on the command line.
std::string listText(std::string value) {
  std::replace(value.begin(), value.end(), ';', ',');
  return value;
}

std::string firstLine(const std::string& text) { return text.substr(0, text.find('\n')); }

// The network text `run` trains, before its init change.
std::string variantNetwork(const Experiment& base, const RunVariant& run) {
  if (!run.network.empty()) return run.network;
  const auto file = run.changes.find("network");
  if (file == run.changes.end()) return base.network;
  try {
    return nn::printNetwork(nn::loadNetworkFile(file->second));
  } catch (const std::exception& e) {
    throw std::invalid_argument("network: " + firstLine(e.what()));
  }
}

nn::Graph checkedGraph(const std::string& text) {
  const nn::ParsedNetwork parsed = nn::parseNetwork(text);
  if (!parsed.ok()) throw std::invalid_argument("network: " + parsed.errors.front().text());
  const nn::GraphAnalysis analysis = nn::analyze(parsed.graph);
  if (!analysis.ok()) throw std::invalid_argument("network: " + firstLine(analysis.errorText()));
  return parsed.graph;
}

Experiment applied(const Experiment& base, const RunVariant& run) {
  Experiment out;
  out.title = base.title + " (" + run.label + (run.name.empty() ? "" : ": " + run.name) + ")";
  out.layout = base.layout;
  out.training = base.training;
  for (const auto& [key, value] : run.changes)
    if (std::find(variantKeys().begin(), variantKeys().end(), key) == variantKeys().end())
      throw std::invalid_argument("'" + util::printable(key, 40) + "' is not a setting a run changes; use " +
                                  util::joinedNames(variantKeys()));
  // The optimizer first: it replaces the base's values, and the lr change goes into them.
  const auto optimizer = run.changes.find("optimizer");
  if (optimizer != run.changes.end()) applySetting(out.training, "optimizer", optimizer->second);
  const auto lr = run.changes.find("lr");
  if (lr != run.changes.end() && optimizer != run.changes.end() && out.training.optimizerValues.count("lr"))
    throw std::invalid_argument("--lr " + util::printable(lr->second, 40) + " and --optimizer " +
                                util::printable(optimizer->second, 80) + " both set the learning rate: give it once");
  for (const auto& [key, value] : run.changes)
    if (key != "optimizer" && key != "init" && key != "network") applySetting(out.training, key, value);
  runSetup(out.training);

  const std::string network = variantNetwork(base, run);
  nn::Graph graph = checkedGraph(network);
  train::checkLayerTraining(runSetup(out.training).options.layers, graph);
  const auto init = run.changes.find("init");
  if (init != run.changes.end()) {
    graph = util::readNamed("--init", [&] { return train::withInitialisation(graph, init->second); });
    out.network = nn::printNetwork(checkedGraph(nn::printNetwork(graph)));
  } else {
    out.network = network;
  }
  out.trainingHistory = run.trainingHistory;
  out.validationHistory = run.validationHistory;
  out.weights = run.weights;
  out.progress = run.progress;
  return out;
}

}  // namespace

train::RunDefinition runDefinition(const Experiment& e, const std::string& init) {
  const RunSetup setup = runSetup(e.training);
  train::RunDefinition run;
  run.graph = checkedGraph(e.network);
  run.init = init;
  run.options = setup.options;
  run.optimizer = setup.optimizer;
  run.optimizerValues = setup.optimizerValues;
  for (const auto& [key, value] : e.training.augmentation)
    run.augmentation += (run.augmentation.empty() ? "" : ",") + key + (value.empty() ? "" : "=" + value);
  return run;
}

const std::vector<std::string>& variantKeys() {
  static const std::vector<std::string> keys = {"lr",         "optimizer", "schedule", "l1",        "l2",   "clip-norm",
                                                "clip-value", "seed",      "augment",  "normalize", "conv", "batch",
                                                "init",       "network",   "freeze",   "lr-mult"};
  return keys;
}

void applySetting(TrainingSettings& s, const std::string& key, const std::string& value) {
  namespace ranges = util::ranges;
  if (key == "lr") {
    util::parseNumber("--lr", value, ranges::kLearningRate);
    s.optimizerValues["lr"] = value;
  } else if (key == "optimizer") {
    const optim::OptimizerSpec spec =
        util::readNamed("--optimizer", [&] { return optim::parseOptimizerSpec(listText(value)); });
    s.optimizer = spec.name;
    s.optimizerValues = spec.values;
  } else if (key == "schedule") {
    const optim::ScheduleSpec spec =
        util::readNamed("--schedule", [&] { return optim::parseScheduleSpec(listText(value)); });
    s.schedule = spec.name;
    s.scheduleValues = spec.values;
  } else if (key == "l1" || key == "l2") {
    (key == "l1" ? s.l1 : s.l2) = util::parseNumber("--" + key, value, ranges::kPenalty);
  } else if (key == "clip-norm" || key == "clip-value") {
    (key == "clip-norm" ? s.clipNorm : s.clipValue) = util::parseNumber("--" + key, value, ranges::kClip);
  } else if (key == "seed") {
    s.seed = uint32_t(util::parseInteger("--seed", value, ranges::kSeed));
  } else if (key == "batch") {
    s.batch = uint32_t(util::parseInteger("--batch", value, ranges::kBatch));
  } else if (key == "augment") {
    s.augmentation.clear();
    for (const util::KeyValue& item : util::parseKeyValues(
             listText(value), "--augment", {"flip", "crop", "rotate", "brightness", "contrast"}, {"flip"}))
      s.augmentation[item.key] = item.value;
  } else if (key == "normalize") {
    util::readNamed("--normalize", [&] { return data::parseNormalization(value); });
    s.normalization = value;
  } else if (key == "conv") {
    util::readNamed("--conv", [&] { return nn::parseConvAlgorithm(value); });
    s.convolution = value;
  } else if (key == "freeze") {  // empty: every layer trains
    s.frozenLayers = value.empty() ? std::vector<std::string>{} : train::parseLayerList(listText(value), "--freeze");
  } else if (key == "lr-mult") {
    s.lrMultipliers.clear();
    for (const util::KeyValue& item : util::parseKeyValues(listText(value), "--lr-mult")) {
      util::parseNumber("--lr-mult " + item.key, item.value, train::kLrMultiplier);
      s.lrMultipliers[item.key] = item.value;
    }
  } else {
    throw std::invalid_argument("'" + util::printable(key, 40) + "' is not a training setting; use " +
                                util::joinedNames(variantKeys()));
  }
}

Experiment variantExperiment(const Experiment& base, const RunVariant& run) {
  try {
    return applied(base, run);
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument("run " + util::printable(run.label, 32) + ": " + e.what());
  }
}

std::string variantDescription(const Experiment& base, const RunVariant& run) {
  const Experiment variant = variantExperiment(base, run);
  const auto init = run.changes.find("init");
  const train::RunDefinition first = runDefinition(base, ""),
                             mine = runDefinition(variant, init == run.changes.end() ? "" : init->second);
  std::vector<std::string> parts;
  const auto network = run.changes.find("network");
  if (network != run.changes.end()) {
    parts.push_back(network->second);
  } else if (!run.network.empty()) {  // the layers that differ, as the run set's legend says them
    train::RunDefinition sameSettings = first;
    sameSettings.graph = checkedGraph(variantNetwork(base, run));
    const std::string layers = train::differenceText(first, sameSettings);
    if (layers != "same settings") parts.push_back(layers);
  }
  for (const char* key : {"freeze", "lr-mult"})  // layer settings, which the run set's summary leaves out
    if (const auto it = run.changes.find(key); it != run.changes.end())
      parts.push_back(std::string(key) + (it->second.empty() ? " none" : " " + util::printable(it->second, 80)));
  const auto was = train::settingsText(first), now = train::settingsText(mine);
  for (size_t k = 0; k < now.size(); ++k) {
    if (now[k].second == was[k].second) continue;
    if (now[k].first == "init")
      parts.push_back("init=" + now[k].second);
    else
      parts.push_back(now[k].first + " " + now[k].second + " instead of " + was[k].second);
  }
  std::string text;
  for (const std::string& part : parts) text += (text.empty() ? "" : "; ") + part;
  return text.empty() ? "same settings" : text;
}

}  // namespace gradlab::persist

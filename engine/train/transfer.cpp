#include "train/transfer.h"

#include "ops/elementwise.h"
#include "util/printable.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::train {
namespace {

// The graph's layers that have parameters, in the graph's order.
std::vector<std::string> layersWithParameters(const nn::Graph& graph) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  std::vector<std::string> names;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (i < analysis.nodes.size() && !analysis.nodes[i].shape.params.empty()) names.push_back(graph.nodes[i].name);
  return names;
}

void requireLayer(const std::string& name, const std::vector<std::string>& layers, const char* option) {
  if (std::find(layers.begin(), layers.end(), name) != layers.end()) return;
  throw std::invalid_argument(std::string(option) + ": no layer '" + util::printable(name, 40) +
                              "' with parameters; this network's are " +
                              util::printable(util::joinedNames(layers), 300));
}

// `option` (when given) leads the message, as util's parsers do.
[[noreturn]] void refuse(std::string_view option, const std::string& why) {
  throw std::invalid_argument(option.empty() ? why : std::string(option) + ": " + why);
}

}  // namespace

std::vector<std::string> parseLayerList(std::string_view text, std::string_view option) {
  std::vector<std::string> names;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t comma = std::min(text.find(',', start), text.size());
    std::string_view name = text.substr(start, comma - start);
    start = comma + 1;
    while (!name.empty() && name.front() == ' ') name.remove_prefix(1);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (!nn::isIdentifier(std::string(name)))
      refuse(option, "'" + util::printable(name, 40) + "' is not a layer name; give names separated by commas: c1,c3");
    if (std::find(names.begin(), names.end(), name) != names.end())
      refuse(option, "'" + std::string(name) + "' is given twice");
    names.emplace_back(name);
  }
  return names;
}

void requireLayersWithParameters(const std::vector<std::string>& names, const nn::Graph& graph,
                                 std::string_view option) {
  const std::vector<std::string> named = layersWithParameters(graph);
  for (const std::string& name : names) requireLayer(name, named, std::string(option).c_str());
}

void checkLayerTraining(const LayerTraining& layers, const nn::Graph& graph) {
  const std::vector<std::string> named = layersWithParameters(graph);
  for (const std::string& name : layers.frozen) requireLayer(name, named, "--freeze");
  for (const auto& [name, factor] : layers.lrMultipliers) {
    requireLayer(name, named, "--lr-mult");
    util::checkNumber("--lr-mult " + name, factor, kLrMultiplier);
    if (std::find(layers.frozen.begin(), layers.frozen.end(), name) != layers.frozen.end())
      throw std::invalid_argument("--lr-mult: " + name + " is frozen (--freeze): give it a multiplier or freeze it");
  }
}

LayerTrainingPlan::LayerTrainingPlan(nn::Network& net, const LayerTraining& layers)
    : net_(net), frozen_(net.parameters().size(), false), factor_(net.parameters().size(), 1.0f) {
  checkLayerTraining(layers, net.graph());
  const auto& params = net.parameters();
  const uint64_t align = std::max<uint64_t>(net.context().device().minStorageBufferOffsetAlignment, 16);
  uint64_t bytes = 0;
  for (size_t k = 0; k < params.size(); ++k) {
    const std::string& layer = net.graph().nodes[params[k].node].name;
    frozen_[k] = std::find(layers.frozen.begin(), layers.frozen.end(), layer) != layers.frozen.end();
    const auto factor = layers.lrMultipliers.find(layer);
    if (factor == layers.lrMultipliers.end() || factor->second == 1.0) continue;
    factor_[k] = float(factor->second);
    scaled_.push_back({k, {}});
    bytes = (bytes + align - 1) / align * align + uint64_t(params[k].count()) * 4;
  }
  if (scaled_.empty()) return;
  kept_ = std::make_unique<gpu::Buffer>(net.context(), bytes);
  uint64_t offset = 0;
  for (Scaled& s : scaled_) {
    offset = (offset + align - 1) / align * align;
    s.kept = gpu::BufferRange(*kept_, offset, uint64_t(params[s.param].count()) * 4);
    offset += s.kept.bytes;
  }
}

std::vector<optim::ParamRef> LayerTrainingPlan::trained(const std::vector<optim::ParamRef>& refs) const {
  std::vector<optim::ParamRef> kept;
  for (size_t k = 0; k < refs.size(); ++k)
    if (!frozen_.at(k)) kept.push_back(refs[k]);
  return kept;
}

void LayerTrainingPlan::recordBeforeUpdate(gpu::Recording& rec) const {
  for (const Scaled& s : scaled_) rec.copy(net_.parameters()[s.param].value, s.kept);
}

// p <- kept + m (p - kept): the step, then kept moved by m times it, then copied back (no kernel
// reads and writes one buffer range).
void LayerTrainingPlan::recordAfterUpdate(gpu::Recording& rec) const {
  for (const Scaled& s : scaled_) {
    const nn::Parameter& p = net_.parameters()[s.param];
    ops::axpy(rec, -1.0f, s.kept, p.value, p.count());
    ops::axpy(rec, factor_[s.param], p.value, s.kept, p.count());
    rec.copy(s.kept, p.value);
  }
}

}  // namespace gradlab::train

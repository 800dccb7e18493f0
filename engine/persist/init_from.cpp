#include "persist/init_from.h"

#include "util/checked_values.h"
#include "util/printable.h"

namespace gradlab::persist {
namespace {

std::string shapeText(const std::vector<uint32_t>& dims) { return nn::Shape(dims).text(); }

// Why `saved` cannot initialise `name` of shape `dims` ("" : it can). Running statistics are saved
// flat, so only their element count must agree.
std::string mismatch(const std::string& name, const std::vector<uint32_t>& dims, bool flat,
                     const std::map<std::string, Tensor>& weights) {
  const auto saved = weights.find(name);
  const std::string tensor = name.substr(name.find('.') + 1);
  if (saved == weights.end()) return "no " + tensor + " in the file";
  const uint64_t count = nn::Shape(dims).elements();
  const bool fits = flat ? saved->second.values.size() == count && nn::Shape(saved->second.shape).elements() == count
                         : saved->second.shape == dims && saved->second.values.size() == count;
  if (fits) return "";
  return tensor + " " + shapeText(saved->second.shape) + " there, " + shapeText(dims) + " here";
}

}  // namespace

InitFrom matchWeights(const nn::Graph& graph, const std::map<std::string, Tensor>& weights) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  InitFrom out;
  for (size_t i = 0; i < graph.nodes.size() && i < analysis.nodes.size(); ++i) {
    const nn::LayerShape& shape = analysis.nodes[i].shape;
    if (shape.params.empty() && shape.buffers.empty()) continue;
    const std::string& layer = graph.nodes[i].name;
    std::vector<std::pair<std::string, bool>> tensors;  // name, saved flat
    for (const auto& p : shape.params) tensors.push_back({layer + "." + p.name, false});
    for (const auto& b : shape.buffers) tensors.push_back({layer + "." + b.name, true});
    std::string why;
    for (size_t t = 0; t < tensors.size() && why.empty(); ++t) {
      const auto& dims =
          t < shape.params.size() ? shape.params[t].shape.dims : shape.buffers[t - shape.params.size()].shape.dims;
      why = mismatch(tensors[t].first, dims, tensors[t].second, weights);
    }
    if (!why.empty()) {
      out.kept.push_back({layer, why});
      continue;
    }
    out.copied.push_back(layer);
    for (const auto& [name, flat] : tensors) out.values[name] = weights.at(name).values;
  }
  return out;
}

std::string InitFrom::summary(const std::string& source) const {
  std::string line = copied.empty() ? "Copied no layer from " + util::printable(source, 200)
                                    : "Copied " + util::joinedNames(copied) + " from " + util::printable(source, 200);
  std::string why;
  for (const auto& [layer, reason] : kept) why += (why.empty() ? "" : "; ") + layer + " (" + reason + ")";
  if (!why.empty()) line += "; kept the initialisation of " + util::printable(why, 600);
  return line;
}

}  // namespace gradlab::persist

#include "nn/graph_variants.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <stdexcept>

namespace gradlab::nn {
namespace {

// The nodes that read `name`'s output, by index.
std::vector<size_t> consumers(const Graph& graph, const std::string& name) {
  std::vector<size_t> out;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (std::find(graph.nodes[i].inputs.begin(), graph.nodes[i].inputs.end(), name) != graph.nodes[i].inputs.end())
      out.push_back(i);
  return out;
}

// Whether a Linear is reachable downstream of node `from` (itself excluded).
bool feedsLinear(const Graph& graph, size_t from) {
  std::vector<size_t> todo = consumers(graph, graph.nodes[from].name);
  std::set<size_t> seen;
  while (!todo.empty()) {
    const size_t i = todo.back();
    todo.pop_back();
    if (!seen.insert(i).second) continue;
    if (graph.nodes[i].type == "Linear") return true;
    for (size_t next : consumers(graph, graph.nodes[i].name)) todo.push_back(next);
  }
  return false;
}

bool isPlace(const Graph& graph, size_t i, LayerInsertion::After after) {
  const Node& node = graph.nodes[i];
  if (after == LayerInsertion::After::EveryLinearButLast) return node.type == "Linear" && feedsLinear(graph, i);
  const LayerDef* def = findLayer(node.type);
  return def && def->category == "Activation";
}

// "bn" for the batch norms, "drop" for Dropout, else the type in lower case.
std::string nameStem(const std::string& type) {
  if (type.rfind("BatchNorm", 0) == 0) return "bn";
  if (type == "Dropout") return "drop";
  std::string stem;
  for (char c : type) stem += char(std::tolower(static_cast<unsigned char>(c)));
  return stem;
}

bool taken(const Graph& graph, const std::string& name) {
  if (graph.find(name)) return true;
  return std::any_of(graph.inputs.begin(), graph.inputs.end(), [&](const GraphInput& in) { return in.name == name; });
}

void requireValid(const Graph& graph, const std::string& what) {
  const GraphAnalysis analysis = analyze(graph);
  if (analysis.ok()) return;
  std::string first = analysis.errorText();
  first = first.substr(0, first.find('\n'));
  throw std::invalid_argument(what + " gives a network that does not check: " + first);
}

// Every reference to `from` in the nodes other than `except` becomes `to`.
void rewire(Graph& graph, const std::string& from, const std::string& to, const std::string& except) {
  for (Node& node : graph.nodes)
    if (node.name != except) std::replace(node.inputs.begin(), node.inputs.end(), from, to);
}

}  // namespace

Graph insertLayers(const Graph& graph, const LayerInsertion& insertion) {
  if (!findLayer(insertion.type)) throw std::invalid_argument("'" + insertion.type + "' is not a layer type");
  std::vector<std::string> places;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (isPlace(graph, i, insertion.after)) places.push_back(graph.nodes[i].name);
  if (places.empty())
    throw std::invalid_argument(describe(insertion) + ": the network has no such layer to insert after");
  Graph out = graph;
  const std::string stem = nameStem(insertion.type);
  int number = 0;
  for (const std::string& place : places) {
    std::string name;
    do name = stem + std::to_string(++number);
    while (taken(out, name));
    rewire(out, place, name, name);
    const auto at = std::find_if(out.nodes.begin(), out.nodes.end(), [&](const Node& n) { return n.name == place; });
    Node node;
    node.name = name;
    node.type = insertion.type;
    node.inputs = {place};
    node.params = insertion.params;
    out.nodes.insert(at + 1, node);
  }
  requireValid(out, describe(insertion));
  return out;
}

Graph removeLayers(const Graph& graph, const std::string& type) {
  Graph out = graph;
  bool found = false;
  for (size_t i = 0; i < out.nodes.size();) {
    if (out.nodes[i].type != type) {
      ++i;
      continue;
    }
    const Node node = out.nodes[i];
    if (node.inputs.size() != 1)
      throw std::invalid_argument(describeRemoval(type) + ": " + node.name + " has " +
                                  std::to_string(node.inputs.size()) + " inputs, so nothing takes its place");
    out.nodes.erase(out.nodes.begin() + long(i));
    rewire(out, node.name, node.inputs.front(), "");
    found = true;
  }
  if (!found) throw std::invalid_argument(describeRemoval(type) + ": the network has no " + type + " layer");
  requireValid(out, describeRemoval(type));
  return out;
}

std::string describe(const LayerInsertion& insertion) {
  std::string params;
  for (const auto& [key, value] : insertion.params) params += (params.empty() ? "" : ", ") + key + "=" + value;
  const std::string layer = params.empty() ? insertion.type : insertion.type + "(" + params + ")";
  return layer + (insertion.after == LayerInsertion::After::EveryLinearButLast ? " after every Linear but the last"
                                                                               : " after every activation");
}

std::string describeRemoval(const std::string& type) { return "without " + type; }

}  // namespace gradlab::nn

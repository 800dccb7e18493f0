#include "editor/graph_edits.h"

#include "nn/network_text.h"

#include <algorithm>
#include <cctype>
#include <sstream>

namespace gradlab::ui {

bool hasName(const nn::Graph& graph, const std::string& name) {
  return isGraphInput(graph, name) || graph.find(name) != nullptr;
}

bool isGraphInput(const nn::Graph& graph, const std::string& name) {
  return std::any_of(graph.inputs.begin(), graph.inputs.end(),
                     [&](const nn::GraphInput& in) { return in.name == name; });
}

std::string uniqueName(const nn::Graph& graph, const std::string& wanted, const std::set<std::string>& alsoTaken) {
  auto taken = [&](const std::string& n) { return hasName(graph, n) || alsoTaken.count(n); };
  if (!taken(wanted)) return wanted;
  std::string stem = wanted;
  const size_t underscore = stem.rfind('_');
  if (underscore != std::string::npos && underscore + 1 < stem.size() &&
      std::all_of(stem.begin() + long(underscore) + 1, stem.end(), ::isdigit))
    stem.resize(underscore);
  for (int i = 2;; ++i)
    if (!taken(stem + "_" + std::to_string(i))) return stem + "_" + std::to_string(i);
}

std::string nameStemFor(const std::string& type) {
  if (type.empty()) return "x";
  const nn::LayerDef* def = nn::findLayer(type);
  if (def && def->loss) return "loss";
  std::string stem;
  for (char c : type) stem += char(std::tolower((unsigned char)c));
  return stem + "_1";
}

std::string renameProblem(const nn::Graph& graph, const std::string& current, const std::string& wanted) {
  if (wanted == current) return {};
  if (wanted.empty()) return "a name is needed";
  if (!nn::isIdentifier(wanted))
    return "'" + wanted + "' is not a valid name: letters, digits and _, not starting with a digit";
  if (hasName(graph, wanted)) return "the name " + wanted + " is already used";
  return {};
}

void addNode(nn::Graph& graph, const std::string& name, const std::string& type) {
  nn::Node node;
  node.name = name;
  node.type = type;
  graph.nodes.push_back(std::move(node));
}

void addInput(nn::Graph& graph, const std::string& name, const nn::Shape& shape) {
  graph.inputs.push_back({name, shape});
}

void removeNames(nn::Graph& graph, const std::set<std::string>& names) {
  std::erase_if(graph.inputs, [&](const nn::GraphInput& in) { return names.count(in.name) > 0; });
  std::erase_if(graph.nodes, [&](const nn::Node& n) { return names.count(n.name) > 0; });
  for (auto& node : graph.nodes) std::erase_if(node.inputs, [&](const std::string& in) { return names.count(in) > 0; });
}

void rename(nn::Graph& graph, const std::string& from, const std::string& to) {
  for (auto& in : graph.inputs)
    if (in.name == from) in.name = to;
  for (auto& node : graph.nodes) {
    if (node.name == from) node.name = to;
    for (auto& in : node.inputs)
      if (in == from) in = to;
  }
}

// Whether `target` is reachable from `start` by following outputs to consumers.
static bool reaches(const nn::Graph& graph, const std::string& start, const std::string& target) {
  std::vector<std::string> todo{start};
  std::set<std::string> seen;
  while (!todo.empty()) {
    const std::string name = todo.back();
    todo.pop_back();
    if (name == target) return true;
    if (!seen.insert(name).second) continue;
    for (const auto& node : graph.nodes)
      if (std::find(node.inputs.begin(), node.inputs.end(), name) != node.inputs.end()) todo.push_back(node.name);
  }
  return false;
}

std::string connect(nn::Graph& graph, const std::string& from, const std::string& to, size_t slot) {
  if (!hasName(graph, from)) return "there is no layer " + from;
  if (isGraphInput(graph, to)) return "an input takes no inputs";
  auto it = std::find_if(graph.nodes.begin(), graph.nodes.end(), [&](const nn::Node& n) { return n.name == to; });
  if (it == graph.nodes.end()) return "there is no layer " + to;
  if (from == to || reaches(graph, to, from)) return "connecting " + from + " to " + to + " would make a cycle";
  const nn::LayerDef* def = nn::findLayer(it->type);
  if (slot < it->inputs.size()) {
    it->inputs[slot] = from;
  } else {
    if (def && it->inputs.size() >= def->maxInputs)
      return it->type + " takes at most " + std::to_string(def->maxInputs) +
             (def->maxInputs == 1 ? " input" : " inputs");
    it->inputs.push_back(from);
  }
  return {};
}

void disconnect(nn::Graph& graph, const std::string& to, size_t slot) {
  for (auto& node : graph.nodes)
    if (node.name == to && slot < node.inputs.size()) node.inputs.erase(node.inputs.begin() + long(slot));
}

void setParam(nn::Graph& graph, const std::string& nodeName, const std::string& key, const std::string& text) {
  auto it = std::find_if(graph.nodes.begin(), graph.nodes.end(), [&](const nn::Node& n) { return n.name == nodeName; });
  if (it == graph.nodes.end()) return;
  auto& params = it->params;
  const nn::LayerDef* def = nn::findLayer(it->type);
  const nn::ParamDef* paramDef = def ? def->param(key) : nullptr;
  auto existing = std::find_if(params.begin(), params.end(), [&](const auto& p) { return p.first == key; });
  const bool isDefault = paramDef && !paramDef->required() && [&] {
    std::string error;
    auto value = nn::ParamValue::parse(*paramDef, text, &error);
    auto fallback = nn::ParamValue::parse(*paramDef, paramDef->defaultValue, &error);
    return value && fallback && *value == *fallback;
  }();
  if (text.empty() || isDefault) {
    if (existing != params.end()) params.erase(existing);
    return;
  }
  if (existing != params.end()) {
    existing->second = text;
    return;
  }
  auto catalogIndex = [&](const std::string& name) -> size_t {
    if (!def) return SIZE_MAX;
    for (size_t i = 0; i < def->params.size(); ++i)
      if (def->params[i].name == name) return i;
    return SIZE_MAX;
  };
  const size_t mine = catalogIndex(key);
  auto before = std::find_if(params.begin(), params.end(), [&](const auto& p) { return catalogIndex(p.first) > mine; });
  params.insert(before, {key, text});
}

std::string fragmentText(const nn::Graph& graph, const std::set<std::string>& names,
                         const std::map<std::string, std::pair<double, double>>& positions) {
  nn::Graph part;
  for (const auto& in : graph.inputs)
    if (names.count(in.name)) part.inputs.push_back(in);
  for (const auto& node : graph.nodes)
    if (names.count(node.name)) part.nodes.push_back(node);
  std::ostringstream out;
  out << nn::printNetwork(part);
  for (const auto& [name, pos] : positions)
    if (names.count(name))
      out << "#@ " << name << " " << nn::formatNumber(pos.first) << " " << nn::formatNumber(pos.second) << "\n";
  return out.str();
}

bool parseFragment(const std::string& text, Fragment* fragment) {
  nn::ParsedNetwork parsed = nn::parseNetwork(text);
  if (!parsed.ok() || (parsed.graph.inputs.empty() && parsed.graph.nodes.empty())) return false;
  fragment->graph = parsed.graph;
  fragment->positions.clear();
  std::istringstream lines(text);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream fields(line);
    std::string mark, name;
    double x = 0, y = 0;
    if (fields >> mark >> name >> x >> y && mark == "#@") fragment->positions[name] = {x, y};
  }
  return true;
}

std::map<std::string, std::string> paste(nn::Graph& graph, const nn::Graph& fragment) {
  std::map<std::string, std::string> renamed;
  std::set<std::string> fresh;
  auto take = [&](const std::string& name) {
    const std::string unique = uniqueName(graph, name, fresh);
    fresh.insert(unique);
    renamed[name] = unique;
  };
  for (const auto& in : fragment.inputs) take(in.name);
  for (const auto& node : fragment.nodes) take(node.name);
  for (auto in : fragment.inputs) {
    in.name = renamed[in.name];
    graph.inputs.push_back(in);
  }
  for (auto node : fragment.nodes) {
    node.name = renamed[node.name];
    node.line = 0;
    std::vector<std::string> inputs;
    for (const auto& in : node.inputs)
      if (renamed.count(in)) inputs.push_back(renamed[in]);
    node.inputs = std::move(inputs);
    graph.nodes.push_back(std::move(node));
  }
  return renamed;
}

}  // namespace gradlab::ui

#include "nn/graph.h"

#include <algorithm>
#include <cctype>
#include <set>

namespace gradlab::nn {

const Node* Graph::find(const std::string& name) const {
  for (const auto& n : nodes)
    if (n.name == name) return &n;
  return nullptr;
}

std::string GraphIssue::text() const {
  std::string out;
  if (line > 0) out += "line " + std::to_string(line) + ": ";
  if (!node.empty()) out += node + ": ";
  out += message;
  if (severity == Warning) out = "warning: " + out;
  return out;
}

bool GraphAnalysis::ok() const {
  return std::none_of(issues.begin(), issues.end(),
                      [](const GraphIssue& i) { return i.severity == GraphIssue::Error; });
}

std::string GraphAnalysis::errorText() const {
  std::string out;
  for (const auto& issue : issues) out += issue.text() + "\n";
  return out;
}

bool isIdentifier(const std::string& name) {
  if (name.empty() || !(std::isalpha((unsigned char)name[0]) || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) { return std::isalnum((unsigned char)c) || c == '_'; });
}

static std::string withCommas(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

GraphAnalysis analyze(const Graph& graph) {
  GraphAnalysis a;
  a.nodes.resize(graph.nodes.size());
  auto issue = [&](const Node* n, std::string message, GraphIssue::Severity severity = GraphIssue::Error) {
    a.issues.push_back({severity, n ? n->name + " (" + n->type + ")" : "", std::move(message), n ? n->line : 0});
  };

  // Names.
  std::map<std::string, int> index;  // -1 - input index, or node index
  if (graph.inputs.empty()) issue(nullptr, "the network has no input: declare one, e.g. 'input x: 1x28x28'");
  if (graph.inputs.size() > 1)
    issue(nullptr,
          "the network has " + std::to_string(graph.inputs.size()) + " inputs; GradLab trains networks with one");
  for (size_t i = 0; i < graph.inputs.size(); ++i) {
    const auto& in = graph.inputs[i];
    if (!isIdentifier(in.name)) issue(nullptr, "'" + in.name + "' is not a valid input name");
    if (in.shape.rank() == 0 || in.shape.rank() == 2 || in.shape.rank() > 3 || in.shape.elements() == 0)
      issue(nullptr, "input " + in.name + " has shape " + in.shape.text() +
                         "; use features (e.g. 2) or channels x height x width (e.g. 1x28x28)");
    else if (in.shape.elements() > kMaxActivationPerSample)
      issue(nullptr, "input " + in.name + " is too large (" + withCommas(in.shape.elements()) + " values per sample)");
    else
      a.shapes[in.name] = in.shape;
    if (!index.emplace(in.name, -1 - int(i)).second) issue(nullptr, "the name " + in.name + " is used twice");
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    if (!isIdentifier(n.name))
      issue(&n, "'" + n.name + "' is not a valid name (letters, digits and _, not starting with a digit)");
    if (!index.emplace(n.name, int(i)).second) issue(&n, "the name " + n.name + " is used twice");
  }

  // Types, hyper-parameters and references.
  std::vector<bool> usable(graph.nodes.size(), true);
  std::vector<std::vector<size_t>> consumers(graph.nodes.size());
  std::vector<int> pending(graph.nodes.size(), 0);
  std::set<std::string> consumed;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    NodeInfo& info = a.nodes[i];
    info.def = findLayer(n.type);
    if (!info.def) {
      std::string known;
      for (const auto& d : layerCatalog()) known += (known.empty() ? "" : ", ") + d.type;
      issue(&n, "unknown layer type '" + n.type + "' (known: " + known + ")");
      usable[i] = false;
      continue;
    }
    if (n.inputs.size() < info.def->minInputs || n.inputs.size() > info.def->maxInputs) {
      const auto& d = *info.def;
      issue(&n, d.type + " takes " +
                    (d.minInputs == d.maxInputs ? std::to_string(d.minInputs)
                                                : std::to_string(d.minInputs) + " to " + std::to_string(d.maxInputs)) +
                    (d.maxInputs == 1 ? " input" : " inputs") + ", got " + std::to_string(n.inputs.size()));
      usable[i] = false;
    }
    std::map<std::string, ParamValue> values;
    for (const auto& [key, text] : n.params) {
      const ParamDef* def = info.def->param(key);
      if (!def) {
        std::string known;
        for (const auto& p : info.def->params) known += (known.empty() ? "" : ", ") + p.name;
        issue(&n, "unknown hyper-parameter '" + key + "'" +
                      (known.empty() ? " (it takes none)" : " (known: " + known + ")"));
        usable[i] = false;
        continue;
      }
      if (values.count(key)) {
        issue(&n, key + " is given twice");
        usable[i] = false;
        continue;
      }
      std::string error;
      if (auto v = ParamValue::parse(*def, text, &error))
        values[key] = *v;
      else {
        issue(&n, error);
        usable[i] = false;
      }
    }
    for (const auto& def : info.def->params) {
      if (values.count(def.name)) continue;
      if (def.required()) {
        issue(&n, valueProblem(def, ""));
        usable[i] = false;
        continue;
      }
      std::string error;
      values[def.name] = *ParamValue::parse(def, def.defaultValue, &error);
    }
    info.params = NodeParams(std::move(values));
    for (const auto& input : n.inputs) {
      auto it = index.find(input);
      if (it == index.end()) {
        issue(&n, "its input '" + input + "' does not exist");
        usable[i] = false;
      } else if (it->second >= 0) {
        if (size_t(it->second) == i) {
          issue(&n, "takes its own output as input (a cycle)");
          usable[i] = false;
        } else {
          consumers[it->second].push_back(i);
          ++pending[i];
        }
      }
      consumed.insert(input);
    }
  }

  // Topological order (Kahn); what never becomes ready sits on a cycle.
  std::vector<size_t> ready;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (pending[i] == 0) ready.push_back(i);
  while (!ready.empty()) {
    const size_t i = ready.front();
    ready.erase(ready.begin());
    a.order.push_back(i);
    for (size_t c : consumers[i])
      if (--pending[c] == 0) ready.push_back(c);
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (pending[i] > 0) {
      issue(&graph.nodes[i], "is part of a cycle: a network must flow from its input to its loss");
      usable[i] = false;
    }

  // Shapes, in order; a node whose inputs failed is skipped rather than reported again.
  for (size_t i : a.order) {
    const Node& n = graph.nodes[i];
    NodeInfo& info = a.nodes[i];
    if (!usable[i]) continue;
    bool inputsKnown = true;
    for (const auto& input : n.inputs) {
      auto it = a.shapes.find(input);
      if (it == a.shapes.end())
        inputsKnown = false;
      else
        info.inputShapes.push_back(it->second);
    }
    if (!inputsKnown) continue;
    try {
      info.shape = info.def->infer(info.params, info.inputShapes);
    } catch (const ShapeError& e) {
      issue(&n, e.what());
      continue;
    }
    const uint64_t params = info.shape.paramCount();
    if (params > kMaxParamsPerLayer) {
      issue(&n, "has " + withCommas(params) + " parameters; a layer may have at most " +
                    withCommas(kMaxParamsPerLayer) + ". Make it smaller.");
      continue;
    }
    if (info.shape.output.elements() > kMaxActivationPerSample) {
      issue(&n, "outputs " + withCommas(info.shape.output.elements()) + " values per sample; at most " +
                    withCommas(kMaxActivationPerSample) + " fit. Use fewer channels or more stride.");
      continue;
    }
    info.valid = true;
    a.shapes[n.name] = info.shape.output;
    a.paramCount += params;
  }

  // The loss: exactly one, at the end.
  std::vector<const Node*> losses;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    if (a.nodes[i].def && a.nodes[i].def->loss) losses.push_back(&graph.nodes[i]);
  if (losses.empty() && !graph.nodes.empty())
    issue(nullptr, "the network has no loss: end it with a loss layer such as CrossEntropyLoss");
  else if (graph.nodes.empty() && !graph.inputs.empty())
    issue(nullptr, "the network has no layers yet");
  if (losses.size() > 1) {
    std::string names;
    for (const Node* n : losses) names += (names.empty() ? "" : ", ") + n->name;
    issue(nullptr, "the network has " + std::to_string(losses.size()) + " losses (" + names + "); keep one");
  }
  if (losses.size() == 1) a.lossNode = losses[0]->name;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const Node& n = graph.nodes[i];
    const bool isLoss = a.nodes[i].def && a.nodes[i].def->loss;
    if (isLoss && consumed.count(n.name)) issue(&n, "a loss must be the last layer; nothing may take its output");
    if (!isLoss && !consumed.count(n.name))
      issue(&n, "its output is not used by any layer: connect it towards the loss or delete it", GraphIssue::Warning);
  }
  for (const auto& in : graph.inputs)
    if (!consumed.count(in.name) && !graph.nodes.empty())
      issue(nullptr, "input " + in.name + " is not connected to any layer");
  return a;
}

}  // namespace gradlab::nn

#pragma once
// The edits the network editor makes, as plain functions on the engine's Graph: every editor
// command is "graph before -> graph after", so each edit is testable without any widget.
#include "nn/graph.h"

#include <map>
#include <set>
#include <string>
#include <vector>

namespace gradlab::ui {

// Names of inputs and nodes share one namespace (the text form refers to both the same way).
bool hasName(const nn::Graph& graph, const std::string& name);
bool isGraphInput(const nn::Graph& graph, const std::string& name);

// `wanted` if free, else its stem with the first free suffix: conv2d_1 -> conv2d_2.
std::string uniqueName(const nn::Graph& graph, const std::string& wanted, const std::set<std::string>& alsoTaken = {});

// The name a new layer of `type` starts from: "x" for an input, "loss" for a loss, else the type.
std::string nameStemFor(const std::string& type);

// Why `wanted` cannot rename `current` (empty when it can).
std::string renameProblem(const nn::Graph& graph, const std::string& current, const std::string& wanted);

// A new node with no inputs and only the hyper-parameters it must have left for the user to set.
void addNode(nn::Graph& graph, const std::string& name, const std::string& type);
void addInput(nn::Graph& graph, const std::string& name, const nn::Shape& shape);

// Removes inputs and nodes, and every reference to them in the remaining nodes' inputs.
void removeNames(nn::Graph& graph, const std::set<std::string>& names);

void rename(nn::Graph& graph, const std::string& from, const std::string& to);

// Feeds `from` into input slot `slot` of node `to` (replacing what was there, or appending when
// `slot` is past the end). Returns why it cannot (empty when done): unknown names, an input as the
// target, too many inputs for the layer, or a cycle.
std::string connect(nn::Graph& graph, const std::string& from, const std::string& to, size_t slot);
void disconnect(nn::Graph& graph, const std::string& to, size_t slot);

// Sets a hyper-parameter from its text; a value equal to the default is dropped so the text form
// stays minimal. New keys go in catalog order.
void setParam(nn::Graph& graph, const std::string& node, const std::string& key, const std::string& text);

// The text of a part of a graph, what Copy puts on the clipboard: the chosen inputs and nodes in
// the network text format, with their positions as comment lines ("#@ name x y") the parser skips.
struct Fragment {
  nn::Graph graph;
  std::map<std::string, std::pair<double, double>> positions;
};
std::string fragmentText(const nn::Graph& graph, const std::set<std::string>& names,
                         const std::map<std::string, std::pair<double, double>>& positions);
bool parseFragment(const std::string& text, Fragment* fragment);

// Adds a fragment under fresh names; references to names outside the fragment are dropped (the
// copies start unconnected). Returns the new names, old name -> new name.
std::map<std::string, std::string> paste(nn::Graph& graph, const nn::Graph& fragment);

}  // namespace gradlab::ui

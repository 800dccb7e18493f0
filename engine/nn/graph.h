#pragma once
// A network as a directed acyclic graph of named layer nodes (so residual connections work), and
// the check that turns it into shapes, parameter counts and per-node messages before any GPU work.
#include "nn/layer_catalog.h"
#include "nn/shape.h"

#include <map>
#include <string>
#include <utility>
#include <vector>

namespace gradlab::nn {

struct GraphInput {
  std::string name;
  Shape shape;
  bool operator==(const GraphInput&) const = default;
};

struct Node {
  std::string name;
  std::string type;
  std::vector<std::string> inputs;                          // names of inputs or other nodes
  std::vector<std::pair<std::string, std::string>> params;  // as written, in order
  int line = 0;                                             // in the text it came from (0: none)
  bool operator==(const Node& o) const {
    return name == o.name && type == o.type && inputs == o.inputs && params == o.params;
  }
};

struct Graph {
  std::string title;
  std::vector<GraphInput> inputs;
  std::vector<Node> nodes;
  bool operator==(const Graph&) const = default;

  const Node* find(const std::string& name) const;
};

struct GraphIssue {
  enum Severity { Error, Warning } severity = Error;
  std::string node;  // empty: the graph as a whole
  std::string message;
  int line = 0;
  std::string text() const;  // "line 4: h1 (Linear): ..." as a user reads it
};

struct NodeInfo {
  const LayerDef* def = nullptr;
  NodeParams params;
  std::vector<Shape> inputShapes;
  LayerShape shape;
  bool valid = false;
};

struct GraphAnalysis {
  std::vector<GraphIssue> issues;
  std::vector<NodeInfo> nodes;          // aligned with Graph::nodes
  std::vector<size_t> order;            // node indices, each after its inputs (valid graphs)
  std::map<std::string, Shape> shapes;  // output shape of every input and valid node
  std::string lossNode;
  uint64_t paramCount = 0;

  bool ok() const;                // no errors (warnings allowed)
  std::string errorText() const;  // every issue, one per line
};

// Limits that keep a network trainable: beyond them a graph is rejected as absurd.
constexpr uint64_t kMaxParamsPerLayer = 64ull << 20;
constexpr uint64_t kMaxActivationPerSample = 16ull << 20;

GraphAnalysis analyze(const Graph& graph);

// Whether `name` can name an input or node: a letter or '_', then letters, digits, '_'.
bool isIdentifier(const std::string& name);

}  // namespace gradlab::nn

#pragma once
// Network variants for comparisons: the same network with a layer inserted after every layer of
// a kind (BatchNorm1d after every Linear, Dropout after every activation) or with every layer of a
// type removed, as pure Graph -> Graph functions. New nodes get deterministic names ("bn1", "bn2",
// ..., skipping names the graph has), so a variant built twice is the same network and its new
// layers initialise the same way (nn/initializer.h hashes the node's name).
#include "nn/graph.h"

#include <string>
#include <utility>
#include <vector>

namespace gradlab::nn {

struct LayerInsertion {
  enum class After {
    EveryLinearButLast,  // every Linear whose output reaches no other Linear: not the classifier
    EveryActivation,     // every layer of the catalog's "Activation" category
  };
  std::string type;                                         // "BatchNorm1d", "Dropout"
  std::vector<std::pair<std::string, std::string>> params;  // as written: {"p", "0.5"}
  After after = After::EveryLinearButLast;
};

// `graph` with a new `insertion.type` node after every place `insertion.after` names; whatever
// read the old node's output reads the new node's. Throws std::invalid_argument (one line) for an
// unknown type, a graph with no such place, or a result the graph checker refuses.
Graph insertLayers(const Graph& graph, const LayerInsertion& insertion);

// `graph` without its `type` nodes: whatever read one reads its input instead. Throws
// std::invalid_argument for a type the graph does not have, a node of it with other than one
// input, or a result the graph checker refuses.
Graph removeLayers(const Graph& graph, const std::string& type);

// In words, for a run's legend: "BatchNorm1d after every Linear but the last",
// "Dropout(p=0.5) after every activation", "without Dropout".
std::string describe(const LayerInsertion& insertion);
std::string describeRemoval(const std::string& type);

}  // namespace gradlab::nn

#pragma once
// The human-readable text form of a network, what the CLI reads, presets are written in and the
// editor shows. The grammar is in docs/NETWORK_FORMAT.md; in short:
//
//   # LeNet-5 on 28x28 images
//   network "LeNet-5"
//   input x: 1x28x28
//   c1 = Conv2d(x, out_channels=6, kernel_size=5, padding=2)
//   a1 = Tanh(c1)
//   ...
//   loss = CrossEntropyLoss(logits)
//
// printNetwork(parseNetwork(text)) gives back the text in canonical layout, and
// parseNetwork(printNetwork(g)) == g for any graph g.
#include "nn/graph.h"

#include <string>
#include <string_view>
#include <vector>

namespace gradlab::nn {

struct ParsedNetwork {
  Graph graph;
  std::vector<GraphIssue> errors;  // syntax errors, each with its line
  bool ok() const { return errors.empty(); }
};

ParsedNetwork parseNetwork(std::string_view text);
std::string printNetwork(const Graph& graph);

// Reads a network file: parses it and checks the graph. Throws std::runtime_error with every
// message (file, line, node) when it cannot be used.
Graph loadNetworkFile(const std::string& path);

}  // namespace gradlab::nn

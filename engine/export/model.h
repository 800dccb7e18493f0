#pragma once
// A network with values for every tensor it keeps, as the exporters (ONNX, PyTorch) write it and
// the ONNX importer makes it: the graph, and per tensor name ("h1.weight", "bn1.running_mean")
// its shape and float values. Built from an experiment file (its trained weights) or a network
// file (the initial weights of a seed). No GPU is involved.
#include "nn/graph.h"
#include "persist/experiment.h"

#include <cstdint>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradlab::exporting {

// A model that cannot be written in the asked format, or a file that cannot be read as a model;
// the message is one line for the user that names the layer or file and what to do.
struct ExportError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Model {
  nn::Graph graph;
  std::map<std::string, persist::Tensor> tensors;  // every parameter and running statistic
  bool operator==(const Model&) const = default;
};

// The nodes a model computes at inference: every node the loss's input (the logits) depends on,
// each after its inputs, without the loss. `analysis` is analyze(graph) and must be ok().
struct InferencePlan {
  std::vector<size_t> nodes;  // indices into graph.nodes
  std::string output;         // the logits node
};
InferencePlan inferencePlan(const nn::Graph& graph, const nn::GraphAnalysis& analysis);

// The graph with the initial values of `seed` for every tensor (as nn::Network::initialize).
Model initialModel(const nn::Graph& graph, uint32_t seed);
// The experiment's network with its trained weights; tensors it has no weights for keep the
// initial values of its seed.
Model experimentModel(const persist::Experiment& experiment);
// A .gradlab experiment, an .onnx model (by its name) or a .net network file. Throws ExportError.
Model loadModel(const std::filesystem::path& path);
// An experiment of the model's network and weights, with default settings: what the lab opens.
persist::Experiment modelExperiment(const Model& model);
// What the lab opens from a file: a .gradlab experiment as saved, an .onnx model with its weights,
// or a network file with default settings and no weights. Throws persist::FileError or
// ExportError with a message for the user.
persist::Experiment openExperiment(const std::filesystem::path& path);

}  // namespace gradlab::exporting

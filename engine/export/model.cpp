#include "export/model.h"

#include "export/onnx_model.h"
#include "nn/initializer.h"
#include "nn/network_text.h"
#include "persist/experiment_file.h"

#include <fstream>
#include <iterator>

namespace gradlab::exporting {
namespace {

nn::GraphAnalysis checked(const nn::Graph& graph) {
  nn::GraphAnalysis analysis = nn::analyze(graph);
  if (!analysis.ok()) throw ExportError("The network has errors: " + analysis.errorText());
  return analysis;
}

persist::Tensor tensorOf(const nn::Shape& shape, std::vector<float> values) {
  return persist::Tensor{shape.dims, std::move(values)};
}

}  // namespace

InferencePlan inferencePlan(const nn::Graph& graph, const nn::GraphAnalysis& analysis) {
  const nn::Node* loss = graph.find(analysis.lossNode);
  if (!loss || loss->inputs.empty())
    throw ExportError("The network has no loss: nothing says which node is its output");
  InferencePlan plan;
  plan.output = loss->inputs[0];
  std::vector<bool> needed(graph.nodes.size(), false);
  std::vector<std::string> wanted{plan.output};
  while (!wanted.empty()) {
    const std::string name = wanted.back();
    wanted.pop_back();
    for (size_t i = 0; i < graph.nodes.size(); ++i)
      if (graph.nodes[i].name == name && !needed[i]) {
        needed[i] = true;
        wanted.insert(wanted.end(), graph.nodes[i].inputs.begin(), graph.nodes[i].inputs.end());
      }
  }
  // The written order where it computes each node after its inputs, so names and order survive
  // an export and import; the analysis's order otherwise.
  std::vector<size_t> order(graph.nodes.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  for (size_t i = 0; i < graph.nodes.size(); ++i)
    for (const std::string& in : graph.nodes[i].inputs)
      for (size_t j = i; j < graph.nodes.size(); ++j)
        if (graph.nodes[j].name == in) order = analysis.order;
  for (size_t i : order)
    if (needed[i]) plan.nodes.push_back(i);
  if (plan.nodes.empty()) throw ExportError("The loss reads the network input directly: there are no layers to export");
  return plan;
}

Model initialModel(const nn::Graph& graph, uint32_t seed) {
  const nn::GraphAnalysis analysis = checked(graph);
  Model model{graph, {}};
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const nn::NodeInfo& info = analysis.nodes[i];
    const std::string& name = graph.nodes[i].name;
    for (const auto& p : info.shape.params)
      model.tensors[name + "." + p.name] = tensorOf(p.shape, nn::initialValues(info.params, p, name, seed));
    for (const auto& b : info.shape.buffers)
      model.tensors[name + "." + b.name] = tensorOf(b.shape, nn::initialValues(info.params, b, name, seed, true));
  }
  return model;
}

Model experimentModel(const persist::Experiment& experiment) {
  nn::ParsedNetwork parsed = nn::parseNetwork(experiment.network);
  if (!parsed.ok()) throw ExportError("The experiment's network does not parse: " + parsed.errors[0].text());
  Model model = initialModel(parsed.graph, experiment.training.seed);
  for (const auto& [name, tensor] : experiment.weights) {
    const auto it = model.tensors.find(name);
    if (it == model.tensors.end() || it->second.values.size() != tensor.values.size())
      throw ExportError("The experiment's weights for " + name + " do not fit its network");
    it->second.values = tensor.values;
  }
  return model;
}

Model loadModel(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ExportError(path.string() + ": cannot read it");
  const std::string bytes(std::istreambuf_iterator<char>(in), {});
  if (path.extension() == ".onnx") return modelFromOnnx(bytes, path.string());
  try {
    persist::Experiment experiment = persist::fromBytes(bytes, path.string());
    return experimentModel(experiment);
  } catch (const persist::FileError& e) {
    if (path.extension() == persist::kExtension) throw ExportError(e.what());  // a damaged experiment
  }
  try {
    return initialModel(nn::loadNetworkFile(path.string()), 0);
  } catch (const ExportError&) {
    throw;
  } catch (const std::exception& e) {
    throw ExportError(e.what());
  }
}

persist::Experiment modelExperiment(const Model& model) {
  persist::Experiment experiment;
  experiment.title = model.graph.title;
  experiment.network = nn::printNetwork(model.graph);
  experiment.weights = model.tensors;
  return experiment;
}

persist::Experiment openExperiment(const std::filesystem::path& path) {
  if (path.extension() == persist::kExtension) return persist::loadExperiment(path);
  if (path.extension() == ".onnx") return modelExperiment(loadModel(path));
  try {
    const nn::Graph graph = nn::loadNetworkFile(path.string());
    persist::Experiment experiment;
    experiment.title = graph.title;
    experiment.network = nn::printNetwork(graph);
    return experiment;
  } catch (const std::exception& e) {
    throw ExportError(e.what());
  }
}

}  // namespace gradlab::exporting

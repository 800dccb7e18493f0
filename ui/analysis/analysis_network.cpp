#include "analysis/analysis_network.h"

#include "data/device_dataset.h"
#include "gpu/recording.h"
#include "persist/run_setup.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::ui {

ParameterMap parametersOf(const train::ProbeReport& report) {
  ParameterMap params;
  for (const auto& w : report.weights) params[w.name] = w.values;
  return params;
}

AnalysisSource AnalysisSource::forRun(size_t index) const {
  const RunAnalysis& run = runs.at(index);
  AnalysisSource one;
  one.graph = run.graph;
  one.train = train;
  one.normalization = run.normalization;
  one.current = run.current;
  one.initial = run.initial;
  one.step = run.step;
  one.seed = run.seed;
  one.batch = run.batch;
  one.training = run.training;
  one.device = device;
  return one;
}

std::unique_ptr<gpu::Context> openContext(const AnalysisSource& source) {
  gpu::ContextOptions options;
  options.device = source.device;
  return std::make_unique<gpu::Context>(options);
}

std::unique_ptr<nn::Network> buildRunNetwork(gpu::Context& context, const nn::Graph& graph,
                                             const persist::TrainingSettings& training, uint32_t batch, uint32_t seed) {
  const std::optional<nn::ConvAlgorithm> conv = persist::runSetup(training).options.conv;
  return std::make_unique<nn::Network>(context, graph, batch, seed, conv);
}

std::string convolutionPaths(const nn::Network& net) {
  std::string paths;
  const auto& nodes = net.graph().nodes;
  for (size_t node = 0; node < nodes.size(); ++node)
    if (const std::string path = net.convolutionPath(node); !path.empty())
      paths += (paths.empty() ? "" : ", ") + nodes[node].name + " " + path;
  return paths;
}

bool writeRunningStatistics(nn::Network& net, const ParameterMap& values) {
  bool all = true;
  for (const auto& s : net.runningStatistics()) {
    const auto it = values.find(s.name);
    if (it == values.end() || it->second.size() != s.count) {
      all = false;
      continue;
    }
    s.buffer->upload(it->second.data(), size_t(s.count) * 4);
  }
  return all;
}

analysis::ParamVector flatten(const nn::Network& net, const ParameterMap& params) {
  analysis::ParamVector flat;
  flat.reserve(analysis::parameterOffsets(net).back());
  for (const auto& p : net.parameters()) {
    const auto it = params.find(p.name);
    if (it == params.end())
      throw std::invalid_argument("The parameters have no " + p.name +
                                  ": probe every parameter tensor, or train again after changing the network.");
    if (it->second.size() != p.count())
      throw std::invalid_argument(p.name + " has " + std::to_string(it->second.size()) +
                                  " values but the network's has " + std::to_string(p.count()) +
                                  ": train again after changing the network.");
    flat.insert(flat.end(), it->second.begin(), it->second.end());
  }
  return flat;
}

void checkData(const nn::Network& net, const AnalysisSource& source) {
  if (!source.train || source.train->size() == 0) throw std::invalid_argument("Choose a training dataset first.");
  if (!(source.train->sampleShape == net.inputShape()))
    throw std::invalid_argument("The network's input is " + net.inputShape().text() + " but " + source.train->name +
                                " samples are " + source.train->sampleShape.text() +
                                ": change the network's input or the dataset.");
}

void loadTrainingBatch(nn::Network& net, const AnalysisSource& source) {
  checkData(net, source);
  const data::Dataset& train = *source.train;
  data::DeviceDataset device(net.context(), train.head(std::min(net.batch(), train.size())),
                             data::NormalizationTable::compute(train, source.normalization));
  gpu::Recording gather(net.context());
  device.recordEvalBatch(gather, {net.input(), net.labels(), net.step(), net.batch()}, 0);
  net.context().run(gather);
}

}  // namespace gradlab::ui

// gradlab-cli probe: one forward pass (and optionally backward) of a network on an input source,
// and per-layer statistics of activations and gradients, beside the std the initialisation theory
// predicts for each layer (analysis/init_theory.h): the initialisation demo in a terminal.
#include "analysis/init_theory.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/conv_option.h"
#include "cli/dataset_option.h"
#include "cli/network_title.h"
#include "cli/probe_csv.h"
#include "data/device_dataset.h"
#include "data/toy_datasets.h"
#include "gpu/context.h"
#include "nn/initializer.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "train/device_fit.h"
#include "train/run_set.h"
#include "train/step_builder.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <random>

namespace gradlab::cli {

int probeCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o(
      "probe",
      {{"input", "SOURCE", std::string("gaussian (N(0,1) noise, default) or a dataset: ") + kDatasetHelp},
       {"batch", "N", "samples in the pass (default 256)"},
       {"init", "NAME[:key=value]", "initialise every Linear/Conv this way, e.g. normal:std=0.01, xavier_normal"},
       {"seed", "N", "seed for weights and noise (default 0)"},
       {"gradients", "", "also run the backward pass (random labels) and show gradient statistics"},
       {"device", "INDEX|NAME", "Vulkan device"},
       {"conv", "auto|direct|fft", kConvHelp},
       {"out", "FILE.csv", "write the statistics as CSV"},
       {"help", "", "show this help"}},
      rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli probe NETWORK.net [options]\n\n"
                 "Runs one forward pass and prints each layer's activation statistics.\n\n"
              << o.usage();
    return 0;
  }
  if (networkPath.empty()) throw UsageError("give the network file first: gradlab-cli probe NETWORK.net");
  nn::Graph graph = nn::loadNetworkFile(networkPath);
  if (o.has("init")) {  // "normal:std=0.01", "xavier_normal": the same for every Linear and convolution
    try {
      graph = train::withInitialisation(std::move(graph), o.text("init"));
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--init: ") + e.what());
    }
  }
  const uint32_t batch = uint32_t(o.integer("batch", 256, 1, 65536));
  const uint32_t seed = uint32_t(o.integer("seed", 0, 0, 4294967295LL));
  const auto conv = convOption(o);
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  train::requireDeviceFit({graph, batch, conv}, context.device());  // before any allocation
  nn::Network net(context, graph, batch, seed, conv);               // checks the overridden graph too

  const std::string source = o.text("input", "gaussian");
  loadInputBatch(context, net, source, seed);
  if (source == "gaussian") {  // noise has no labels: random ones give the backward pass something
    std::mt19937 rng(seed);
    std::vector<uint32_t> labels(batch);
    for (auto& l : labels) l = rng() % std::max(net.classes(), 1u);
    net.labels().upload(labels.data(), labels.size() * 4);
  }
  const bool gradients = o.has("gradients");
  gpu::Recording rec(context);
  train::recordForward(rec, net, gradients);
  if (gradients) train::recordBackward(rec, net);
  context.run(rec);
  train::Probes probes(net);
  const auto report = probes.measure(0, gradients, false);

  // The init theory's std for each layer (analysis/init_theory.h), from this batch's input moments.
  // The gradient's, back from the measured gradient at the deepest layer the theory reaches.
  std::map<std::string, double> theory, gradientTheory;
  if (graph.inputs.size() == 1) {
    analysis::Moments input;
    const auto x = net.input().read<float>(uint64_t(batch) * graph.inputs[0].shape.elements());
    for (float v : x) input.mean += v / double(x.size()), input.meanSquare += double(v) * v / double(x.size());
    const auto predicted = analysis::predictActivations(graph, input);
    for (const auto& l : predicted) theory[l.node] = l.output.std();
    std::map<std::string, double> measured;
    for (const auto& l : report.layers)
      if (l.gradient.count) measured[l.node] = l.gradient.std;
    for (auto l = predicted.rbegin(); gradients && l != predicted.rend(); ++l)
      if (const auto from = measured.find(l->node); from != measured.end()) {
        for (const auto& g : analysis::predictGradients(predicted, from->first, from->second))
          gradientTheory[g.node] = g.std;
        break;
      }
  }
  std::printf("%s on %s, batch %u%s\n\n", networkTitle(graph, networkPath).c_str(),
              source == "gaussian" ? "gaussian noise N(0,1)" : source.c_str(), batch,
              o.has("init") ? (", init " + util::printable(o.text("init"))).c_str() : "");
  if (const std::string c = convolutionSummary(net); !c.empty()) std::printf("%s\n\n", c.c_str());
  std::printf("%-12s %-18s %11s %11s %11s %11s %8s %8s", "layer", "type", "mean", "std", "min", "max", "dead%", "sat%");
  if (gradients) std::printf(" %11s", "grad std");
  std::printf(" %11s", "theory std");
  if (gradients) std::printf(" %15s", "theory grad std");
  std::printf("\n");
  for (const auto& l : report.layers) {
    const auto& a = l.activation;
    std::printf("%-12s %-18s %11.4g %11.4g %11.4g %11.4g", l.node.c_str(), l.type.c_str(), a.mean, a.std, a.min, a.max);
    for (const auto& fraction : {a.deadFraction, a.saturatedFraction}) {  // "-": not a ReLU / not tanh or sigmoid
      if (fraction)
        std::printf(" %8.2f", *fraction * 100);
      else
        std::printf(" %8s", "-");
    }
    if (gradients) {
      if (l.gradient.count)
        std::printf(" %11.4g", l.gradient.std);
      else
        std::printf(" %11s", "-");
    }
    if (const auto predicted = theory.find(l.node); predicted != theory.end())
      std::printf(" %11.4g", predicted->second);
    else
      std::printf(" %11s", "-");
    if (const auto predicted = gradientTheory.find(l.node); gradients && predicted != gradientTheory.end())
      std::printf(" %15.4g", predicted->second);
    else if (gradients)
      std::printf(" %15s", "-");
    std::printf("\n");
  }
  if (o.has("out")) {
    std::ofstream out(o.text("out"));
    if (!out) throw UsageError("--out: cannot write " + o.text("out"));
    writeProbeHeader(out);
    writeProbeRows(out, report);
  }
  return 0;
}

}  // namespace gradlab::cli

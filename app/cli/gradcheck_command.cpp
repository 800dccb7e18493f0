// gradlab-cli gradcheck: the engine's backward pass against finite differences of the loss, per
// parameter tensor, with a verdict; exits 1 when a layer's gradient is wrong.
#include "analysis/gradient_check.h"
#include "cli/arguments.h"
#include "cli/commands.h"
#include "cli/conv_option.h"
#include "cli/dataset_option.h"
#include "data/device_dataset.h"
#include "data/toy_datasets.h"
#include "gpu/context.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "train/device_fit.h"

#include <cstdio>
#include <iostream>
#include <random>

namespace gradlab::cli {

int gradcheckCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string networkPath = takeLeadingFile(rest);
  Arguments o("gradcheck",
              {{"dataset", "SOURCE",
                std::string("gaussian (N(0,1) noise, random labels; default) or a dataset: ") + kDatasetHelp},
               {"batch", "N", "samples in the batch (default 4)"},
               {"samples", "N", "entries checked per parameter tensor; smaller tensors: all (default 20)"},
               {"seed", "N", "seed for the weights, the noise and the entries checked (default 0)"},
               {"device", "INDEX|NAME", "Vulkan device"},
               {"conv", "auto|direct|fft", kConvHelp},
               {"help", "", "show this help"}},
              rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli gradcheck NETWORK.net [options]\n\n"
                 "Compares each parameter tensor's gradient from the backward pass on the device (float32)\n"
                 "with central finite differences of the mean loss, computed in double precision by the CPU\n"
                 "reference at the device's parameter values, on the same batch and the same Dropout masks.\n"
                 "The finite differences are exact to ~1e-10, so the error shown is the device's own. Each\n"
                 "entry's error is relative to max(|device|, |numeric|, 1e-2 x the tensor's largest gradient,\n"
                 "1e-4 x the network's largest gradient): float32 rounds tiny entries with the error of the\n"
                 "large terms they sum. Bands: <= 1e-7 great (only double reaches it), <= 1e-4 fine (correct\n"
                 "float32), <= 1e-2 suspicious, above: wrong. A tensor fails above 1e-2, where no rounding\n"
                 "explains the difference; the exit status is then 1.\n\n"
                 "An entry whose step crosses a non-differentiable point (a ReLU's input crossing 0, a max-pool\n"
                 "tie, a hinge) has one-sided differences that disagree and a central difference that matches\n"
                 "no gradient. It is measured again with a 16 times smaller step; if that crosses too, it is\n"
                 "left out of the verdict and counted in the kinks column. A tensor whose checked entries all\n"
                 "crossed one has no verdict.\n\n"
              << o.usage();
    return 0;
  }
  if (networkPath.empty()) throw UsageError("give the network file first: gradlab-cli gradcheck NETWORK.net");
  const nn::Graph graph = nn::loadNetworkFile(networkPath);
  const uint32_t batch = uint32_t(o.integer("batch", 4, 1, 256));
  const uint32_t seed = uint32_t(o.integer("seed", 0, 0, 4294967295LL));
  analysis::GradientCheckOptions options;
  options.samples = uint32_t(o.integer("samples", 20, 1, 1000000));
  options.seed = seed;
  const auto conv = convOption(o);
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  gpu::Context context(contextOptions);
  train::requireDeviceFit({graph, batch, conv}, context.device());  // before any allocation
  nn::Network net(context, graph, batch, seed, conv);

  const std::string source = o.text("dataset", "gaussian");
  loadInputBatch(context, net, source, seed);
  if (source == "gaussian") {  // noise has no labels: random ones give the backward pass something
    std::mt19937 rng(seed);
    std::vector<uint32_t> labels(batch);
    for (auto& l : labels) l = rng() % std::max(net.classes(), 1u);
    net.labels().upload(labels.data(), labels.size() * 4);
  }
  const auto report = analysis::checkGradients(net, options);

  std::printf("%s on %s, batch %u, mean loss %.6g\n\n", graph.title.empty() ? networkPath.c_str() : graph.title.c_str(),
              source == "gaussian" ? "gaussian noise N(0,1)" : source.c_str(), batch, report.loss);
  if (const std::string c = convolutionSummary(net); !c.empty()) std::printf("%s\n\n", c.c_str());
  std::printf("%-12s %-16s %-8s %17s %11s %11s  %-16s %5s\n", "layer", "type", "tensor", "entries checked",
              "max rel err", "largest", "verdict", "kinks");
  for (const auto& t : report.tensors) {
    const std::string checked = std::to_string(t.checked) + "/" + std::to_string(t.entries);
    const std::string verdict =
        t.judged() ? std::string(t.passed() ? "pass, " : "FAIL, ") + analysis::bandName(t.band) : "no verdict";
    const char* note = !t.judged()        ? "  every entry crossed a kink: check more entries or another batch"
                       : t.onNetworkScale ? "  small gradients: judged on the network's scale"
                                          : "";
    char error[32] = "-";
    if (t.judged()) std::snprintf(error, sizeof error, "%.3g", t.maxRelativeError);
    std::printf("%-12s %-16s %-8s %17s %11s %11.3g  %-16s %5u%s\n", t.layer.c_str(), t.type.c_str(), t.tensor.c_str(),
                checked.c_str(), error, t.largestGradient, verdict.c_str(), t.kinks, note);
  }
  std::printf("\n");
  if (const uint32_t kinks = report.kinks())
    std::printf(
        "kinks: %u checked %s crossed a non-differentiable point (a ReLU's 0, a max-pool tie) even\n"
        "with a 16 times smaller step: left out of the verdict, not counted as errors\n",
        kinks, kinks == 1 ? "entry" : "entries");
  if (const uint32_t units = report.straddlingUnits)
    std::printf(
        "straddling: float32 put %u ReLU-like %s within rounding of 0 on the other side of it on\n"
        "the device: the finite differences are taken on the device's side\n",
        units, units == 1 ? "input" : "inputs");
  if (report.passed()) {
    std::printf("all %zu parameter tensors pass\n", report.tensors.size());
    return 0;
  }
  std::string layers;
  for (const auto& l : report.failedLayers()) layers += (layers.empty() ? "" : ", ") + l;
  std::printf("FAILED: the gradients of %s do not match the finite differences\n", layers.c_str());
  return 1;
}

}  // namespace gradlab::cli

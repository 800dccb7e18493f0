// gradlab-bench train: time per training step (forward, loss, backward, SGD update) of example
// networks at batch 64 on the Vulkan device, next to PyTorch's CPU step for the same network
// measured in the same run (1 and 2 threads), in alternating rounds, and the ratio.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "train/step_profile.h"
#include "train/training_session.h"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <sstream>

namespace gradlab::bench {
namespace {

// The network as a torch.nn.Sequential, for chains of the layers the peer needs; empty otherwise.
std::string torchModel(const nn::Graph& graph) {
  const nn::GraphAnalysis a = nn::analyze(graph);
  std::ostringstream out;
  out << "torch.nn.Sequential(";
  std::string previous = graph.inputs[0].name;
  for (size_t i : a.order) {
    const nn::Node& n = graph.nodes[i];
    const nn::NodeInfo& info = a.nodes[i];
    if (n.inputs.size() != 1 || n.inputs[0] != previous) return "";
    previous = n.name;
    const auto& p = info.params;
    if (n.type == "Linear")
      out << "torch.nn.Linear(" << info.inputShapes[0].elements() << "," << p.integer("out_features") << "),";
    else if (n.type == "Conv2d")
      out << "torch.nn.Conv2d(" << info.inputShapes[0].channels() << "," << p.integer("out_channels") << ","
          << p.integer("kernel_size") << ",stride=" << p.integer("stride") << ",padding=" << p.integer("padding")
          << "),";
    else if (n.type == "AvgPool2d")
      out << "torch.nn.AvgPool2d(" << p.integer("kernel_size") << "),";
    else if (n.type == "MaxPool2d")
      out << "torch.nn.MaxPool2d(" << p.integer("kernel_size") << "),";
    else if (n.type == "ReLU")
      out << "torch.nn.ReLU(),";
    else if (n.type == "Tanh")
      out << "torch.nn.Tanh(),";
    else if (n.type == "Flatten")
      out << "torch.nn.Flatten(),";
    else if (n.type == "CrossEntropyLoss")
      continue;
    else
      return "";
  }
  out << ")";
  return out.str();
}

// A PyTorch process holding the network, its SGD optimizer and a batch, warmed up (returned once
// it says so, so that its start does not overlap a timing); each line "N" it reads makes it time
// N steps and answer the milliseconds per step. No peer (nullptr) without a model.
std::unique_ptr<PythonPeer> torchPeer(const std::string& model, const nn::Shape& input, uint32_t batch, int threads) {
  if (model.empty()) return nullptr;
  std::ostringstream s;
  s << "import sys, time, torch\ntorch.set_num_threads(" << threads << ")\ntorch.manual_seed(0)\n"
    << "m = " << model << "\nopt = torch.optim.SGD(m.parameters(), lr=0.01)\nloss_fn = torch.nn.CrossEntropyLoss()\n"
    << "x = torch.rand(" << batch;
  for (uint32_t d : input.dims) s << "," << d;
  s << ")\ny = torch.randint(0, 10, (" << batch
    << ",))\n"
       "def step():\n    opt.zero_grad()\n    loss_fn(m(x), y).backward()\n    opt.step()\n"
       "for _ in range(20): step()\nprint('ready', flush=True)\n"
       "for line in sys.stdin:\n    n = int(line)\n    t0 = time.perf_counter()\n"
       "    for _ in range(n): step()\n    print((time.perf_counter() - t0) / n * 1000, flush=True)\n";
  const std::string threadsText = std::to_string(threads);
  auto peer =
      std::make_unique<PythonPeer>(s.str(), std::vector<std::pair<std::string, std::string>>{
                                                {"OMP_NUM_THREADS", threadsText}, {"OMP_WAIT_POLICY", "PASSIVE"}});
  peer->answer();  // "ready", or nothing from a peer without torch (its timings are then -1)
  return peer;
}

// Milliseconds per step the peer measures over `steps` steps, or -1 without one.
double peerStepMs(PythonPeer* peer, uint32_t steps) {
  if (!peer) return -1;
  const std::string answer = peer->ask(std::to_string(steps));
  try {
    return answer.empty() ? -1 : std::stod(answer);
  } catch (...) {
    return -1;
  }
}

// Profiling mode (train/step_profile.h): the time of each pass, printed under the step time; the
// rest of the step (batch assembly, loss metrics, the dependencies between them) is what the step
// takes beyond their sum.
void printProfile(nn::Network& net, double stepMs) {
  const train::StepProfile profile = train::profileStep(net);
  if (!profile.unavailable.empty()) {
    std::printf("    profile: %s\n", profile.unavailable.c_str());
    return;
  }
  double sum = 0;
  for (const train::PassTime& pass : profile.passes) {
    std::printf("    %-30s %8.3f ms\n", pass.label.c_str(), pass.milliseconds);
    sum += pass.milliseconds;
  }
  std::printf("    %-30s %8.3f ms (%u dispatches timed above)\n", "rest of the step", std::max(stepMs - sum, 0.0),
              profile.dispatches);
}

}  // namespace

int trainBenchmark(const std::vector<std::string>& args) {
  cli::Arguments o("train",
                   {{"networks", "FILE,...", "network files (default: the MLP 784-256-256-10 and LeNet-5 examples)"},
                    {"batch", "N", "batch size (default 64)"},
                    {"steps", "N", "timed steps per network and round (default 200)"},
                    {"rounds", "N", "rounds of timings, GradLab's and PyTorch's in turn (default 5)"},
                    {"device", "INDEX|NAME", "Vulkan device"},
                    {"no-peer", "", "do not run PyTorch beside"},
                    {"profile", "", "also print milliseconds per layer, forward and backward (timestamps)"},
                    {"breakdown", "", "the same as --profile"},
                    {"help", "", "show this help"}},
                   args);
  if (o.has("help")) {
    std::cout << "usage: gradlab-bench train [options]\n\n" << o.usage();
    return 0;
  }
  const std::vector<std::string> files = networkFiles(o);
  const uint32_t batch = uint32_t(o.integer("batch", 64, 1, 4096));
  const uint32_t steps = uint32_t(o.integer("steps", 200, 10, 100000));
  const int rounds = int(o.integer("rounds", 5, 1, 100));
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  contextOptions.validation = gpu::Validation::Off;
  gpu::Context context(contextOptions);
  const data::Dataset images = benchmarkImages(batch * 64);
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::cout << "GradLab training-step benchmark, " << date << ", batch " << batch << ", SGD\n"
            << "device: " << context.device().name << " (" << gpu::deviceTypeName(context.device().type) << ", "
            << context.device().driverName << ", kernels " << gpu::kernelVariantName(context.kernelVariant()) << ")\n"
            << "data: " << images.name << "\n\n";
  // Each round times GradLab, then PyTorch with 1 and 2 threads, back to back, so that all three
  // meet the same state of a machine whose speed drifts; a round's ratio is GradLab's time over
  // PyTorch's faster one. The table shows medians over the rounds and the range of the ratio.
  std::printf("%-24s %12s %14s %14s %14s %16s\n", "network", "GradLab ms", "torch 1t ms", "torch 2t ms", "GradLab/best",
              "range");
  for (const auto& file : files) {
    const nn::Graph graph = nn::loadNetworkFile(file);
    const std::string name = graph.title.empty() ? std::filesystem::path(file).stem().string() : graph.title;
    std::unique_ptr<train::TrainingSession> session;
    try {
      train::TrainingOptions options;
      options.batch = batch;
      options.learningRate = 0.01;
      session = std::make_unique<train::TrainingSession>(context, graph, images, nullptr, options);
      session->train(20);  // pipelines compiled, caches warm
    } catch (const std::exception& e) {
      std::printf("%-24s %s\n", name.c_str(), e.what());
      continue;
    }
    const std::string model = o.has("no-peer") ? "" : torchModel(graph);
    const auto torch1 = torchPeer(model, graph.inputs[0].shape, batch, 1);
    const auto torch2 = torchPeer(model, graph.inputs[0].shape, batch, 2);
    std::vector<double> ours, t1s, t2s, ratios;
    for (int round = 0; round < rounds; ++round) {
      ours.push_back(millisecondsPer(steps, [&] { session->train(steps); }));
      const double t1 = peerStepMs(torch1.get(), 100), t2 = peerStepMs(torch2.get(), 100);
      if (t1 > 0) t1s.push_back(t1);
      if (t2 > 0) t2s.push_back(t2);
      const double peer = t1 > 0 && t2 > 0 ? std::min(t1, t2) : std::max(t1, t2);
      if (peer > 0) ratios.push_back(ours.back() / peer);
    }
    const double ms = median(ours);
    auto cell = [](double v, const char* suffix = "") {
      char text[32];
      std::snprintf(text, sizeof text, v < 0 ? "-" : "%.3f%s", v, suffix);
      return std::string(text);
    };
    std::string range = "-";
    if (!ratios.empty()) {
      char text[48];
      std::snprintf(text, sizeof text, "%.2f-%.2fx", *std::min_element(ratios.begin(), ratios.end()),
                    *std::max_element(ratios.begin(), ratios.end()));
      range = text;
    }
    std::printf("%-24s %12s %14s %14s %14s %16s\n", name.c_str(), cell(ms).c_str(), cell(median(t1s)).c_str(),
                cell(median(t2s)).c_str(), cell(median(ratios), "x").c_str(), range.c_str());
    if (o.has("profile") || o.has("breakdown")) printProfile(session->network(), ms);
    std::fflush(stdout);
  }
  return 0;
}

}  // namespace gradlab::bench

// gradlab-bench compare: what runs side by side cost. A set of N runs (N = 1, 2, 4) of one network
// at batch 64, differing in the learning rate, advances in lockstep (train::Lockstep, what the
// lab's train::Run and gradlab-cli compare drive), and as the lab's train::Run: the time per tick is
// held against N times the time per step of one run alone, timed in the same process in
// alternating rounds. The target is a set costing at most 1.1 x N x one run: the lockstep adds
// nothing beyond the runs' own work.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "data/idx_file.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "resource_directory.h"
#include "train/run.h"
#include "train/run_set.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <memory>
#include <random>
#include <sstream>

namespace gradlab::bench {
namespace {

constexpr double kTarget = 1.1;  // a set of N runs costs at most this times N runs alone

std::unique_ptr<train::TrainingSession> session(gpu::Context& context, const nn::Graph& graph,
                                                const data::Dataset& images, uint32_t batch, double lr) {
  train::TrainingOptions options;
  options.batch = batch;
  options.learningRate = lr;
  return std::make_unique<train::TrainingSession>(context, graph, images, nullptr, options);
}

// The lab's path: a train::Run of `n` runs (k at lr 0.002 k) with a limit of `ticks`, ready.
std::unique_ptr<train::Run> labRun(gpu::Context& context, const nn::Graph& graph,
                                   const std::shared_ptr<const data::Dataset>& images, uint32_t batch, uint32_t n,
                                   uint32_t ticks) {
  std::vector<train::RunConfig> members(n);
  for (uint32_t k = 0; k < n; ++k) {
    members[k].graph = graph;
    members[k].train = images;
    members[k].options.batch = batch;
    members[k].options.learningRate = 0.002 * (k + 1);
    members[k].maxSteps = ticks;
  }
  auto run = std::make_unique<train::Run>(context, std::move(members));
  if (!run->waitFor({train::RunState::Ready, train::RunState::Failed}, std::chrono::minutes(5)) ||
      run->state() == train::RunState::Failed)
    throw std::runtime_error("the run did not get ready: " + run->latest()->error);
  return run;
}

// Milliseconds per tick of `run` from Ready to its limit (snapshots published on the way), reset
// first when it trained before.
double labMsPerTick(train::Run& run, uint32_t ticks) {
  if (run.latest()->step > 0) {
    run.reset();
    if (!run.waitFor({train::RunState::Ready}, std::chrono::minutes(1))) throw std::runtime_error("reset hung");
  }
  return millisecondsPer(ticks, [&] {
    run.start();
    if (!run.waitFor({train::RunState::Finished, train::RunState::Stopped, train::RunState::Failed},
                     std::chrono::minutes(10)))
      throw std::runtime_error("the run did not finish");
  });
}

void printRow(const std::string& name, const char* path, uint32_t n, const std::vector<double>& tickMs,
              const std::vector<double>& aloneMs, const std::vector<double>& ratios) {
  const double ratio = median(ratios);
  char range[48];
  std::snprintf(range, sizeof range, "%.2f-%.2fx", *std::min_element(ratios.begin(), ratios.end()),
                *std::max_element(ratios.begin(), ratios.end()));
  std::printf("%-22s %-10s %5u %10.3f %10.3f %13.3f %8.2fx %13s %7s\n", name.c_str(), path, n, median(tickMs),
              median(aloneMs), n * median(aloneMs), ratio, range, ratio <= kTarget ? "met" : "missed");
  std::fflush(stdout);
}

std::vector<uint32_t> parseCounts(const std::string& text) {
  std::vector<uint32_t> counts;
  std::stringstream in(text);
  std::string item;
  while (std::getline(in, item, ',')) {
    const bool digits = !item.empty() && item.size() < 3 && std::all_of(item.begin(), item.end(), ::isdigit);
    const uint32_t n = digits ? uint32_t(std::stoul(item)) : 0;
    if (n < 1 || n > train::kMaxRunsInSet)
      throw cli::UsageError("--runs: '" + item + "' is not a number of runs from 1 to " +
                            std::to_string(train::kMaxRunsInSet) + ", e.g. --runs 1,2,4");
    counts.push_back(n);
  }
  return counts;
}

}  // namespace

data::Dataset benchmarkImages(uint32_t samples) {
  if (std::filesystem::exists(data::kFashionMnistDirectory)) return data::loadFashionMnist("train").head(samples);
  data::Dataset d;
  d.name = "random 28x28 images";
  d.sampleShape = nn::Shape{1, 28, 28};
  d.classes = 10;
  std::mt19937 rng(1);
  d.bytes.resize(size_t(samples) * 784);
  for (auto& b : d.bytes) b = uint8_t(rng());
  for (uint32_t i = 0; i < samples; ++i) d.labels.push_back(rng() % 10);
  return d;
}

std::vector<std::string> networkFiles(const cli::Arguments& options) {
  std::vector<std::string> files;
  if (options.has("networks")) {
    std::stringstream in(options.text("networks"));
    std::string f;
    while (std::getline(in, f, ',')) files.push_back(f);
  } else {
    for (const char* name : {"mlp_784_256_256_10.net", "lenet5.net"})
      files.push_back((app::resourceDirectory() / "networks" / name).string());
  }
  return files;
}

int compareBenchmark(const std::vector<std::string>& args) {
  cli::Arguments o("compare",
                   {{"networks", "FILE,...", "network files (default: the MLP 784-256-256-10 and LeNet-5 examples)"},
                    {"runs", "N,...", "run counts of the sets (default 1,2,4)"},
                    {"batch", "N", "batch size of every run (default 64)"},
                    {"steps", "N", "timed ticks per set and round, and steps of the run alone (default 20)"},
                    {"rounds", "N", "rounds of timings, the run alone and the set in turn (default 5)"},
                    {"device", "INDEX|NAME", "Vulkan device"},
                    {"help", "", "show this help"}},
                   args);
  if (o.has("help")) {
    std::cout << "usage: gradlab-bench compare [options]\n\n" << o.usage();
    return 0;
  }
  const std::vector<std::string> files = networkFiles(o);
  const std::vector<uint32_t> counts = parseCounts(o.has("runs") ? o.text("runs") : "1,2,4");
  const uint32_t batch = uint32_t(o.integer("batch", 64, 1, 4096));
  const uint32_t steps = uint32_t(o.integer("steps", 20, 5, 100000));
  const int rounds = int(o.integer("rounds", 5, 1, 100));
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  contextOptions.validation = gpu::Validation::Off;
  gpu::Context context(contextOptions);
  const auto images = std::make_shared<const data::Dataset>(benchmarkImages(batch * 64));
  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::cout << "GradLab runs-side-by-side benchmark, " << date << ", batch " << batch
            << ", SGD, run k at lr 0.002 x k\n"
            << "device: " << context.device().name << " (" << gpu::deviceTypeName(context.device().type) << ", "
            << context.device().driverName << ")\n"
            << "data: " << images->name << "; target: a tick of N runs within " << kTarget
            << " x N x one run alone\n\n";
  // The ratio is the median over rounds of a round's tick over N times that round's run alone (the
  // two meet the same machine state); the range shows how far the rounds spread. "lockstep" times
  // train::Lockstep::train alone; "train::Run" the lab's run from start to its limit, snapshots
  // published every 10 ticks on the way.
  std::printf("%-22s %-10s %5s %10s %10s %13s %9s %13s %7s\n", "network", "path", "runs", "tick ms", "alone ms",
              "N x alone ms", "ratio", "range", "target");
  for (const auto& file : files) {
    const nn::Graph graph = nn::loadNetworkFile(file);
    const std::string name = graph.title.empty() ? std::filesystem::path(file).stem().string() : graph.title;
    for (uint32_t n : counts) {
      std::unique_ptr<train::TrainingSession> alone;
      std::unique_ptr<train::Lockstep> set;
      std::unique_ptr<train::Run> labAlone, labSet;
      try {
        alone = session(context, graph, *images, batch, 0.002);
        std::vector<std::unique_ptr<train::TrainingSession>> sessions;
        std::vector<std::string> labels;
        for (uint32_t k = 0; k < n; ++k) {
          sessions.push_back(session(context, graph, *images, batch, 0.002 * (k + 1)));
          labels.push_back(std::string(1, char('A' + k)));
        }
        set = std::make_unique<train::Lockstep>(std::move(sessions), labels);
        alone->train(10);  // pipelines compiled, caches warm
        set->train(10);
        labAlone = labRun(context, graph, images, batch, 1, steps);
        labSet = labRun(context, graph, images, batch, n, steps);
      } catch (const std::exception& e) {
        std::printf("%-22s %-10s %5u %s\n", name.c_str(), "", n, e.what());
        continue;
      }
      // The run alone and the set in turn, so both meet the same state of a machine whose speed drifts.
      std::vector<double> aloneMs, tickMs, ratios, labAloneMs, labTickMs, labRatios;
      for (int round = 0; round < rounds; ++round) {
        aloneMs.push_back(millisecondsPer(steps, [&] { alone->train(steps); }));
        tickMs.push_back(millisecondsPer(steps, [&] { set->train(steps); }));
        ratios.push_back(tickMs.back() / (n * aloneMs.back()));
        labAloneMs.push_back(labMsPerTick(*labAlone, steps));
        labTickMs.push_back(labMsPerTick(*labSet, steps));
        labRatios.push_back(labTickMs.back() / (n * labAloneMs.back()));
      }
      // A run that stopped does no work: its set's time would flatter the lockstep.
      for (uint32_t k = 0; k < n; ++k)
        if (set->stopped(k) || labSet->latest(k)->state != train::RunState::Finished)
          std::printf("%-22s %-10s %5u run %c stopped on a value that is not finite\n", name.c_str(), "", n, 'A' + k);
      printRow(name, "lockstep", n, tickMs, aloneMs, ratios);
      printRow(name, "train::Run", n, labTickMs, labAloneMs, labRatios);
    }
  }
  return 0;
}

}  // namespace gradlab::bench

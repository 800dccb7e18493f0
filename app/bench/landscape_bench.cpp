// gradlab-bench landscape: the time of a loss-landscape grid (51 x 51 points by default) of the MLP
// 784-256-256-10 on 2048 Fashion-MNIST samples, on the Vulkan device, next to PyTorch's CPU time
// for the same points (weights set, forward over the samples, loss) measured in the same run. A
// device too slow for the whole grid within the time budget is timed on its first rows and the
// grid's time extrapolated (every point costs the same).
#include "analysis/loss_landscape.h"
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "data/idx_file.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "resource_directory.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <filesystem>
#include <iostream>
#include <sstream>

namespace gradlab::bench {
namespace {

// PyTorch's milliseconds per landscape point of the same MLP on `samples` random images (best of
// three timings of `points` points), or -1 when the peer is unavailable.
double torchPointMs(uint32_t samples, int threads, int points) {
  std::ostringstream s;
  s << "import time, torch\ntorch.set_num_threads(" << threads << ")\ntorch.manual_seed(0)\n"
    << "m = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(784,256), torch.nn.ReLU(), "
       "torch.nn.Linear(256,256), torch.nn.ReLU(), torch.nn.Linear(256,10)).eval()\n"
    << "x = torch.rand(" << samples << ",1,28,28)\ny = torch.randint(0, 10, (" << samples << ",))\n"
    << "c = [p.detach().clone() for p in m.parameters()]\n"
       "d = [torch.randn_like(p) for p in c]\ne = [torch.randn_like(p) for p in c]\n"
       "def point(a, b):\n    with torch.no_grad():\n"
       "        for p, c0, d0, e0 in zip(m.parameters(), c, d, e): p.copy_(c0 + a * d0 + b * e0)\n"
       "        return torch.nn.functional.cross_entropy(m(x), y).item()\n"
       "for _ in range(3): point(0.1, 0.2)\nbest = 1e9\n"
       "for _ in range(3):\n    t0 = time.perf_counter()\n"
    << "    for k in range(" << points << "): point(0.01 * k, -0.01 * k)\n"
    << "    best = min(best, (time.perf_counter() - t0) / " << points << ")\nprint(best * 1000)\n";
  const std::string out = runPython(s.str(), "OMP_NUM_THREADS=" + std::to_string(threads) + " OMP_WAIT_POLICY=PASSIVE");
  try {
    return out.empty() ? -1 : std::stod(out);
  } catch (...) {
    return -1;
  }
}

}  // namespace

int landscapeBenchmark(const std::vector<std::string>& args) {
  cli::Arguments o("landscape",
                   {{"grid", "N", "N x N points (default 51)"},
                    {"samples", "N", "Fashion-MNIST training samples per point (default 2048)"},
                    {"batch", "N", "samples per forward pass (default 256)"},
                    {"budget", "SECONDS", "time the grid for at most this long, then extrapolate (default 60)"},
                    {"device", "INDEX|NAME", "Vulkan device"},
                    {"no-peer", "", "do not run PyTorch beside"},
                    {"help", "", "show this help"}},
                   args);
  if (o.has("help")) {
    std::cout << "usage: gradlab-bench landscape [options]\n\n" << o.usage();
    return 0;
  }
  const uint32_t steps = uint32_t(o.integer("grid", 51, 1, 1001));
  const uint32_t samples = uint32_t(o.integer("samples", 2048, 1, 60000));
  const uint32_t batch = uint32_t(o.integer("batch", 256, 1, 8192));
  const double budget = o.number("budget", 60.0);
  if (!(budget > 0)) throw cli::UsageError("--budget must be a positive number of seconds");
  if (!std::filesystem::exists(data::kFashionMnistDirectory))
    throw std::runtime_error(std::string("Fashion-MNIST is not in ") + data::kFashionMnistDirectory +
                             ": install it with scripts/setup.sh (package dataset-fashion-mnist)");
  gpu::ContextOptions contextOptions;
  contextOptions.device = o.text("device");
  contextOptions.validation = gpu::Validation::Off;
  gpu::Context context(contextOptions);
  const data::Dataset images = data::loadFashionMnist("train").head(samples);
  const nn::Graph graph =
      nn::loadNetworkFile((app::resourceDirectory() / "networks" / "mlp_784_256_256_10.net").string());

  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::cout << "GradLab loss-landscape benchmark, " << date << ": MLP 784-256-256-10, " << steps << " x " << steps
            << " grid, " << images.size() << " Fashion-MNIST samples per point, batch " << batch << "\n"
            << "device: " << context.device().name << " (" << gpu::deviceTypeName(context.device().type) << ", "
            << context.device().driverName << ", kernels " << gpu::kernelVariantName(context.kernelVariant())
            << ")\n\n";

  const auto clock = [] { return std::chrono::steady_clock::now(); };
  const auto since = [](auto start) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  auto start = clock();
  nn::Network net(context, graph, batch, 0);
  analysis::LossLandscape landscape(net, images, data::NormalizationTable::compute(images, data::Normalization::None),
                                    samples);
  const analysis::ParamVector theta = analysis::readParameters(net);
  landscape.setDirections(analysis::filterNormalizedDirection(net, theta, 1),
                          analysis::filterNormalizedDirection(net, theta, 2));
  landscape.grid(analysis::GridSpec::square(1, 1));  // kernels compiled, caches warm
  const double setup = since(start);

  // Points until the budget is spent.
  start = clock();
  analysis::RunControl control;
  control.progress = [&](size_t, size_t) { return since(start) < budget; };
  const auto grid = landscape.grid(analysis::GridSpec::square(1, steps), control);
  const double seconds = since(start);
  const size_t measured = grid.values.size(), total = size_t(steps) * steps;
  const double perPoint = seconds / measured, gridSeconds = perPoint * total;

  std::printf("setup (dataset upload, recording, first point): %.2f s\n\n", setup);
  std::printf("%-28s %10s %12s %12s %16s\n", "", "points", "seconds", "points/s", "grid seconds");
  std::printf("%-28s %10zu %12.2f %12.1f %15.2f%s\n", "GradLab", measured, seconds, measured / seconds, gridSeconds,
              measured < total ? "*" : "");
  if (!o.has("no-peer"))
    for (int threads : {1, 2}) {
      const int points = 10;
      const double ms = torchPointMs(samples, threads, points);
      char label[40];
      std::snprintf(label, sizeof label, "PyTorch CPU, %d thread%s", threads, threads > 1 ? "s" : "");
      if (ms < 0)
        std::printf("%-28s %10s\n", label, "unavailable");
      else
        std::printf("%-28s %10d %12.2f %12.1f %15.2f*\n", label, points, ms * points / 1000, 1000 / ms,
                    ms * total / 1000);
    }
  if (measured < total) std::printf("\n* extrapolated from the points measured (every point costs the same)\n");
  std::printf("\nGoal on a GPU: the %zu-point grid in <= 2 s.\n", total);
  return 0;
}

}  // namespace gradlab::bench

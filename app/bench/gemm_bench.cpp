// gradlab-bench gemm: GFLOP/s of both GEMM kernel variants at square sizes, dispatch overhead and
// submit latency, with PyTorch's CPU matmul (1 and 2 threads) measured in the same run.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "ops/elementwise.h"
#include "ops/gemm.h"
#include "ops/gemm_plan.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <iostream>
#include <map>
#include <random>
#include <sstream>

namespace gradlab::bench {
namespace {

using Clock = std::chrono::steady_clock;

double seconds(Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// Seconds for one run of `rec` (best of `trials`).
double timeRuns(gpu::Context& context, gpu::Recording& rec, int trials) {
  double best = 1e30;
  for (int t = 0; t < trials; ++t) {
    const auto start = Clock::now();
    context.run(rec);
    best = std::min(best, seconds(Clock::now() - start));
  }
  return best;
}

double gemmGflops(gpu::Context& context, gpu::KernelVariant variant, const ops::GemmShape& shape, double budgetSeconds,
                  double* estimatedSeconds) {
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> uniform(-1, 1);
  auto random = [&](size_t n) {
    std::vector<float> host(n);
    for (float& v : host) v = uniform(rng);
    return host;
  };
  const auto hostA = random(size_t(shape.M) * shape.K), hostB = random(size_t(shape.K) * shape.N);
  gpu::Buffer a(context, hostA.size() * 4), b(context, hostB.size() * 4), c(context, size_t(shape.M) * shape.N * 4);
  a.upload(std::span<const float>(hostA));
  b.upload(std::span<const float>(hostB));
  // A long K is split, as the layers do it.
  gpu::Buffer scratch(context, std::max<uint64_t>(ops::gemmScratchFloats(context, shape, variant), 1) * 4);

  gpu::Recording once(context);
  ops::gemm(once, shape, a, b, c, variant, scratch);
  context.run(once);  // compiles the pipeline, warms caches
  const double single = timeRuns(context, once, 1);
  *estimatedSeconds = single;
  if (single > budgetSeconds) return -1;
  const int reps = std::clamp(int(0.4 / std::max(single, 1e-6)), 1, 200);
  gpu::Recording many(context);
  for (int r = 0; r < reps; ++r) ops::gemm(many, shape, a, b, c, variant, scratch);
  const double t = timeRuns(context, many, 3) / reps;
  return 2.0 * shape.M * double(shape.N) * shape.K / t * 1e-9;
}

std::map<std::pair<int, uint32_t>, double> torchGflops(const std::vector<uint32_t>& sizes) {
  std::map<std::pair<int, uint32_t>, double> out;
  for (int threads : {1, 2}) {
    std::ostringstream s;
    s << "import time, torch\ntorch.set_num_threads(" << threads << ")\n"
      << "for n in [";
    for (size_t i = 0; i < sizes.size(); ++i) s << (i ? "," : "") << sizes[i];
    s << "]:\n"
         "    a = torch.rand(n, n) * 2 - 1; b = torch.rand(n, n) * 2 - 1\n"
         "    torch.mm(a, b)\n"
         "    t0 = time.perf_counter(); reps = 0\n"
         "    while time.perf_counter() - t0 < 0.4 or reps < 3:\n"
         "        torch.mm(a, b); reps += 1\n"
         "    dt = (time.perf_counter() - t0) / reps\n"
         "    print(n, 2.0 * n**3 / dt * 1e-9)\n";
    const std::string text =
        runPython(s.str(), "OMP_NUM_THREADS=" + std::to_string(threads) + " OMP_WAIT_POLICY=PASSIVE");
    std::istringstream in(text);
    uint32_t n;
    double g;
    while (in >> n >> g) out[{threads, n}] = g;
  }
  return out;
}

std::string cell(double gflops) {
  char text[32];
  if (gflops < 0) return "skipped";
  std::snprintf(text, sizeof text, "%.2f", gflops);
  return text;
}

// "MxNxK" with an optional suffix of transposes: "nt" = op(B) transposed, "tn", "tt".
ops::GemmShape parseShape(const std::string& text) {
  ops::GemmShape s;
  char t[3] = {'n', 'n', 0};
  if (std::sscanf(text.c_str(), "%ux%ux%u%2c", &s.M, &s.N, &s.K, t) < 3 || !s.M || !s.N || !s.K ||
      (t[0] != 'n' && t[0] != 't') || (t[1] != 'n' && t[1] != 't'))
    throw cli::UsageError("--shapes takes MxNxK with an optional nt, tn or tt (e.g. 64x256x784nt), not " + text);
  s.transA = t[0] == 't';
  s.transB = t[1] == 't';
  return s;
}

// The GEMMs of a batch-64 training step of the benchmark networks (gradlab-bench train).
const char* kTrainingShapes =
    "64x256x784nt,256x784x64tn,64x256x256nt,256x256x64tn,64x256x256nn,64x10x256nt,10x256x64tn,64x256x10nn,"
    "6x50176x25nn,6x25x50176nt,16x6400x150nn,16x150x6400nt,150x6400x16tn";

// GFLOP/s of each variant on arbitrary shapes (no peer: PyTorch's step times are the comparison).
int shapeTable(gpu::Context& context, const std::vector<gpu::KernelVariant>& variants, const std::string& list,
               double budget) {
  std::printf("%-16s", "MxNxK op");
  for (auto v : variants) std::printf(" %14s %9s", (std::string(gpu::kernelVariantName(v)) + " GF/s").c_str(), "ms");
  std::printf("\n");
  std::stringstream in(list == "training" ? kTrainingShapes : list);
  std::string item;
  while (std::getline(in, item, ',')) {
    const ops::GemmShape shape = parseShape(item);
    std::printf("%-16s", item.c_str());
    for (auto v : variants) {
      double estimate = 0;
      const double g = gemmGflops(context, v, shape, budget, &estimate);
      std::printf(" %14s %9.3f", cell(g).c_str(), g > 0 ? 2.0 * shape.M * double(shape.N) * shape.K / g * 1e-6 : -1.0);
      std::fflush(stdout);
    }
    std::printf("\n");
  }
  return 0;
}

std::string profileNamesText() {
  std::string names;
  for (const std::string& n : gpu::deviceProfileNames()) names += (names.empty() ? "" : ", ") + n;
  return names;
}

// The plan of each GEMM of `list` for `profile`: what the kernels would do on that device.
int planTable(const ops::DeviceProfile& profile, const std::string& list) {
  std::printf("GEMM plans for %s: %u compute units (%s), %u bytes of shared memory per work group, subgroup %u\n\n",
              profile.name.c_str(), profile.computeUnits, profile.computeUnitsSource.c_str(), profile.sharedMemoryBytes,
              profile.subgroupSize);
  std::printf("%-16s %-9s %-15s %-8s %6s %8s %8s %9s %-24s %9s  %s\n", "MxNxK op", "family", "tile", "per inv", "split",
              "k/slice", "groups", "groups/CU", "resident/CU (limit)", "occupancy", "why fewer than 2 groups per CU");
  std::stringstream in(list == "training" ? std::string(kTrainingShapes) + ",4096x4096x4096" : list);
  std::string item;
  while (std::getline(in, item, ',')) {
    const ops::GemmShape shape = parseShape(item);
    const ops::GemmPlan plan = ops::planGemm(shape, profile);
    const bool tiled = plan.family == ops::GemmFamily::Tiled;
    const std::string perInvocation =
        std::to_string(plan.tile.rowsPerInvocation) + "x" + std::to_string(plan.tile.colsPerInvocation);
    const std::string resident = std::to_string(plan.residentPerUnit) + " (" + plan.residentLimit + ")";
    std::printf("%-16s %-9s %-15s %-8s %6u %8u %8llu %9.2f %-24s %8.0f%%  %s\n", item.c_str(),
                tiled ? "tiled" : "registers", plan.tile.name().c_str(), perInvocation.c_str(), plan.slices,
                plan.kSlice, static_cast<unsigned long long>(plan.workGroups), plan.workGroupsPerUnit,
                tiled ? resident.c_str() : "1 (per CPU thread)", 100 * plan.occupancy, plan.note.c_str());
  }
  std::printf(
      "\nresident/CU: work groups a compute unit holds at once, and what limits it: registers (~%u per invocation\n"
      "of 128x128, %u of 64x64, %u of 32x32; %u per unit), shared memory (%u bytes per unit), invocations (%u),\n"
      "work-group slots (%u) (estimate)\n"
      "occupancy: the share of the device's resident work-group slots the GEMM's waves fill (estimate)\n",
      ops::tiledRegistersPerInvocation(ops::tiledConfigs()[0]),
      ops::tiledRegistersPerInvocation(ops::tiledConfigs()[2]),
      ops::tiledRegistersPerInvocation(ops::tiledConfigs()[3]), profile.registersPerUnit,
      profile.sharedMemoryPerUnit ? profile.sharedMemoryPerUnit : profile.sharedMemoryBytes,
      profile.maxInvocationsPerUnit, profile.maxWorkGroupsPerUnit);
  return 0;
}

}  // namespace

int gemmBenchmark(const std::vector<std::string>& args) {
  cli::Arguments options(
      "gemm",
      {{"sizes", "N,N,...", "square sizes M=N=K (default 256,512,1024,2048)"},
       {"shapes", "LIST", "instead: MxNxK[nt|tn|tt],... or 'training' (the GEMMs of gradlab-bench train)"},
       {"plan", "PROFILE",
        "print the plan of each GEMM of --shapes (default: training and 4096^3) for a device profile (" +
            profileNamesText() + ") and run nothing"},
       {"variants", "LIST", "kernel variants: tiled,registers (default both)"},
       {"device", "INDEX|NAME", "Vulkan device (default: GRADLAB_DEVICE, else the best)"},
       {"budget", "SECONDS", "skip a size whose single GEMM takes longer than this (default 20)"},
       {"no-peer", "", "do not run PyTorch beside"},
       {"help", "", "show this help"}},
      args);
  if (options.has("help")) {
    std::cout << "usage: gradlab-bench gemm [options]\n\n" << options.usage();
    return 0;
  }
  std::vector<uint32_t> sizes;
  for (long long n : options.integerList("sizes", {256, 512, 1024, 2048}, 1, 8192)) sizes.push_back(uint32_t(n));
  std::vector<gpu::KernelVariant> variants;
  {
    std::string list = options.text("variants", "registers,tiled");
    std::stringstream in(list);
    std::string item;
    while (std::getline(in, item, ',')) {
      const gpu::KernelVariant v = gpu::parseKernelVariant(item);
      if (v == gpu::KernelVariant::Auto) throw cli::UsageError("--variants takes tiled and/or registers");
      variants.push_back(v);
    }
  }
  const double budget = options.number("budget", 20.0);
  if (options.has("plan")) {
    try {
      return planTable(ops::namedProfile(options.text("plan")), options.text("shapes", "training"));
    } catch (const std::invalid_argument& e) {
      throw cli::UsageError(e.what());
    }
  }

  gpu::ContextOptions contextOptions;
  contextOptions.device = options.text("device");
  contextOptions.validation = gpu::Validation::Off;  // benchmarks measure the driver, not the layer
  gpu::Context context(contextOptions);
  const auto& device = context.device();
  if (options.has("shapes")) return shapeTable(context, variants, options.text("shapes"), budget);

  char date[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(date, sizeof date, "%Y-%m-%d", std::gmtime(&now));
  std::cout << "GradLab GEMM benchmark, " << date << "\n"
            << "device: " << device.name << " (" << gpu::deviceTypeName(device.type) << ", " << device.driverName << " "
            << device.driverInfo << "), default variant: " << gpu::kernelVariantName(context.kernelVariant()) << "\n\n";

  std::map<std::pair<int, uint32_t>, double> peer;
  if (!options.has("no-peer")) peer = torchGflops(sizes);
  const bool havePeer = !peer.empty();

  std::printf("%-8s", "M=N=K");
  for (auto v : variants) std::printf(" %14s", (std::string(gpu::kernelVariantName(v)) + " GF/s").c_str());
  if (havePeer) std::printf(" %14s %14s %12s", "torch 1t GF/s", "torch 2t GF/s", "best/torch2t");
  std::printf("\n");
  std::map<gpu::KernelVariant, double> lastEstimate;
  double lastSize = 1;
  for (uint32_t n : sizes) {
    std::printf("%-8u", n);
    double best = 0;
    for (auto v : variants) {
      // Skip without trying when the last size predicts far over budget (GEMM is cubic).
      const double predicted = lastEstimate.count(v) ? lastEstimate[v] * std::pow(double(n) / lastSize, 3) : 0;
      double estimate = 0, g = -1;
      ops::GemmShape shape;
      shape.M = shape.N = shape.K = n;
      if (predicted <= budget) g = gemmGflops(context, v, shape, budget, &estimate);
      lastEstimate[v] = g < 0 ? 1e9 : estimate;
      best = std::max(best, g);
      std::printf(" %14s", cell(g).c_str());
      std::fflush(stdout);
    }
    if (havePeer) {
      const double t1 = peer.count({1, n}) ? peer[{1, n}] : -1, t2 = peer.count({2, n}) ? peer[{2, n}] : -1;
      std::printf(" %14s %14s %12s", cell(t1).c_str(), cell(t2).c_str(),
                  t2 > 0 && best > 0 ? (cell(best / t2) + "x").c_str() : "-");
    }
    std::printf("\n");
    lastSize = n;
  }
  if (!havePeer && !options.has("no-peer"))
    std::printf("(PyTorch peer not available: install python3-torch and libopenblas0-pthread)\n");

  // Overheads, measured with the smallest kernel there is.
  gpu::Buffer tiny(context, 256);
  gpu::Recording one(context);
  ops::fill(one, tiny, 64, 1.0f);
  context.run(one);
  std::vector<double> latencies;
  for (int i = 0; i < 200; ++i) {
    const auto start = Clock::now();
    context.run(one);
    latencies.push_back(seconds(Clock::now() - start));
  }
  std::sort(latencies.begin(), latencies.end());
  constexpr int kDispatches = 1000;
  gpu::Recording chain(context);
  for (int i = 0; i < kDispatches; ++i) ops::fill(chain, tiny, 64, float(i));
  context.run(chain);
  const double chainSeconds = timeRuns(context, chain, 5);
  std::printf("\ndispatch overhead: %.1f us per dependent dispatch in one command buffer (%d dispatches)\n",
              (chainSeconds - latencies[100]) / (kDispatches - 1) * 1e6, kDispatches);
  std::printf("submit + wait:     %.1f us median, %.1f us p90 (one tiny dispatch, 200 runs)\n", latencies[100] * 1e6,
              latencies[180] * 1e6);
  return 0;
}

}  // namespace gradlab::bench

// gradlab-bench: GradLab's benchmarks, each a table measured next to a peer in the same run.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "gpu/error.h"

#include <iostream>

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  struct Entry {
    const char* name;
    const char* summary;
    int (*run)(const std::vector<std::string>&);
  };
  static const Entry entries[] = {
      {"gemm", "GEMM GFLOP/s per kernel variant, dispatch overhead, submit latency; PyTorch beside",
       gradlab::bench::gemmBenchmark},
      {"train", "milliseconds per training step of example networks; PyTorch CPU beside",
       gradlab::bench::trainBenchmark},
      {"landscape", "seconds for a 51x51 loss-landscape grid of the MLP 784-256-256-10 on 2048 samples; PyTorch beside",
       gradlab::bench::landscapeBenchmark},
      {"compare", "milliseconds per lockstep tick of 1, 2 and 4 runs side by side vs N runs alone",
       gradlab::bench::compareBenchmark},
      {"fftconv", "milliseconds of a convolution forward pass, direct vs FFT, over kernel sizes; the crossover",
       gradlab::bench::fftConvBenchmark},
#ifdef GRADLAB_BENCH_UI
      {"ui-latency", "the lab window's event-loop latency while the default demo trains (p50/p99)",
       gradlab::bench::uiLatencyBenchmark},
#endif
  };
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    (args.empty() ? std::cerr : std::cout) << "usage: gradlab-bench BENCHMARK [options]\n\nbenchmarks:\n";
    for (const Entry& e : entries)
      (args.empty() ? std::cerr : std::cout) << "  " << e.name << "    " << e.summary << "\n";
    return args.empty() ? 2 : 0;
  }
  for (const Entry& e : entries) {
    if (args[0] != e.name) continue;
    try {
      return e.run({args.begin() + 1, args.end()});
    } catch (const gradlab::cli::UsageError& error) {
      std::cerr << "gradlab-bench " << e.name << ": " << error.what() << "\n";
      return 2;
    } catch (const std::exception& error) {
      std::cerr << "gradlab-bench " << e.name << ": " << error.what() << "\n";
      return 1;
    }
  }
  std::cerr << "gradlab-bench: unknown benchmark '" << args[0] << "' (accepted:";
  for (const Entry& e : entries) std::cerr << " " << e.name;
  std::cerr << ")\n";
  return 2;
}

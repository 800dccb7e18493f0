// gradlab-bench fftconv: milliseconds of one convolution forward pass, direct (the Conv2d layer:
// im2col + GEMM) against the FFT (fft/fft_conv2d.h), over kernel sizes at "same" padding, and the
// smallest kernel from which the FFT is faster.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "fft/fft_conv2d.h"
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/layer.h"
#include "nn/network_text.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>

namespace gradlab::bench {
namespace {

using Clock = std::chrono::steady_clock;

struct Setup {
  uint32_t batch, in, out, size;
};

std::vector<float> randomFloats(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> uniform(-1, 1);
  std::vector<float> v(n);
  for (float& x : v) x = uniform(rng);
  return v;
}

// Milliseconds per recorded pass: one warm-up run, then the best of 3 runs of `reps` passes.
template <class Record>
double millisecondsPerPass(gpu::Context& context, Record record) {
  gpu::Recording once(context);
  record(once);
  const auto start = Clock::now();
  context.run(once);  // compiles pipelines, warms caches
  const double single = std::chrono::duration<double>(Clock::now() - start).count();
  const int reps = std::clamp(int(0.3 / std::max(single, 1e-6)), 1, 50);
  gpu::Recording many(context);
  for (int r = 0; r < reps; ++r) record(many);
  double best = 1e30;
  for (int t = 0; t < 3; ++t) {
    const auto t0 = Clock::now();
    context.run(many);
    best = std::min(best, std::chrono::duration<double>(Clock::now() - t0).count());
  }
  return best / reps * 1e3;
}

double directMilliseconds(gpu::Context& context, const Setup& s, uint32_t k) {
  const std::string text = "input x: " + std::to_string(s.in) + "x" + std::to_string(s.size) + "x" +
                           std::to_string(s.size) + "\nc = Conv2d(x, out_channels=" + std::to_string(s.out) +
                           ", kernel_size=" + std::to_string(k) + ", padding=" + std::to_string(k / 2) + ")\n";
  const auto parsed = nn::parseNetwork(text);
  if (!parsed.ok()) throw std::runtime_error(parsed.errors[0].text());
  const nn::GraphAnalysis analysis = nn::analyze(parsed.graph);
  const nn::NodeInfo& info = analysis.nodes.back();
  const auto layer = nn::createLayer(info);
  auto buffer = [&](uint64_t floats, uint32_t seed) {
    auto b = std::make_unique<gpu::Buffer>(context, std::max<uint64_t>(floats, 1) * 4);
    b->upload(std::span<const float>(randomFloats(floats, seed)));
    return b;
  };
  const auto x = buffer(uint64_t(s.batch) * info.inputShapes[0].elements(), 1);
  const auto y = buffer(uint64_t(s.batch) * info.shape.output.elements(), 2);
  const auto workspace = buffer(layer->workspaceFloats(s.batch), 3);
  std::vector<std::unique_ptr<gpu::Buffer>> params;
  for (const auto& p : info.shape.params) params.push_back(buffer(p.shape.elements(), 4));
  return millisecondsPerPass(context, [&](gpu::Recording& rec) {
    nn::ForwardPass pass{rec};
    pass.batch = s.batch;
    pass.training = false;
    pass.inputs = {*x};
    pass.output = *y;
    for (const auto& p : params) pass.params.push_back(*p);
    pass.workspace = *workspace;
    layer->forward(pass);
  });
}

double fftMilliseconds(gpu::Context& context, const Setup& s, uint32_t k, double* planSeconds) {
  const auto start = Clock::now();
  fft::FftConv2d conv(context, {s.batch, s.in, s.out, s.size, s.size, k, k / 2});
  *planSeconds = std::chrono::duration<double>(Clock::now() - start).count();
  const uint32_t outSize = conv.shape().outHeight();
  gpu::Buffer x(context, uint64_t(s.batch) * s.in * s.size * s.size * 4);
  gpu::Buffer w(context, uint64_t(s.out) * s.in * k * k * 4), b(context, s.out * 4);
  gpu::Buffer y(context, uint64_t(s.batch) * s.out * outSize * outSize * 4);
  x.upload(std::span<const float>(randomFloats(x.bytes() / 4, 1)));
  w.upload(std::span<const float>(randomFloats(w.bytes() / 4, 4)));
  b.upload(std::span<const float>(randomFloats(b.bytes() / 4, 5)));
  return millisecondsPerPass(context, [&](gpu::Recording& rec) { conv.recordForward(rec, x, w, b, y); });
}

}  // namespace

int fftConvBenchmark(const std::vector<std::string>& args) {
  cli::Arguments options("fftconv",
                         {{"kernels", "K,K,...", "kernel sizes, padding K/2 (default 3,5,7,9,11,15)"},
                          {"batch", "N", "samples (default 16)"},
                          {"channels", "C", "input and output channels (default 8)"},
                          {"size", "S", "image side (default 64)"},
                          {"device", "INDEX|NAME", "Vulkan device (default: GRADLAB_DEVICE, else the best)"},
                          {"help", "", "show this help"}},
                         args);
  if (options.has("help")) {
    std::cout << "usage: gradlab-bench fftconv [options]\n\n" << options.usage();
    return 0;
  }
  const Setup s{uint32_t(options.integer("batch", 16, 1, 4096)), uint32_t(options.integer("channels", 8, 1, 1024)),
                uint32_t(options.integer("channels", 8, 1, 1024)), uint32_t(options.integer("size", 64, 1, 4096))};
  const auto kernels = options.integerList("kernels", {3, 5, 7, 9, 11, 15}, 1, 255);

  gpu::ContextOptions contextOptions;
  contextOptions.device = options.text("device");
  contextOptions.validation = gpu::Validation::Off;  // benchmarks measure the driver, not the layer
  gpu::Context context(contextOptions);
  std::cout << "device: " << context.device().name << "\nconvolution forward, batch " << s.batch << ", " << s.in << "->"
            << s.out << " channels, " << s.size << "x" << s.size << ", padding k/2 (ms per pass)\n\n";
  std::printf("%6s %12s %12s %10s %12s %10s\n", "kernel", "direct ms", "fft ms", "fft/direct", "transform", "plan s");
  long long crossover = -1;
  for (long long k : kernels) {
    double planSeconds = 0;
    const double direct = directMilliseconds(context, s, uint32_t(k));
    const double viaFft = fftMilliseconds(context, s, uint32_t(k), &planSeconds);
    const uint32_t side = fft::fftFriendlySize(s.size + 2 * uint32_t(k / 2));
    std::printf("%6lld %12.2f %12.2f %10.2f %7ux%-4u %10.2f\n", k, direct, viaFft, viaFft / direct, side, side,
                planSeconds);
    std::fflush(stdout);
    if (viaFft < direct && crossover < 0) crossover = k;
    if (viaFft >= direct) crossover = -1;  // the crossover is where the FFT stays faster
  }
  if (crossover > 0)
    std::cout << "\ncrossover: the FFT is faster from kernel size " << crossover << " on\n";
  else
    std::cout << "\ncrossover: the FFT is not faster at the largest kernel measured\n";
  return 0;
}

}  // namespace gradlab::bench

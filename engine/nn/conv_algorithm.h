#pragma once
// How Conv2d layers compute: im2col + GEMM ("direct"), through the FFT ("fft", stride 1 and
// dilation 1 only), or the faster of the two for each layer ("auto").
#include <optional>
#include <string>

namespace gradlab::nn {

enum class ConvAlgorithm { Auto, Direct, Fft };

// Auto takes the FFT from this kernel size on: the crossover measured on lavapipe with
// `gradlab-bench fftconv` (docs/BENCHMARK_DIARY.md, "FFT convolution crossover").
constexpr unsigned kFftCrossoverKernel = 7;

// "auto", "direct" or "fft"; throws std::invalid_argument naming the accepted values.
ConvAlgorithm parseConvAlgorithm(const std::string& text);
std::string convAlgorithmName(ConvAlgorithm algorithm);
// The environment's choice, GRADLAB_CONV, else Auto; throws like parseConvAlgorithm for a bad value.
ConvAlgorithm defaultConvAlgorithm();
// `chosen`, or defaultConvAlgorithm() when unset.
inline ConvAlgorithm convAlgorithmOr(const std::optional<ConvAlgorithm>& chosen) {
  return chosen ? *chosen : defaultConvAlgorithm();
}

}  // namespace gradlab::nn

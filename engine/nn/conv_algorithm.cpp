#include "nn/conv_algorithm.h"

#include <cstdlib>
#include <stdexcept>

namespace gradlab::nn {

ConvAlgorithm parseConvAlgorithm(const std::string& text) {
  if (text == "auto") return ConvAlgorithm::Auto;
  if (text == "direct") return ConvAlgorithm::Direct;
  if (text == "fft") return ConvAlgorithm::Fft;
  throw std::invalid_argument("Unknown convolution algorithm '" + text + "': use auto, direct or fft.");
}

std::string convAlgorithmName(ConvAlgorithm algorithm) {
  switch (algorithm) {
    case ConvAlgorithm::Direct: return "direct";
    case ConvAlgorithm::Fft: return "fft";
    case ConvAlgorithm::Auto: break;
  }
  return "auto";
}

ConvAlgorithm defaultConvAlgorithm() {
  const char* value = std::getenv("GRADLAB_CONV");
  if (!value || !*value) return ConvAlgorithm::Auto;
  try {
    return parseConvAlgorithm(value);
  } catch (const std::invalid_argument&) {
    throw std::invalid_argument("GRADLAB_CONV is '" + std::string(value) +
                                "': set it to auto, direct or fft, or unset it.");
  }
}

}  // namespace gradlab::nn

#include "cli/conv_option.h"

namespace gradlab::cli {

const char* const kConvHelp =
    "how Conv2d layers compute: auto (the FFT for kernels of 7 and more), direct or fft (default: GRADLAB_CONV, "
    "else auto)";

std::optional<nn::ConvAlgorithm> convOption(const Arguments& o) {
  if (!o.has("conv")) return std::nullopt;
  return nn::parseConvAlgorithm(o.choice("conv", {"auto", "direct", "fft"}, "auto"));
}

std::string convolutionSummary(const nn::Network& net) {
  std::string line;
  for (size_t i : net.analysis().order) {
    const std::string path = net.convolutionPath(i);
    if (!path.empty()) line += (line.empty() ? "" : ", ") + net.graph().nodes[i].name + " " + path;
  }
  return line.empty() ? line : "Convolutions: " + line;
}

}  // namespace gradlab::cli

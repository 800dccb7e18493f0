#pragma once
// The --conv argument of gradlab-cli: how Conv2d layers compute (nn::ConvAlgorithm), and the line
// that says which layers went through the FFT.
#include "cli/arguments.h"
#include "nn/network.h"

#include <optional>
#include <string>

namespace gradlab::cli {

extern const char* const kConvHelp;
// --conv as given, or unset (then GRADLAB_CONV, else auto); a bad value is a usage error.
std::optional<nn::ConvAlgorithm> convOption(const Arguments& o);
// "Convolutions: c1 fft, c2 direct" for a network with convolutions; empty for one without.
std::string convolutionSummary(const nn::Network& net);

}  // namespace gradlab::cli

#pragma once
// Initial values of parameter tensors: zeros, constant, normal(std), uniform(a), Xavier/Glorot,
// He/Kaiming (fan_in or fan_out, gain by nonlinearity), variance c / fan_in, and PyTorch's
// defaults. Reproducible from the run's seed, and independent of the order of nodes.
#include "nn/layer_catalog.h"

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace gradlab::nn {

// Values for parameter (or running-statistics buffer) `tensor` of node `nodeName`.
std::vector<float> initialValues(const NodeParams& params, const ParamTensor& tensor, const std::string& nodeName,
                                 uint32_t seed, bool isBuffer = false);

// An initialisation written as text, as `gradlab-cli probe --init` takes it: "xavier_normal",
// "normal:std=0.01", "kaiming_normal:mode=fan_out,nonlinearity=tanh". Returns the node parameters
// it sets on a Linear or convolution (init=NAME, init_KEY=VALUE), checked against the layer
// catalog; throws std::invalid_argument naming the accepted names, keys or range.
std::vector<std::pair<std::string, std::string>> parseInitSpec(const std::string& text);

// The gain Kaiming initialisation uses for a nonlinearity (PyTorch's calculate_gain).
double nonlinearityGain(const std::string& nonlinearity);

}  // namespace gradlab::nn

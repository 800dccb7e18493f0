#pragma once
// The steps every analysis job takes on its worker thread: open a Context of its own, build the
// source's network on it, set the source's parameter values into it and load a batch of the
// training data. Errors are std::invalid_argument with a message that says what to do.
#include "analysis/analysis_source.h"
#include "analysis/loss_landscape.h"
#include "gpu/context.h"
#include "nn/network.h"

#include <memory>
#include <string>

namespace gradlab::ui {

std::unique_ptr<gpu::Context> openContext(const AnalysisSource& source);

// The network of `graph` for `batch` samples, built as the lab builds the run whose settings are
// `training` (persist::runSetup): its convolutions compute as that run's do, not as GRADLAB_CONV
// or auto would choose, so an analysis sees the numbers training sees. Throws
// std::invalid_argument (runSetup's line) for settings the lab would refuse.
std::unique_ptr<nn::Network> buildRunNetwork(gpu::Context& context, const nn::Graph& graph,
                                             const persist::TrainingSettings& training, uint32_t batch, uint32_t seed);

// How the network's convolutions compute, "c1 direct, c2 fft" (Network::convolutionPath); empty
// without convolutions.
std::string convolutionPaths(const nn::Network& net);

// The values of `params` in Network::parameters() order, flattened; throws when one is missing
// or has the wrong size (a probe that did not snapshot every tensor, or another network's).
analysis::ParamVector flatten(const nn::Network& net, const ParameterMap& params);

// Sets the running statistics (BatchNorm's) `values` has into the network; returns whether it had
// every one the network keeps (those missing stay at their initial values: mean 0, variance 1).
bool writeRunningStatistics(nn::Network& net, const ParameterMap& values);

// Throws unless the training data's samples fit the network's input.
void checkData(const nn::Network& net, const AnalysisSource& source);

// The first net.batch() training samples, normalised as in training, into net.input() and
// net.labels() (fewer samples than the batch repeat the last one).
void loadTrainingBatch(nn::Network& net, const AnalysisSource& source);

}  // namespace gradlab::ui

#pragma once
// The steps every analysis job takes on its worker thread: open a Context of its own, build the
// source's network on it, set the source's parameter values into it and load a batch of the
// training data. Errors are std::invalid_argument with a message that says what to do.
#include "analysis/analysis_source.h"
#include "analysis/loss_landscape.h"
#include "gpu/context.h"
#include "nn/network.h"

#include <memory>

namespace gradlab::ui {

std::unique_ptr<gpu::Context> openContext(const AnalysisSource& source);

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

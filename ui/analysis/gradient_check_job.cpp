#include "analysis/gradient_check_job.h"

#include "analysis/analysis_network.h"
#include "analysis/loss_landscape.h"

#include <chrono>

namespace gradlab::ui {

GradientCheckResult computeGradientCheck(const GradientCheckRequest& request) {
  GradientCheckResult out;
  const auto start = std::chrono::steady_clock::now();
  try {
    const AnalysisSource& s = *request.source;
    auto context = openContext(s);
    out.device = context->device().name;
    const auto network = buildRunNetwork(*context, s.graph, s.training, request.batch, s.seed);
    nn::Network& net = *network;
    out.convolution = convolutionPaths(net);
    out.initialWeights = s.current.empty();
    if (!out.initialWeights) analysis::writeParameters(net, flatten(net, s.current));
    loadTrainingBatch(net, s);
    analysis::GradientCheckOptions options;
    options.samples = request.entries;
    options.seed = s.seed;
    out.report = analysis::checkGradients(net, options);
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace gradlab::ui

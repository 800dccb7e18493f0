#include "analysis/sharpness_probe.h"

#include <chrono>
#include <stdexcept>

namespace gradlab::analysis {

train::ProbeMeasurement sharpnessAtProbes(std::shared_ptr<const std::atomic<bool>> wanted, SharpnessOptions options) {
  return [wanted = std::move(wanted), options](train::TrainingSession& session, train::ProbeReport& report) {
    if (!wanted->load() || session.nonFinite()) return;
    const auto start = std::chrono::steady_clock::now();
    try {
      const SharpnessEstimate estimate = sharpness(session.network(), options);
      const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
      const uint32_t passes = uint32_t(estimate.history.size() * (estimate.shift != 0 ? 4 : 2));
      report.sharpness = train::SharpnessReading{estimate.lambdaMax, estimate.relativeChange,
                                                 session.currentLearningRate(), passes, took.count()};
    } catch (const std::invalid_argument&) {
    }
  };
}

}  // namespace gradlab::analysis

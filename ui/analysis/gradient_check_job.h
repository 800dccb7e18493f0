#pragma once
// The gradient-check dialog's device work, run on a worker thread with a Context of its own:
// analysis::checkGradients on the first training samples at the source's current weights (or,
// before training, the initial weights of its seed).
#include "analysis/analysis_source.h"
#include "analysis/gradient_check.h"

#include <memory>
#include <string>

namespace gradlab::ui {

struct GradientCheckRequest {
  std::shared_ptr<const AnalysisSource> source;
  uint32_t batch = 4;
  uint32_t entries = 20;  // checked per tensor
};

struct GradientCheckResult {
  std::string error;  // set: nothing else is
  analysis::GradientCheckReport report;
  bool initialWeights = false;  // no current weights were given
  double seconds = 0;
  std::string device;
  std::string convolution;  // how its convolutions computed, as the run's (convolutionPaths); empty: none
};

GradientCheckResult computeGradientCheck(const GradientCheckRequest& request);

}  // namespace gradlab::ui

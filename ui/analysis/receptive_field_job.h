#pragma once
// The receptive-field view's device work, run on a worker thread with a Context of its own: the
// effective receptive field of one unit (analysis::effectiveReceptiveField) averaged over the
// first training images, or over gaussian noise, at the source's current weights (or, before
// training, the initial weights of its seed).
#include "analysis/analysis_source.h"
#include "analysis/effective_receptive_field.h"

#include <memory>
#include <string>
#include <vector>

namespace gradlab::ui {

struct ReceptiveFieldRequest {
  std::shared_ptr<const AnalysisSource> source;
  analysis::Unit unit;
  bool noise = false;  // gaussian N(0, 1) inputs instead of training images
  uint32_t batch = 32;
};

struct ReceptiveFieldResult {
  std::string error;  // set: nothing else is
  analysis::EffectiveReceptiveField field;
  std::vector<float> firstInput;  // the first sample as the network saw it, mean over channels (height x width)
  double insideShare = 0;         // of the summed heat, inside the theoretical box (0 when all is zero)
  bool initialWeights = false;    // no current weights were given
  double seconds = 0;
  std::string convolution;  // how its convolutions computed, as the run's (convolutionPaths); empty: none
};

ReceptiveFieldResult computeReceptiveField(const ReceptiveFieldRequest& request);

}  // namespace gradlab::ui

#include "persist/experiment.h"

#include <bit>
#include <cstring>

namespace gradlab::persist {

bool MetricPoint::operator==(const MetricPoint& o) const {
  return step == o.step && std::bit_cast<uint64_t>(loss) == std::bit_cast<uint64_t>(o.loss) &&
         std::bit_cast<uint64_t>(accuracy) == std::bit_cast<uint64_t>(o.accuracy);
}

std::string contentsOf(const Experiment& e) {
  std::string text = "the network and settings";
  if (!e.trainingHistory.empty()) text += ", curves to step " + std::to_string(e.trainingHistory.back().step + 1);
  if (!e.weights.empty()) text += e.trainingHistory.empty() && e.progress.empty() ? ", weights" : ", trained weights";
  if (!e.progress.optimizerState.empty())
    text += " and " + e.progress.optimizer + "'s state at step " + std::to_string(e.progress.step);
  else if (!e.progress.empty())
    text += " at step " + std::to_string(e.progress.step);
  if (!e.comparisons.empty()) {
    std::string labels = "A";
    for (size_t i = 0; i < e.comparisons.size(); ++i)
      labels += (i + 1 == e.comparisons.size() ? " and " : ", ") + e.comparisons[i].label;
    text += "; " + std::to_string(e.comparisons.size() + 1) + " runs side by side (" + labels + ")";
  }
  return text;
}

bool Tensor::operator==(const Tensor& o) const {
  return shape == o.shape && values.size() == o.values.size() &&
         (values.empty() || std::memcmp(values.data(), o.values.data(), values.size() * sizeof(float)) == 0);
}

}  // namespace gradlab::persist

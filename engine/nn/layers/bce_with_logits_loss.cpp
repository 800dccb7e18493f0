// BCEWithLogitsLoss: sigmoid binary cross-entropy in the stable form max(z, 0) - z t +
// log(1 + exp(-|z|)), per sample the mean over outputs. Targets: the one-hot vector of the label,
// or with a single output the label itself (0 or 1).
#include "nn/layers/class_loss.h"

#include <cmath>

namespace gradlab::nn::layers {
namespace {

class BceWithLogitsLoss final : public ClassLoss {
 public:
  explicit BceWithLogitsLoss(const NodeInfo& info) : ClassLoss(info, Bce) {}

 protected:
  double sample(const double* z, uint32_t label, double* grad) const override {
    double loss = 0;
    for (uint32_t k = 0; k < classes_; ++k) {
      const double t = target(k, label);
      loss += std::max(z[k], 0.0) - z[k] * t + std::log1p(std::exp(-std::abs(z[k])));
      grad[k] = (1 / (1 + std::exp(-z[k])) - t) / classes_;
    }
    return loss / classes_;
  }
};

}  // namespace

std::unique_ptr<Layer> createBceWithLogitsLoss(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<BceWithLogitsLoss>(info);
}

void registerBceWithLogitsLoss(std::vector<LayerDef>& catalog) {
  LayerDef def =
      schema::loss("BCEWithLogitsLoss", "sigmoid binary cross-entropy (one output per class or one for two classes)");
  def.create = createBceWithLogitsLoss;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

// MultiMarginLoss (multi-class hinge, as PyTorch): per sample the sum over classes k != y of
// max(0, margin - z_y + z_k)^p, divided by the number of classes; p = 1 or 2.
#include "nn/layers/class_loss.h"

namespace gradlab::nn::layers {
namespace {

class MultiMarginLoss final : public ClassLoss {
 public:
  explicit MultiMarginLoss(const NodeInfo& info)
      : ClassLoss(info, MultiMargin, float(info.params.real("margin")), uint32_t(info.params.integer("p"))) {}

 protected:
  double sample(const double* z, uint32_t label, double* grad) const override {
    double loss = 0;
    if (classes_ == 1) label = 0;  // one class: nothing to separate, loss 0
    grad[label] = 0;
    for (uint32_t k = 0; k < classes_; ++k) {
      if (k == label) continue;
      const double h = std::max(double(margin_) - z[label] + z[k], 0.0);
      loss += power_ == 1 ? h : h * h;
      const double g = h > 0 ? (power_ == 1 ? 1.0 : 2 * h) / classes_ : 0.0;
      grad[k] = g;
      grad[label] -= g;
    }
    return loss / classes_;
  }
};

}  // namespace

std::unique_ptr<Layer> createMultiMarginLoss(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<MultiMarginLoss>(info);
}

void registerMultiMarginLoss(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def = loss("MultiMarginLoss", "multi-class hinge loss (SVM)",
                      {intParam("p", "1", 1, 2, "1: hinge, 2: squared hinge"),
                       floatParam("margin", "1.0", 0, 100, "required gap between the true class and the others")});
  def.create = createMultiMarginLoss;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

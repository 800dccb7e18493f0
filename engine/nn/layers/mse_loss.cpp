// MSELoss against the one-hot vector of the label: per sample the mean over classes of
// (z_k - t_k)^2, so the batch mean equals PyTorch's reduction='mean' over all elements.
#include "nn/layers/class_loss.h"

namespace gradlab::nn::layers {
namespace {

class MseLoss final : public ClassLoss {
 public:
  explicit MseLoss(const NodeInfo& info) : ClassLoss(info, Mse) {}

 protected:
  double sample(const double* z, uint32_t label, double* grad) const override {
    double loss = 0;
    for (uint32_t k = 0; k < classes_; ++k) {
      const double d = z[k] - target(k, label);
      loss += d * d;
      grad[k] = 2 * d / classes_;
    }
    return loss / classes_;
  }
};

}  // namespace

std::unique_ptr<Layer> createMseLoss(const NodeInfo& info, const LayerOptions&) {
  return std::make_unique<MseLoss>(info);
}

void registerMseLoss(std::vector<LayerDef>& catalog) {
  LayerDef def = schema::loss("MSELoss", "mean squared error against one-hot labels or targets");
  def.create = createMseLoss;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

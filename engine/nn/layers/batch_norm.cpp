// BatchNorm1d ({features}) and BatchNorm2d ({C, H, W}): each feature or channel normalised over
// the batch (and the image). Training: batch statistics (biased variance), running_mean and
// running_var updated by EMA with `momentum` and the unbiased variance; eval: the running
// statistics. Implementation shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createBatchNorm(const NodeInfo& info, const LayerOptions&) {
  const Shape& in = info.inputShapes[0];
  NormLayout l;
  l.batchNorm = true;
  l.channels = in.rank() == 1 ? in.dims[0] : in.channels();
  l.spatial = uint32_t(in.elements() / l.channels);
  l.paramCount = l.channels;
  l.paramInner = l.spatial;
  l.affine = info.params.flag("affine");
  l.eps = info.params.real("eps");
  l.momentum = info.params.real("momentum");
  return std::make_unique<NormLayer>(info, l);
}

void registerBatchNorm(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "BatchNorm1d";
  def.category = "Normalization";
  def.summary = "normalises each feature over the batch";
  def.params = {floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                floatParam("momentum", "0.1", 0, 1, "weight of the newest batch in the running statistics"),
                boolParam("affine", "true", "learned scale and shift")};
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    requireFlat("BatchNorm1d", only(in));
    return normAffine(only(in), only(in), p.flag("affine"), true);
  };
  def.create = createBatchNorm;
  def.exports.torch = [](const Node& node, const NodeInfo& info) {
    const Shape& in = info.inputShapes.at(0);
    const NodeParams& p = info.params;
    return TorchModule{"nn." + node.type + "(" + std::to_string(in.rank() == 1 ? in.dims[0] : in.channels()) +
                           ", eps=" + pyNumber(p.real("eps")) + ", momentum=" + pyNumber(p.real("momentum")) +
                           ", affine=" + pyBool(p.flag("affine")) + ")",
                       {}};
  };
  def.exports.torchCounters = {"num_batches_tracked"};
  def.exports.onnx = [](const Node& node, const NodeInfo& info) {
    return onnxNormalization(node, info, "BatchNormalization");
  };
  def.spatial.kind = SpatialRule::Kind::PointWise;  // with fixed statistics
  def.moments.kind = MomentRule::Kind::Normalizes;
  catalog.push_back(def);
  def.type = "BatchNorm2d";
  def.summary = "normalises each channel over the batch and the image";
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    requireImage("BatchNorm2d", only(in));
    return normAffine(only(in), Shape{only(in).channels()}, p.flag("affine"), true);
  };
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

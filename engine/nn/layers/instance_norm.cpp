// InstanceNorm2d: each channel of each sample normalised over its image, always with the
// instance's statistics (no running statistics, like PyTorch's default); per-channel weight and
// bias when affine. Implementation shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createInstanceNorm(const NodeInfo& info, const LayerOptions&) {
  const Shape& in = info.inputShapes[0];
  NormLayout l;
  l.channels = in.channels();
  l.spatial = in.height() * in.width();
  l.groupsPerSample = l.channels;
  l.paramCount = l.channels;
  l.paramInner = l.spatial;
  l.affine = info.params.flag("affine");
  l.eps = info.params.real("eps");
  return std::make_unique<NormLayer>(info, l);
}

void registerInstanceNorm(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "InstanceNorm2d";
  def.category = "Normalization";
  def.summary = "normalises each channel of each sample over the image";
  def.params = {floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                boolParam("affine", "false", "learned scale and shift per channel")};
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    requireImage("InstanceNorm2d", only(in));
    return normAffine(only(in), Shape{only(in).channels()}, p.flag("affine"), false);
  };
  def.create = createInstanceNorm;
  def.exports.torch = [](const Node&, const NodeInfo& info) {
    return TorchModule{"nn.InstanceNorm2d(" + std::to_string(info.inputShapes.at(0).channels()) + ", eps=" +
                           pyNumber(info.params.real("eps")) + ", affine=" + pyBool(info.params.flag("affine")) + ")",
                       {}};
  };
  def.exports.onnx = [](const Node& node, const NodeInfo& info) {
    return onnxNormalization(node, info, "InstanceNormalization");
  };
  def.spatial.note = "its statistics mix the whole image";
  def.moments.kind = MomentRule::Kind::Normalizes;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

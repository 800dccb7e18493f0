// LayerNorm over all of a sample's values (PyTorch's LayerNorm with normalized_shape = the
// sample's shape), with an element-wise weight and bias when elementwise_affine. Implementation
// shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createLayerNorm(const NodeInfo& info, const LayerOptions&) {
  const Shape& in = info.inputShapes[0];
  NormLayout l;
  l.groupsPerSample = 1;
  l.channels = 1;
  l.spatial = uint32_t(in.elements());
  l.paramCount = l.spatial;
  l.paramInner = 1;
  l.affine = info.params.flag("elementwise_affine");
  l.eps = info.params.real("eps");
  return std::make_unique<NormLayer>(info, l);
}

void registerLayerNorm(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "LayerNorm";
  def.category = "Normalization";
  def.summary = "normalises each sample over all its values";
  def.params = {floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                boolParam("elementwise_affine", "true", "learned scale and shift per value")};
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    return normAffine(only(in), only(in), p.flag("elementwise_affine"), false);
  };
  def.create = createLayerNorm;
  def.exports.torch = [](const Node&, const NodeInfo& info) {
    std::string dims;
    for (uint32_t d : info.inputShapes.at(0).dims) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    return TorchModule{"nn.LayerNorm([" + dims + "], eps=" + pyNumber(info.params.real("eps")) +
                           ", elementwise_affine=" + pyBool(info.params.flag("elementwise_affine")) + ")",
                       {}};
  };
  def.exports.onnxRefusal = "ONNX added LayerNormalization in opset 17";
  def.spatial.note = "its statistics mix the whole image";
  def.moments.kind = MomentRule::Kind::Normalizes;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

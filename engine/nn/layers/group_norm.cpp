// GroupNorm: the channels of each sample split into num_groups groups of consecutive channels,
// each normalised over its channels and image; per-channel weight and bias when affine.
// Implementation shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createGroupNorm(const NodeInfo& info, const LayerOptions&) {
  const Shape& in = info.inputShapes[0];
  NormLayout l;
  l.channels = in.channels();
  l.spatial = in.height() * in.width();
  l.groupsPerSample = uint32_t(info.params.integer("num_groups"));
  l.paramCount = l.channels;
  l.paramInner = l.spatial;
  l.affine = info.params.flag("affine");
  l.eps = info.params.real("eps");
  return std::make_unique<NormLayer>(info, l);
}

void registerGroupNorm(std::vector<LayerDef>& catalog) {
  using namespace schema;
  LayerDef def;
  def.type = "GroupNorm";
  def.category = "Normalization";
  def.summary = "normalises groups of channels of each sample";
  def.params = {intParam("num_groups", "", 1, 4096, "number of channel groups"),
                floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                boolParam("affine", "true", "learned scale and shift per channel")};
  def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
    requireImage("GroupNorm", only(in));
    const uint32_t c = only(in).channels(), g = uint32_t(p.integer("num_groups"));
    if (c % g)
      throw ShapeError("GroupNorm: " + std::to_string(c) + " channels do not split into " + std::to_string(g) +
                       " groups");
    return normAffine(only(in), Shape{c}, p.flag("affine"), false);
  };
  def.create = createGroupNorm;
  def.exports.torch = [](const Node&, const NodeInfo& info) {
    return TorchModule{"nn.GroupNorm(" + std::to_string(info.params.integer("num_groups")) + ", " +
                           std::to_string(info.inputShapes.at(0).channels()) + ", eps=" +
                           pyNumber(info.params.real("eps")) + ", affine=" + pyBool(info.params.flag("affine")) + ")",
                       {}};
  };
  def.exports.onnxRefusal = "ONNX added GroupNormalization in opset 18";
  def.spatial.note = "its statistics mix the whole image";
  def.moments.kind = MomentRule::Kind::Normalizes;
  catalog.push_back(std::move(def));
}

}  // namespace gradlab::nn::layers

// LayerNorm over all of a sample's values (PyTorch's LayerNorm with normalized_shape = the
// sample's shape), with an element-wise weight and bias when elementwise_affine. Implementation
// shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createLayerNorm(const NodeInfo& info) {
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

}  // namespace gradlab::nn::layers

// GroupNorm: the channels of each sample split into num_groups groups of consecutive channels,
// each normalised over its channels and image; per-channel weight and bias when affine.
// Implementation shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createGroupNorm(const NodeInfo& info) {
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

}  // namespace gradlab::nn::layers

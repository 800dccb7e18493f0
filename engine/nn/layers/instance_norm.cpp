// InstanceNorm2d: each channel of each sample normalised over its image, always with the
// instance's statistics (no running statistics, like PyTorch's default); per-channel weight and
// bias when affine. Implementation shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createInstanceNorm(const NodeInfo& info) {
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

}  // namespace gradlab::nn::layers

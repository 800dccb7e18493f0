// BatchNorm1d ({features}) and BatchNorm2d ({C, H, W}): each feature or channel normalised over
// the batch (and the image). Training: batch statistics (biased variance), running_mean and
// running_var updated by EMA with `momentum` and the unbiased variance; eval: the running
// statistics. Implementation shared with the other norms: norm_core.cpp.
#include "nn/layers/norm_core.h"

namespace gradlab::nn::layers {

std::unique_ptr<Layer> createBatchNorm(const NodeInfo& info) {
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

}  // namespace gradlab::nn::layers

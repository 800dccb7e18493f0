#pragma once
// The normalisation layers (BatchNorm1d/2d, LayerNorm, InstanceNorm2d, GroupNorm) share one
// implementation: values are normalised in groups, group k holding the values
//   x[(j * groups + k) * inner + t],  j < outer, t < inner,
// and each value's affine parameter is (i / paramInner) % paramCount. BatchNorm: groups =
// channels, outer = batch, inner = height * width; per-sample norms: groups = batch * groups per
// sample, outer = 1. Shaders: norm_stats.comp, norm_apply.comp, norm_reduce.comp.
#include "nn/layer.h"

#include <cstdint>
#include <vector>

namespace gradlab::nn::layers {

struct NormLayout {
  bool batchNorm = false;        // groups over the batch, running statistics in `buffers`
  uint32_t groupsPerSample = 1;  // per-sample norms: groups in each sample (LayerNorm 1)
  uint32_t channels = 1;         // BatchNorm: the groups; all: C of the input {C, ...}
  uint32_t spatial = 1;          // values per channel of one sample
  uint32_t paramCount = 1, paramInner = 1;
  bool affine = false;
  double eps = 1e-5, momentum = 0.1;
};

// The ONNX node of a BatchNorm or InstanceNorm node: its scale and shift tensors, or ones and zeros
// as constants NODE.onnx_scale and NODE.onnx_shift when it has none; its running statistics.
std::vector<OnnxNode> onnxNormalization(const Node& node, const NodeInfo& info, const char* op);

class NormLayer final : public Layer {
 public:
  NormLayer(const NodeInfo& info, const NormLayout& layout) : Layer(info), l_(layout) {}

  uint64_t workspaceFloats(uint32_t batch) const override;
  void forward(const ForwardPass& p) const override;
  void backward(const BackwardPass& p) const override;
  void forwardReference(const RefForward& p) const override;
  void backwardReference(const RefBackward& p) const override;

 private:
  struct Groups {
    uint32_t groups, inner, outer;
  };
  Groups groups(uint32_t batch) const;
  uint32_t perSample() const { return l_.channels * l_.spatial; }
  // Float offsets in the workspace: stats (2 per group + the batch-statistics flag), then the
  // backward group sums sum(g) and sum(g xhat), each aligned for binding.
  uint64_t sumsOffset(uint32_t batch) const;
  uint64_t sumGxOffset(uint32_t batch) const;

  NormLayout l_;
  // The reference's backward is told neither the mode nor the running statistics: the last
  // reference forward leaves them here (tests run forward before backward).
};

}  // namespace gradlab::nn::layers

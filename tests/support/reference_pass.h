#pragma once
// One training forward and backward pass of a network on the device beside the network's
// double-precision reference of the same pass: what the whole-network gradient and statistics
// tests compare.
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/network.h"
#include "train/step_builder.h"

#include <cstdint>
#include <vector>

namespace gradlab::test {

// Labels (b * stride + 1) mod classes for b in [0, batch): every class in a small batch, not in order.
inline std::vector<uint32_t> spreadLabels(uint32_t batch, uint32_t classes, uint32_t stride) {
  std::vector<uint32_t> labels(batch);
  for (uint32_t b = 0; b < batch; ++b) labels[b] = (b * stride + 1) % classes;
  return labels;
}

// Uploads `input` and `labels`, runs one training forward and backward pass of `net` (step 0) as
// a training step records them (activations fused into GEMMs), and returns the reference of that pass from the
// parameter values the device holds.
inline nn::Network::Reference trainingPassWithReference(gpu::Context& context, nn::Network& net,
                                                        const std::vector<float>& input,
                                                        const std::vector<uint32_t>& labels) {
  net.input().upload(input.data(), input.size() * 4);
  net.labels().upload(labels.data(), labels.size() * 4);
  gpu::Recording rec(context);
  train::recordForward(rec, net, true);
  train::recordBackward(rec, net);
  context.run(rec);
  std::vector<nn::RefTensor> params;
  for (auto& p : net.parameters()) {
    const auto v = p.readValues();
    params.emplace_back(v.begin(), v.end());
  }
  return net.reference(nn::RefTensor(input.begin(), input.end()), labels, params, true, 0);
}

}  // namespace gradlab::test

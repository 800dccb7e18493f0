#include "analysis/effective_receptive_field.h"

#include "train/step_builder.h"

#include <cmath>
#include <stdexcept>

namespace gradlab::analysis {
namespace {

size_t findNode(const nn::Network& net, const Unit& unit) {
  const auto& nodes = net.graph().nodes;
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].name != unit.node) continue;
    if (net.analysis().nodes[i].def->loss)
      throw std::invalid_argument(unit.node + " is the loss: choose a layer before it");
    if (!net.reachesLoss(i))
      throw std::invalid_argument(unit.node + " does not lead to the loss: choose a layer on the path to it");
    const nn::Shape& s = net.analysis().nodes[i].shape.output;
    const bool image = s.isImage();
    const uint32_t channels = image ? s.channels() : uint32_t(s.elements());
    if (unit.channel >= channels || unit.y >= s.height() || unit.x >= s.width())
      throw std::invalid_argument(unit.node + " has output " + s.text() + ": choose " +
                                  (image ? "a channel below " + std::to_string(channels) + ", y below " +
                                               std::to_string(s.height()) + " and x below " + std::to_string(s.width())
                                         : "a feature below " + std::to_string(channels) + " (y = x = 0)"));
    return i;
  }
  throw std::invalid_argument("the network has no layer named '" + unit.node + "'");
}

}  // namespace

EffectiveReceptiveField effectiveReceptiveField(nn::Network& net, const Unit& unit) {
  const size_t node = findNode(net, unit);
  const nn::Shape& out = net.analysis().nodes[node].shape.output;
  const uint64_t outCount = out.elements(), inCount = net.inputShape().elements();
  const uint32_t batch = net.batch();

  // The same one-hot for every sample: each sample's gradient is its own unit's.
  const uint64_t hot =
      out.isImage() ? (uint64_t(unit.channel) * out.height() + unit.y) * out.width() + unit.x : unit.channel;
  std::vector<float> seed(batch * outCount, 0.0f);
  for (uint32_t b = 0; b < batch; ++b) seed[b * outCount + hot] = 1.0f;
  net.gradient(node).upload(seed.data(), seed.size() * 4);
  gpu::Recording rec(net.context());
  train::recordForward(rec, net, false);
  train::recordBackward(rec, net, net.backwardSweepFrom(node, false));
  net.context().run(rec);

  EffectiveReceptiveField erf;
  erf.unit = unit;
  const nn::Shape& in = net.inputShape();
  erf.height = in.isImage() ? in.height() : 1;
  erf.width = in.isImage() ? in.width() : uint32_t(in.elements());
  const uint32_t pixels = erf.height * erf.width, channels = uint32_t(inCount / pixels);
  erf.heat.assign(pixels, 0.0);
  const auto grad = net.inputGradient().read<float>(batch * inCount);
  for (uint32_t b = 0; b < batch; ++b)
    for (uint32_t c = 0; c < channels; ++c)
      for (uint32_t p = 0; p < pixels; ++p)
        erf.heat[p] += std::abs(double(grad[(size_t(b) * channels + c) * pixels + p])) / (double(batch) * channels);

  erf.theoretical = receptiveFields(net.graph())[node + 1];
  erf.box = in.isImage() ? inputBox(erf.theoretical, unit.y, unit.x, in) : PixelBox{0, 0, 0, int(erf.width) - 1};
  return erf;
}

}  // namespace gradlab::analysis

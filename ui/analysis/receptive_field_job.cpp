#include "analysis/receptive_field_job.h"

#include "analysis/analysis_network.h"
#include "data/toy_datasets.h"

#include <chrono>

namespace gradlab::ui {

ReceptiveFieldResult computeReceptiveField(const ReceptiveFieldRequest& request) {
  ReceptiveFieldResult out;
  const auto start = std::chrono::steady_clock::now();
  try {
    const AnalysisSource& s = *request.source;
    auto context = openContext(s);
    const auto network = buildRunNetwork(*context, s.graph, s.training, request.batch, s.seed);
    nn::Network& net = *network;
    out.convolution = convolutionPaths(net);
    out.initialWeights = s.current.empty();
    if (!out.initialWeights) {
      analysis::writeParameters(net, flatten(net, s.current));
      writeRunningStatistics(net, s.current);  // evaluation mode normalises with them
    }
    if (request.noise) {
      const auto noise = data::makeGaussianNoise(request.batch, net.inputShape(), s.seed + 1);
      net.input().upload(noise.floats.data(), noise.floats.size() * 4);
    } else {
      loadTrainingBatch(net, s);
    }
    const auto first = net.input().read<float>(net.inputShape().elements());
    out.field = analysis::effectiveReceptiveField(net, request.unit);
    const uint32_t pixels = out.field.height * out.field.width, channels = uint32_t(first.size() / pixels);
    out.firstInput.assign(pixels, 0.0f);
    for (uint32_t c = 0; c < channels; ++c)
      for (uint32_t p = 0; p < pixels; ++p) out.firstInput[p] += first[size_t(c) * pixels + p] / float(channels);
    double total = 0, inside = 0;
    for (uint32_t y = 0; y < out.field.height; ++y)
      for (uint32_t x = 0; x < out.field.width; ++x) {
        total += out.field.at(y, x);
        if (out.field.box.contains(int(y), int(x))) inside += out.field.at(y, x);
      }
    out.insideShare = total > 0 ? inside / total : 0;
  } catch (const std::exception& e) {
    out.error = e.what();
  }
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return out;
}

}  // namespace gradlab::ui

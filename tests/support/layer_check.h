#pragma once
// Checks one layer: GPU forward and backward (float32) against its CPU reference (float64), and the
// reference backward against central finite differences of the reference forward, on random
// inputs and parameters. Layer tests call checkLayer() for each configuration they care about.
#include "gpu/buffer.h"
#include "gpu/context.h"
#include "gpu/recording.h"
#include "nn/graph.h"
#include "nn/layer.h"
#include "nn/network_text.h"

#include <QTest>

#include <cmath>
#include <memory>
#include <random>
#include <string>
#include <vector>

namespace gradlab::test {

struct LayerCheckOptions {
  uint32_t batch = 3;
  uint32_t seed = 1;
  bool training = true;
  double inputLow = -1, inputHigh = 1;
  double paramLow = -1, paramHigh = 1;
  double forwardTolerance = 1e-5;   // GPU vs reference, relative to the output's largest value
  double backwardTolerance = 1e-4;  // GPU vs reference gradients, relative to the largest value
  double finiteDifferenceTolerance = 1e-6;
  uint32_t finiteDifferenceSamples = 40;  // entries checked per tensor
  uint32_t step = 7;                      // value of the device step counter
};

struct LayerCheckResult {
  double forwardError = 0, backwardError = 0, finiteDifferenceError = 0, accumulateError = 0;
  std::string failure;  // empty when every comparison passed
};

namespace detail {

inline double scaledMaxError(const std::vector<float>& got, const std::vector<double>& want) {
  double top = 1e-12, worst = 0;
  for (double w : want) top = std::max(top, std::abs(w));
  for (size_t i = 0; i < want.size(); ++i) {
    if (!std::isfinite(got[i])) return INFINITY;
    worst = std::max(worst, std::abs(got[i] - want[i]));
  }
  return worst / top;
}

inline std::vector<double> randomDoubles(size_t n, std::mt19937& rng, double lo, double hi) {
  std::uniform_real_distribution<float> u{float(lo), float(hi)};  // float values: the GPU sees them exactly
  std::vector<double> out(n);
  for (double& v : out) v = u(rng);
  return out;
}

inline std::vector<float> toFloat(const std::vector<double>& v) { return {v.begin(), v.end()}; }

}  // namespace detail

// `network` must contain the node `node`; its inputs are the network input or other nodes' outputs
// (only their shapes matter: values are random).
inline LayerCheckResult checkLayer(gpu::Context& context, const std::string& network, const std::string& node,
                                   const LayerCheckOptions& o = {}) {
  using namespace nn;
  LayerCheckResult result;
  const ParsedNetwork parsed = parseNetwork(network);
  if (!parsed.ok()) return {0, 0, 0, 0, parsed.errors[0].text()};
  const GraphAnalysis analysis = analyze(parsed.graph);
  size_t index = parsed.graph.nodes.size();
  for (size_t i = 0; i < parsed.graph.nodes.size(); ++i)
    if (parsed.graph.nodes[i].name == node) index = i;
  if (index == parsed.graph.nodes.size() || !analysis.nodes[index].valid)
    return {0, 0, 0, 0, "node " + node + " is not valid:\n" + analysis.errorText()};
  const NodeInfo& info = analysis.nodes[index];
  std::unique_ptr<Layer> layer = createLayer(info);
  const uint32_t B = o.batch;
  const bool isLoss = info.def->loss;

  std::mt19937 rng(o.seed);
  std::vector<std::vector<double>> inputs, params, buffers;
  for (const auto& s : info.inputShapes)
    inputs.push_back(detail::randomDoubles(B * s.elements(), rng, o.inputLow, o.inputHigh));
  for (const auto& p : info.shape.params)
    params.push_back(detail::randomDoubles(p.shape.elements(), rng, o.paramLow, o.paramHigh));
  for (const auto& b : info.shape.buffers) buffers.push_back(detail::randomDoubles(b.shape.elements(), rng, 0.5, 1.5));
  std::vector<uint32_t> labels(B);
  const uint32_t classes = uint32_t(info.inputShapes[0].elements());
  for (auto& l : labels) l = rng() % std::max<uint32_t>(classes, 1);
  const size_t outCount = B * info.shape.output.elements();
  const std::vector<double> gradOut = detail::randomDoubles(outCount, rng, -1, 1);

  // Reference forward and backward.
  auto refForward = [&](const std::vector<std::vector<double>>& in, const std::vector<std::vector<double>>& par) {
    std::vector<std::vector<double>> buf = buffers;  // running statistics must not drift between calls
    RefTensor out(outCount);
    RefForward f;
    f.batch = B;
    f.training = o.training;
    for (const auto& t : in) f.inputs.push_back(&t);
    for (const auto& t : par) f.params.push_back(&t);
    for (auto& t : buf) f.buffers.push_back(&t);
    f.output = &out;
    f.labels = &labels;
    f.step = o.step;
    f.seed = o.seed;
    layer->forwardReference(f);
    return out;
  };
  // The scalar whose gradient is checked: the mean loss for losses, sum r * y otherwise.
  auto objective = [&](const RefTensor& y) {
    double s = 0;
    for (size_t i = 0; i < y.size(); ++i) s += isLoss ? y[i] / B : gradOut[i] * y[i];
    return s;
  };
  const RefTensor yRef = refForward(inputs, params);
  std::vector<RefTensor> dxRef, dpRef;
  RefBackward bwd;
  bwd.batch = B;
  bwd.training = o.training;
  for (const auto& t : buffers) bwd.buffers.push_back(&t);  // evaluation leaves them as they were
  for (const auto& t : inputs) {
    bwd.inputs.push_back(&t);
    dxRef.emplace_back(t.size());
  }
  for (const auto& t : params) {
    bwd.params.push_back(&t);
    dpRef.emplace_back(t.size());
  }
  for (auto& t : dxRef) bwd.gradInputs.push_back(&t);
  for (auto& t : dpRef) bwd.paramGrads.push_back(&t);
  bwd.output = &yRef;
  bwd.gradOutput = &gradOut;
  bwd.labels = &labels;
  bwd.step = o.step;
  bwd.seed = o.seed;
  layer->backwardReference(bwd);

  // Finite differences of the reference (double, central, h = 1e-6 relative).
  auto fdCheck = [&](std::vector<std::vector<double>>& tensors, const std::vector<RefTensor>& analytic, bool ofInputs) {
    for (size_t t = 0; t < tensors.size(); ++t) {
      const size_t n = tensors[t].size();
      const size_t samples = std::min<size_t>(n, o.finiteDifferenceSamples);
      double gradScale = 1e-12;
      for (double g : analytic[t]) gradScale = std::max(gradScale, std::abs(g));
      for (size_t k = 0; k < samples; ++k) {
        const size_t i = samples == n ? k : rng() % n;
        const double saved = tensors[t][i], h = 1e-6 * std::max(1.0, std::abs(saved));
        tensors[t][i] = saved + h;
        const double up = objective(ofInputs ? refForward(tensors, params) : refForward(inputs, tensors));
        tensors[t][i] = saved - h;
        const double down = objective(ofInputs ? refForward(tensors, params) : refForward(inputs, tensors));
        tensors[t][i] = saved;
        const double numeric = (up - down) / (2 * h);
        result.finiteDifferenceError =
            std::max(result.finiteDifferenceError, std::abs(numeric - analytic[t][i]) / gradScale);
      }
    }
  };
  fdCheck(inputs, dxRef, true);
  fdCheck(params, dpRef, false);

  // GPU.
  auto upload = [&](const std::vector<double>& v) {
    auto b = std::make_unique<gpu::Buffer>(context, std::max<size_t>(v.size(), 1) * 4);
    const auto f = detail::toFloat(v);
    b->upload(f.data(), f.size() * 4);
    return b;
  };
  std::vector<std::unique_ptr<gpu::Buffer>> gIn, gPar, gBuf, gDx, gDp;
  for (const auto& t : inputs) gIn.push_back(upload(t));
  for (const auto& t : params) gPar.push_back(upload(t));
  for (const auto& t : buffers) gBuf.push_back(upload(t));
  gpu::Buffer gOut(context, std::max<size_t>(outCount, 1) * 4);
  gpu::Buffer gLabels(context, B * 4), gStep(context, 4);
  gLabels.upload(labels.data(), B * 4);
  gStep.upload(&o.step, 4);
  auto gGradOut = upload(gradOut);
  const uint64_t workspaceFloats = std::max<uint64_t>(layer->workspaceFloats(B), 1);
  gpu::Buffer gWorkspace(context, workspaceFloats * 4);
  for (const auto& t : inputs) gDx.push_back(std::make_unique<gpu::Buffer>(context, t.size() * 4));
  for (const auto& t : params) gDp.push_back(std::make_unique<gpu::Buffer>(context, std::max<size_t>(t.size(), 1) * 4));

  auto forwardPass = [&](gpu::Recording& rec) {
    ForwardPass f{rec};
    f.batch = B;
    f.training = o.training;
    for (auto& b : gIn) f.inputs.push_back(*b);
    f.output = gOut;
    for (auto& b : gPar) f.params.push_back(*b);
    for (auto& b : gBuf) f.buffers.push_back(*b);
    f.workspace = gWorkspace;
    f.labels = gLabels;
    f.step = gStep;
    f.seed = o.seed;
    layer->forward(f);
  };
  auto backwardPass = [&](gpu::Recording& rec, bool accumulate) {
    BackwardPass b{rec};
    b.batch = B;
    b.training = o.training;
    for (auto& t : gIn) b.inputs.push_back(*t);
    b.output = gOut;
    b.gradOutput = *gGradOut;
    for (auto& t : gDx) b.gradInputs.push_back(*t);
    b.accumulate.assign(gDx.size(), accumulate);
    b.needGradInput.assign(gDx.size(), true);
    for (auto& t : gPar) b.params.push_back(*t);
    for (auto& t : gDp) b.paramGrads.push_back(*t);
    b.workspace = gWorkspace;
    b.labels = gLabels;
    b.step = gStep;
    b.seed = o.seed;
    layer->backward(b);
  };
  {
    gpu::Recording rec(context);
    forwardPass(rec);
    backwardPass(rec, false);
    context.run(rec);
  }
  result.forwardError = detail::scaledMaxError(gOut.read<float>(outCount), yRef);
  for (size_t t = 0; t < gDx.size(); ++t)
    result.backwardError =
        std::max(result.backwardError, detail::scaledMaxError(gDx[t]->read<float>(inputs[t].size()), dxRef[t]));
  for (size_t t = 0; t < gDp.size(); ++t)
    result.backwardError =
        std::max(result.backwardError, detail::scaledMaxError(gDp[t]->read<float>(params[t].size()), dpRef[t]));

  // Accumulating mode adds to what the input gradients held.
  if (!gDx.empty()) {
    std::vector<std::vector<double>> before;
    for (auto& t : inputs) before.push_back(detail::randomDoubles(t.size(), rng, -1, 1));
    for (size_t t = 0; t < gDx.size(); ++t) {
      const auto f = detail::toFloat(before[t]);
      gDx[t]->upload(f.data(), f.size() * 4);
    }
    gpu::Recording rec(context);
    forwardPass(rec);
    backwardPass(rec, true);
    context.run(rec);
    for (size_t t = 0; t < gDx.size(); ++t) {
      std::vector<double> want(before[t].size());
      for (size_t i = 0; i < want.size(); ++i) want[i] = before[t][i] + dxRef[t][i];
      result.accumulateError =
          std::max(result.accumulateError, detail::scaledMaxError(gDx[t]->read<float>(want.size()), want));
    }
  }

  auto fail = [&](const char* what, double err, double tol) {
    if (!(err <= tol) && result.failure.empty())
      result.failure = std::string(what) + " error " + std::to_string(err) + " > " + std::to_string(tol);
  };
  fail("forward", result.forwardError, o.forwardTolerance);
  fail("backward", result.backwardError, o.backwardTolerance);
  fail("finite-difference", result.finiteDifferenceError, o.finiteDifferenceTolerance);
  fail("accumulate", result.accumulateError, o.backwardTolerance);
  return result;
}

}  // namespace gradlab::test

// Fails the test with the layer, configuration and what disagreed.
#define GRADLAB_CHECK_LAYER(context, network, node, options)                                                           \
  do {                                                                                                                 \
    const auto check_ = gradlab::test::checkLayer(context, network, node, options);                                    \
    QVERIFY2(check_.failure.empty(),                                                                                   \
             qPrintable(                                                                                               \
                 QString::fromStdString(std::string(node) + " in\n" + std::string(network) + "\n" + check_.failure))); \
  } while (0)

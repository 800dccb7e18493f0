// Probes: the statistics the lab plots, computed on the device, against the same numbers computed
// on the host from the buffers; the classic initialisation demo; the update ratio of SGD.
#include "data/toy_datasets.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "support/gpu_test.h"
#include "support/reference_pass.h"
#include "train/probes.h"
#include "train/training_session.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <functional>
#include <map>

using namespace gradlab;

namespace {

std::string depthNet(const std::string& init) {
  std::string text = "input x: 500\n";
  std::string previous = "x";
  for (int i = 1; i <= 10; ++i) {
    text += "h" + std::to_string(i) + " = Linear(" + previous + ", out_features=500, " + init + ")\n";
    text += "a" + std::to_string(i) + " = Tanh(h" + std::to_string(i) + ")\n";
    previous = "a" + std::to_string(i);
  }
  return text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n";
}

// Forward pass on gaussian noise and the probe of it.
train::ProbeReport probeForward(gpu::Context& context, const std::string& text, uint32_t batch) {
  nn::Network net(context, nn::parseNetwork(text).graph, batch, 1);
  const auto noise = data::makeGaussianNoise(batch, net.inputShape(), 2);
  net.input().upload(noise.floats.data(), noise.floats.size() * 4);
  gpu::Recording rec(context);
  net.recordForward(rec, false);
  context.run(rec);
  train::Probes probes(net);
  return probes.measure(0, false, false);
}

const train::LayerProbe& layer(const train::ProbeReport& r, const std::string& name) {
  for (const auto& l : r.layers)
    if (l.node == name) return l;
  throw std::runtime_error("no layer " + name);
}

// Every layer type but the losses, a Flatten right after the input (its gradient is never
// computed: nothing before it learns) and one later (a view of values whose gradient is), and
// activations the Linear layers fuse into their passes (hz -> z forward, z <- logits backward).
std::string everyLayerNetwork(const std::string& loss) {
  return R"(input x: 2x8x8
fx = Flatten(x)
hx = Linear(fx, out_features=12)
c = Conv2d(x, out_channels=4, kernel_size=3, padding=1)
bn = BatchNorm2d(c)
p = PReLU(bn, num_parameters=4)
u = ConvTranspose2d(p, out_channels=4, kernel_size=3, padding=1)
gn = GroupNorm(u, num_groups=2)
i = InstanceNorm2d(gn, affine=true)
r = ReLU(i)
s = Add(r, p)
m = MaxPool2d(s, kernel_size=2)
a = AvgPool2d(m, kernel_size=2)
d = Dropout(a, p=0.3)
f = Flatten(d)
ln = LayerNorm(f)
h = Linear(ln, out_features=12)
gp = GlobalAvgPool2d(m)
hg = Linear(gp, out_features=12)
sum = Add(h, hx)
sum2 = Add(sum, hg)
b1 = BatchNorm1d(sum2)
e = ELU(b1)
lr = LeakyReLU(e, negative_slope=0.1)
t = Tanh(lr)
sg = Sigmoid(t)
hz = Linear(sg, out_features=8)
z = ReLU(hz)
logits = Linear(z, out_features=4)
loss = )" +
         loss + "(logits)\n";
}

// The probe's statistics of `device` against those of the same tensor from the double-precision
// reference: within float32 error of the tensor's scale; the histogram over the probe's own bin
// edges within a few values moved across an edge.
void compareStats(const std::string& what, const train::TensorStats& device, const nn::RefTensor& reference) {
  const double n = double(reference.size());
  QVERIFY2(device.count == reference.size(), what.c_str());
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  for (double v : reference) sum += v, lo = std::min(lo, v), hi = std::max(hi, v);
  const double mean = sum / n;
  double var = 0;
  for (double v : reference) var += (v - mean) * (v - mean);
  const double scale = std::max({std::abs(lo), std::abs(hi), 1e-30});
  auto close = [&](const char* name, double got, double want) {
    QVERIFY2(std::abs(got - want) <= 2e-3 * scale, qPrintable(QString("%1 %2: probe %3, reference %4 (scale %5)")
                                                                  .arg(QString::fromStdString(what), name)
                                                                  .arg(got)
                                                                  .arg(want)
                                                                  .arg(scale)));
  };
  close("mean", device.mean, mean);
  close("std", device.std, std::sqrt(var / n));
  close("min", device.min, lo);
  close("max", device.max, hi);
  QCOMPARE(device.histogram.size(), size_t(train::kHistogramBins));
  std::vector<double> bins(train::kHistogramBins, 0.0);
  const double width = (device.max - device.min) / train::kHistogramBins;
  for (double v : reference) {
    const double k = width > 0 ? std::floor((v - device.min) / width) : 0;
    bins[size_t(std::clamp(k, 0.0, double(train::kHistogramBins - 1)))] += 1;
  }
  double moved = 0, total = 0;
  for (size_t k = 0; k < bins.size(); ++k)
    moved += std::abs(bins[k] - device.histogram[k]), total += device.histogram[k];
  QVERIFY2(total == n, what.c_str());
  QVERIFY2(moved <= 0.02 * n + 2, qPrintable(QString("%1 histogram: %2 of %3 values in other bins")
                                                 .arg(QString::fromStdString(what))
                                                 .arg(moved / 2)
                                                 .arg(n)));
}

double fractionOf(const nn::RefTensor& values, const std::function<bool(double)>& test) {
  return double(std::count_if(values.begin(), values.end(), test)) / double(values.size());
}

}  // namespace

class TestProbes : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void statisticsMatchTheHost() {
    const char* text = R"(input x: 40
h = Linear(x, out_features=64)
r = ReLU(h)
t = Tanh(h)
s = Sigmoid(h)
logits = Linear(r, out_features=3)
loss = CrossEntropyLoss(logits)
)";
    nn::Network net(*context_, nn::parseNetwork(text).graph, 16, 3);
    auto input = test::randomFloats(16 * 40, 5, -10, 10);  // wide enough to saturate tanh
    net.input().upload(input.data(), input.size() * 4);
    gpu::Recording rec(*context_);
    net.recordForward(rec, true);
    net.recordBackward(rec);
    context_->run(rec);
    train::Probes probes(net);
    const auto report = probes.measure(0, true, false);
    for (const auto& l : report.layers) {
      size_t index = 0;
      while (net.graph().nodes[index].name != l.node) ++index;
      const auto values = net.activation(index).read<float>(l.activation.count);
      double sum = 0, lo = INFINITY, hi = -INFINITY, zeros = 0, saturated = 0;
      for (float v : values) {
        sum += v;
        lo = std::min<double>(lo, v);
        hi = std::max<double>(hi, v);
        zeros += v == 0.0f;
        saturated += l.type == "Tanh" ? std::abs(v) >= 0.99f : l.type == "Sigmoid" ? (v <= 0.01f || v >= 0.99f) : false;
      }
      const double mean = sum / values.size();
      double var = 0;
      for (float v : values) var += (v - mean) * (v - mean);
      QVERIFY(std::abs(l.activation.mean - mean) <= 1e-5 * std::max(1.0, std::abs(mean)));
      QVERIFY(std::abs(l.activation.std - std::sqrt(var / values.size())) <=
              1e-4 * std::max(1.0, std::sqrt(var / values.size())));
      QCOMPARE(l.activation.min, lo);
      QCOMPARE(l.activation.max, hi);
      if (l.type == "ReLU")
        QCOMPARE(l.activation.deadFraction.value(), zeros / values.size());
      else
        QVERIFY2(!l.activation.deadFraction, l.node.c_str());  // Linear's zeros are not dead units
      if (l.type == "Tanh" || l.type == "Sigmoid")
        QCOMPARE(l.activation.saturatedFraction.value(), saturated / values.size());
      else
        QVERIFY2(!l.activation.saturatedFraction, l.node.c_str());
      double binned = 0;
      for (float b : l.activation.histogram) binned += b;
      QCOMPARE(binned, double(values.size()));
    }
    QVERIFY(layer(report, "r").activation.deadFraction > 0.3);  // dead half of the ReLU inputs
    QVERIFY(layer(report, "t").activation.saturatedFraction > 0.05);
    QVERIFY(layer(report, "h").gradient.count > 0);
    QVERIFY(layer(report, "t").gradient.count == 0 ||
            layer(report, "t").gradient.std == 0);  // t does not reach the loss
  }

  // Every layer type's activation and gradient statistics against the network's double-precision
  // reference, after a training forward and backward pass, with each loss. A node whose gradient
  // the backward pass does not compute (the first Flatten) reports none rather than a stale buffer.
  void everyLayerTypeMatchesTheReference() {
    for (const char* loss : {"CrossEntropyLoss", "MSELoss", "BCEWithLogitsLoss", "MultiMarginLoss"}) {
      constexpr uint32_t kBatch = 6;
      nn::Network net(*context_, test::graphOf(everyLayerNetwork(loss)), kBatch, 7);
      const auto input = test::randomFloats(kBatch * net.inputShape().elements(), 9, -2, 2);
      const auto ref =
          test::trainingPassWithReference(*context_, net, input, test::spreadLabels(kBatch, net.classes(), 3));
      train::Probes probes(net);
      const auto report = probes.measure(0, true, false);
      QCOMPARE(report.layers.size(), net.graph().nodes.size());
      std::vector<std::string> withoutGradient;
      for (const auto& l : report.layers) {
        size_t i = 0;
        while (net.graph().nodes[i].name != l.node) ++i;
        const std::string what = std::string(loss) + " " + l.node + " (" + l.type + ")";
        compareStats(what + " activation", l.activation, ref.activations[i]);
        if (l.type == "ReLU") {
          QVERIFY2(std::abs(*l.activation.deadFraction -
                            fractionOf(ref.activations[i], [](double v) { return v == 0; })) <= 0.01,
                   what.c_str());
          QVERIFY2(*l.activation.deadFraction > 0.2, what.c_str());
        } else {
          QVERIFY2(!l.activation.deadFraction, what.c_str());
        }
        QCOMPARE(bool(l.activation.saturatedFraction), l.type == "Tanh" || l.type == "Sigmoid");
        QVERIFY(!l.gradient.deadFraction && !l.gradient.saturatedFraction);
        if (l.gradient.count)
          compareStats(what + " gradient", l.gradient, ref.gradients[i]);
        else
          withoutGradient.push_back(l.node);
      }
      QCOMPARE(withoutGradient, (std::vector<std::string>{"fx", "loss"}));
    }
  }

  void initialisationDemo() {
    // Ten tanh layers on gaussian noise: std 0.01 weights make activations vanish with depth;
    // Xavier keeps them alive (the figure of Glorot and Bengio, 2010).
    const auto small = probeForward(*context_, depthNet("init=normal, init_std=0.01"), 64);
    const auto xavier = probeForward(*context_, depthNet("init=xavier_normal"), 64);
    const double smallFirst = layer(small, "a1").activation.std, smallLast = layer(small, "a10").activation.std;
    const double xavierFirst = layer(xavier, "a1").activation.std, xavierLast = layer(xavier, "a10").activation.std;
    QVERIFY2(smallLast < 1e-6 * smallFirst * 1e3, qPrintable(QString("%1 -> %2").arg(smallFirst).arg(smallLast)));
    QVERIFY2(xavierLast > 0.1 * xavierFirst, qPrintable(QString("%1 -> %2").arg(xavierFirst).arg(xavierLast)));
    // Large weights (std 1) saturate tanh instead.
    const auto large = probeForward(*context_, depthNet("init=normal, init_std=1.0"), 64);
    QVERIFY(layer(large, "a5").activation.saturatedFraction > 0.5);
  }

  void sgdUpdateRatioIsLearningRateTimesGradientNorm() {
    data::ToyOptions toy{200, 0.1, 2, 1};
    const auto data = data::makeToyDataset("circles", toy);
    train::TrainingOptions options;
    options.batch = 20;
    options.learningRate = 0.05;
    train::TrainingSession session(*context_,
                                   nn::parseNetwork("input x: 2\nh = Linear(x, out_features=8)\na = Tanh(h)\nlogits = "
                                                    "Linear(a, out_features=2)\nloss = CrossEntropyLoss(logits)\n")
                                       .graph,
                                   data, nullptr, options);
    session.train(5);
    std::vector<train::StepRecord> records;
    const auto report = session.probeStep(&records);
    QCOMPARE(records.size(), size_t(1));
    QCOMPARE(report.step, uint64_t(6));  // the sixth step was probed
    QCOMPARE(report.parameters.size(), size_t(4));
    for (const auto& p : report.parameters) {
      QVERIFY(p.norm > 0 && p.gradNorm > 0);
      const double expected = 0.05 * p.gradNorm / p.norm;
      QVERIFY2(
          std::abs(p.updateRatio - expected) <= 1e-3 * expected,
          qPrintable(QString("%1: %2 vs %3").arg(QString::fromStdString(p.name)).arg(p.updateRatio).arg(expected)));
    }
  }

  // BatchNorm's running statistics are named like parameters and travel with the weight snapshots:
  // the analysis views evaluate the run's network with them.
  void runningStatisticsAreSnapshotToo() {
    const auto data = data::makeToyDataset("blobs", {200, 0.5, 3, 2});
    train::TrainingOptions options;
    options.batch = 25;
    train::TrainingSession session(*context_,
                                   nn::parseNetwork("input x: 2\nh = Linear(x, out_features=6)\n"
                                                    "bn = BatchNorm1d(h, momentum=0.5)\n"
                                                    "logits = Linear(bn, out_features=3)\n"
                                                    "loss = CrossEntropyLoss(logits)\n")
                                       .graph,
                                   data, nullptr, options);
    const auto stats = session.network().runningStatistics();
    QCOMPARE(stats.size(), size_t(2));
    QCOMPARE(stats[0].name, std::string("bn.running_mean"));
    QCOMPARE(stats[1].name, std::string("bn.running_var"));
    QCOMPARE(stats[0].count, 6u);
    session.snapshotWeights({"bn.running_mean", "bn.running_var", "h.weight"});
    session.train(4);
    const auto report = session.probeStep();
    std::map<std::string, std::vector<float>> copied;
    for (const auto& w : report.weights) copied[w.name] = w.values;
    QCOMPARE(copied.size(), size_t(3));
    QCOMPARE(copied.at("bn.running_mean"), stats[0].buffer->read<float>(6));
    QCOMPARE(copied.at("bn.running_var"), stats[1].buffer->read<float>(6));
    // Five steps of momentum 0.5 moved them well away from their initial 0 and 1.
    double moved = 0;
    for (int i = 0; i < 6; ++i)
      moved += std::abs(copied.at("bn.running_mean")[i]) + std::abs(copied.at("bn.running_var")[i] - 1.0f);
    QVERIFY2(moved > 0.1, qPrintable(QString::number(moved)));
  }
};

QTEST_APPLESS_MAIN(TestProbes)
#include "test_probes.moc"

// Probes: the statistics the lab plots, computed on the device, against the same numbers computed
// on the host from the buffers; the classic initialisation demo; the update ratio of SGD.
#include "data/toy_datasets.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "support/gpu_test.h"
#include "train/probes.h"
#include "train/training_session.h"

#include <QTest>

#include <cmath>
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
      QVERIFY(std::abs(l.activation.std - std::sqrt(var / values.size())) <= 1e-4 * std::max(1.0, std::sqrt(var / values.size())));
      QCOMPARE(l.activation.min, lo);
      QCOMPARE(l.activation.max, hi);
      QCOMPARE(l.activation.zeroFraction, zeros / values.size());
      QCOMPARE(l.activation.saturatedFraction, saturated / values.size());
      double binned = 0;
      for (float b : l.activation.histogram) binned += b;
      QCOMPARE(binned, double(values.size()));
    }
    QVERIFY(layer(report, "r").activation.zeroFraction > 0.3);  // dead half of the ReLU inputs
    QVERIFY(layer(report, "t").activation.saturatedFraction > 0.05);
    QVERIFY(layer(report, "h").gradient.count > 0);
    QVERIFY(layer(report, "t").gradient.count == 0 || layer(report, "t").gradient.std == 0);  // t does not reach the loss
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
    train::TrainingSession session(*context_, nn::parseNetwork("input x: 2\nh = Linear(x, out_features=8)\na = Tanh(h)\nlogits = Linear(a, out_features=2)\nloss = CrossEntropyLoss(logits)\n").graph,
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
      QVERIFY2(std::abs(p.updateRatio - expected) <= 1e-3 * expected,
               qPrintable(QString("%1: %2 vs %3").arg(QString::fromStdString(p.name)).arg(p.updateRatio).arg(expected)));
    }
  }

  // BatchNorm's running statistics are named like parameters and travel with the weight snapshots:
  // the analysis views evaluate the run's network with them.
  void runningStatisticsAreSnapshotToo() {
    const auto data = data::makeToyDataset("blobs", {200, 0.5, 3, 2});
    train::TrainingOptions options;
    options.batch = 25;
    train::TrainingSession session(*context_, nn::parseNetwork("input x: 2\nh = Linear(x, out_features=6)\n"
                                                               "bn = BatchNorm1d(h, momentum=0.5)\n"
                                                               "logits = Linear(bn, out_features=3)\n"
                                                               "loss = CrossEntropyLoss(logits)\n").graph,
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

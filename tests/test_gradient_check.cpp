// The gradient check: correct networks of every layer kind pass, with Dropout's masks and
// BatchNorm's batch statistics matched; every shipped network passes on the batches gradlab-cli
// checks, whatever ReLU inputs sit next to 0; entries whose step crosses a kink (a ReLU at 0, a
// max-pool tie) are counted, not failed; a bug planted in one layer's gradient is caught on
// exactly that layer of an MLP, LeNet-5 and the residual network, kinks or not; the entries
// checked are reproducible.
#include "analysis/gradient_check.h"
#include "data/toy_datasets.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "ops/elementwise.h"
#include "support/gpu_test.h"

#include <QDir>
#include <QTest>

#include <chrono>
#include <random>

using namespace gradlab;

namespace {

std::string describe(const analysis::GradientCheckReport& report) {
  std::string out;
  for (const auto& t : report.tensors)
    out += t.layer + "." + t.tensor + " " + std::to_string(t.checked) + "/" + std::to_string(t.entries) + " " +
           std::to_string(t.maxRelativeError) + " " + analysis::bandName(t.band) + " largest " +
           std::to_string(t.largestGradient) + " kinks " + std::to_string(t.kinks) + "\n";
  return out;
}

}  // namespace

class TestGradientCheck : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // A network with a random batch (inputs in [-1, 1], labels spread over the classes) on the device.
  std::unique_ptr<nn::Network> networkWithBatch(const nn::Graph& graph, uint32_t batch, uint32_t seed = 3) {
    auto net = std::make_unique<nn::Network>(*context_, graph, batch, seed);
    const auto input = test::randomFloats(batch * net->inputShape().elements(), seed + 1);
    std::vector<uint32_t> labels(batch);
    for (uint32_t b = 0; b < batch; ++b) labels[b] = (b * 3 + 1) % net->classes();
    net->input().upload(input.data(), input.size() * 4);
    net->labels().upload(labels.data(), labels.size() * 4);
    return net;
  }

  // The batch gradlab-cli gradcheck checks by default: N(0, 1) noise drawn from seed + 1, labels
  // from seed, the weights of seed.
  std::unique_ptr<nn::Network> networkWithNoise(const std::string& file, uint32_t batch, uint32_t seed) {
    const nn::Graph graph = nn::loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/" + file);
    auto net = std::make_unique<nn::Network>(*context_, graph, batch, seed);
    const auto noise = data::makeGaussianNoise(batch, net->inputShape(), seed + 1);
    net->input().upload(noise.floats.data(), noise.floats.size() * 4);
    std::mt19937 rng(seed);
    std::vector<uint32_t> labels(batch);
    for (auto& l : labels) l = rng() % std::max(net->classes(), 1u);
    net->labels().upload(labels.data(), labels.size() * 4);
    return net;
  }

  // Plants a bug in `layer`: its weight gradient comes out 5% too large. It must fail there, and
  // only there.
  void plantedBugIsCaught(nn::Network& net, const std::string& layer, uint32_t samples, const std::string& what) {
    analysis::GradientCheckOptions options;
    options.samples = samples;
    options.afterBackward = [&](gpu::Recording& rec, nn::Network& n) {
      for (auto& p : n.parameters())
        if (p.name == layer + ".weight") ops::axpy(rec, 0.05f, p.grad, p.grad, p.count());
    };
    const auto broken = analysis::checkGradients(net, options);
    QVERIFY2(broken.failedLayers() == std::vector<std::string>{layer},
             (what + " with a bug in " + layer + ":\n" + describe(broken)).c_str());
    for (const auto& t : broken.tensors)
      if (t.layer == layer && t.tensor == "weight") QCOMPARE(t.band, analysis::GradientBand::Wrong);
  }
  void plantedBugIsCaught(const std::string& file, const std::string& layer, uint32_t batch, uint32_t samples) {
    auto net = networkWithBatch(nn::loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/" + file), batch);
    analysis::GradientCheckOptions options;
    options.samples = samples;
    const auto clean = analysis::checkGradients(*net, options);
    QVERIFY2(clean.passed(), (file + " without a bug:\n" + describe(clean)).c_str());
    plantedBugIsCaught(*net, layer, samples, file);
  }

  // Passes well inside the threshold (correct float32 reads up to ~4e-3 where a tensor's small
  // entries sum terms that cancel), with most entries judged.
  void passesWellInside(nn::Network& net, uint32_t samples, const std::string& what) {
    analysis::GradientCheckOptions options;
    options.samples = samples;
    options.seed = net.seed();
    const auto report = analysis::checkGradients(net, options);
    QVERIFY2(report.passed(), (what + ":\n" + describe(report)).c_str());
    for (const auto& t : report.tensors) {
      QVERIFY2(t.maxRelativeError <= 5e-3, (what + ":\n" + describe(report)).c_str());
      QVERIFY2(t.kinks <= t.checked / 2, (what + ": most entries left out\n" + describe(report)).c_str());
    }
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void mlpBugIsCaught() { plantedBugIsCaught("mlp_784_256_10.net", "h1", 4, 12); }
  void lenetBugIsCaught() { plantedBugIsCaught("lenet5.net", "c3", 3, 10); }
  void residualBugIsCaught() { plantedBugIsCaught("residual_cnn.net", "b1_c2", 1, 4); }

  // gradlab-cli gradcheck's default batch on the residual network (seed 0, batch 4): a ReLU input
  // sits ~5e-8 from 0, most steps of the first layers cross it, and the device's float32 forward
  // puts it on the other side. It passes, and a 5% bug in the first layer, the one that moves
  // that input most, is caught.
  void residualDefaultBatchPassesAndCatchesABug() {
    auto net = networkWithNoise("residual_cnn.net", 4, 0);
    passesWellInside(*net, 20, "residual_cnn.net seed 0 batch 4");
    plantedBugIsCaught(*net, "stem", 8, "residual_cnn.net seed 0 batch 4");
  }

  // Seed 7, batch 3 of the residual network (a ReLU input that float32 puts on the other side of
  // 0, which moved the first blocks' gradients by up to 28%), then every shipped network on a
  // spread of seeds 0-9 and batches 1-8.
  void shippedNetworksPass() {
    const auto start = std::chrono::steady_clock::now();
    passesWellInside(*networkWithNoise("residual_cnn.net", 3, 7), 10, "residual_cnn.net seed 7 batch 3");
    const QStringList files = QDir(GRADLAB_NETWORKS).entryList({"*.net"}, QDir::Files, QDir::Name);
    QVERIFY(files.size() >= 6);
    for (int n = 0; n < files.size(); ++n)
      for (uint32_t j = 0; j < 2; ++j) {
        const uint32_t seed = (3 * n + 5 * j) % 10, batch = 1 + (5 * n + 3 * j) % 8;
        const std::string file = files[n].toStdString();
        passesWellInside(*networkWithNoise(file, batch, seed), 4,
                         file + " seed " + std::to_string(seed) + " batch " + std::to_string(batch));
      }
    qInfo("shipped networks: %.1f s", std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }

  // ReLU inputs exactly at 0 (a zero Linear layer) and max-pool windows of equal values (a zero
  // convolution): every step of those weights crosses a kink right at the value, where the
  // central difference takes the mean of the two slopes and the backward pass one of them. Those
  // entries are counted as kinks, not failed; the rest is judged as usual.
  void kinksAreCountedNotFailed() {
    auto relu = networkWithBatch(test::graphOf("input x: 5\nh = Linear(x, out_features=4)\na = ReLU(h)\n"
                                               "logits = Linear(a, out_features=3)\nloss = CrossEntropyLoss(logits)\n"),
                                 3);
    auto pool =
        networkWithBatch(test::graphOf("input x: 2x4x4\nc = Conv2d(x, out_channels=2, kernel_size=3, padding=1)\n"
                                       "m = MaxPool2d(c, kernel_size=2)\nf = Flatten(m)\n"
                                       "logits = Linear(f, out_features=3)\nloss = CrossEntropyLoss(logits)\n"),
                         2);
    for (auto* net : {relu.get(), pool.get()}) {
      const nn::Parameter& first = net->parameters()[0];
      first.writeValues(std::vector<float>(first.count(), 0.0f));
      net->parameters()[1].writeValues(std::vector<float>(net->parameters()[1].count(), 0.0f));
      analysis::GradientCheckOptions options;
      options.samples = 12;
      const auto report = analysis::checkGradients(*net, options);
      QVERIFY2(report.passed(), describe(report).c_str());
      const analysis::TensorCheck& weight = report.tensors[0];
      QVERIFY2(weight.kinks >= weight.checked / 2, describe(report).c_str());
      QVERIFY(report.kinks() >= weight.kinks);
      for (size_t k = 2; k < report.tensors.size(); ++k) {  // the layer after: no kink in its steps
        QVERIFY2(report.tensors[k].judged() && report.tensors[k].kinks == 0, describe(report).c_str());
      }
    }
  }

  // Every kind of layer with parameters or randomness, in training mode: all pass, well inside the
  // threshold (correct float32 reads up to ~1e-3), and Dropout / DropConnect see the masks of the
  // device's step.
  void everyLayerKindPasses() {
    const nn::Graph g = test::graphOf(R"(input x: 2x7x7
c = Conv2d(x, out_channels=3, kernel_size=3, padding=1, dilation=2, stride=2)
bn = BatchNorm2d(c)
p = PReLU(bn, num_parameters=3)
u = ConvTranspose2d(p, out_channels=2, kernel_size=3, stride=2)
gn = GroupNorm(u, num_groups=2)
i = InstanceNorm2d(gn, affine=true)
m = MaxPool2d(i, kernel_size=2)
d = Dropout(m, p=0.3)
f = Flatten(d)
ln = LayerNorm(f)
h = Linear(ln, out_features=6, dropconnect=0.2)
b1 = BatchNorm1d(h)
a = ELU(b1)
logits = Linear(a, out_features=4)
loss = CrossEntropyLoss(logits)
)");
    auto net = networkWithBatch(g, 4, 8);
    const uint32_t step = 5;  // masks of another step than the first
    net->step().upload(&step, 4);
    analysis::GradientCheckOptions options;
    options.samples = 8;
    const auto report = analysis::checkGradients(*net, options);
    QVERIFY2(report.passed(), describe(report).c_str());
    for (const auto& t : report.tensors) QVERIFY2(t.maxRelativeError <= 2e-3, describe(report).c_str());
    QVERIFY(report.loss > 0);
  }

  // The bands, and every entry of a small tensor but a reproducible sample of a large one.
  void entriesAreReproducible() {
    QCOMPARE(analysis::bandOf(1e-8), analysis::GradientBand::Great);
    QCOMPARE(analysis::bandOf(1e-5), analysis::GradientBand::Fine);
    QCOMPARE(analysis::bandOf(1e-3), analysis::GradientBand::Suspicious);
    QCOMPARE(analysis::bandOf(0.5), analysis::GradientBand::Wrong);
    QCOMPARE(analysis::bandOf(NAN), analysis::GradientBand::Wrong);

    auto net = networkWithBatch(test::graphOf("input x: 30\nh = Linear(x, out_features=20)\na = Tanh(h)\n"
                                              "logits = Linear(a, out_features=3)\nloss = MSELoss(logits)\n"),
                                5);
    analysis::GradientCheckOptions options;
    options.samples = 25;
    const auto first = analysis::checkGradients(*net, options);
    QCOMPARE(first.tensors.size(), size_t(4));
    QCOMPARE(first.tensors[0].checked, 25u);  // of 600
    QCOMPARE(first.tensors[0].entries, 600u);
    QCOMPARE(first.tensors[1].checked, 20u);  // all
    QCOMPARE(first.tensors[3].checked, 3u);
    const auto again = analysis::checkGradients(*net, options);
    QCOMPARE(again.tensors[0].largestGradient, first.tensors[0].largestGradient);
    options.seed = 1;
    const auto other = analysis::checkGradients(*net, options);
    QVERIFY(other.tensors[0].largestGradient != first.tensors[0].largestGradient);
    QVERIFY(first.passed() && other.passed());
  }
};

QTEST_GUILESS_MAIN(TestGradientCheck)
#include "test_gradient_check.moc"

// Training on the device end to end: whole-network gradients against the double-precision
// reference, real learning on a toy set and on Fashion-MNIST, reproducibility, replays, batches
// assembled on the device, and a learning rate too high stopping cleanly with an explanation.
#include "data/device_dataset.h"
#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "nn/random_hash.h"
#include "persist/run_setup.h"
#include "support/gpu_test.h"
#include "support/reference_pass.h"
#include "train/training_session.h"

#include <QTest>

#include <cmath>
#include <filesystem>
#include <set>

using namespace gradlab;

namespace {

const char* kToyNet = R"(input x: 2
h1 = Linear(x, out_features=32, init=kaiming_normal)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=32, init=kaiming_normal)
a2 = Tanh(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";

std::vector<float> weightsOf(nn::Network& net) {
  std::vector<float> all;
  for (auto& p : net.parameters()) {
    const auto v = p.readValues();
    all.insert(all.end(), v.begin(), v.end());
  }
  return all;
}

}  // namespace

class TestTraining : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Compares the device's gradients of a whole network with the double reference on one batch.
  void checkWholeNetwork(const std::string& text, const nn::Shape& inputShape, uint32_t batch, double tolerance) {
    nn::Network net(*context_, test::graphOf(text), batch, 11);
    const auto input = test::randomFloats(batch * inputShape.elements(), 3, -1, 1);
    const auto ref =
        test::trainingPassWithReference(*context_, net, input, test::spreadLabels(batch, net.classes(), 7));
    // A tensor whose true gradient is ~0 (a bias right before BatchNorm) is judged against the
    // network's gradient scale, not its own: float rounding there is not an error.
    double networkScale = 1e-12;
    for (const auto& g : ref.paramGrads)
      for (double v : g) networkScale = std::max(networkScale, std::abs(v));
    for (size_t k = 0; k < ref.paramGrads.size(); ++k) {
      const auto got = net.parameters()[k].readGradients();
      double top = 1e-2 * networkScale, worst = 0;
      for (size_t i = 0; i < got.size(); ++i) {
        top = std::max(top, std::abs(ref.paramGrads[k][i]));
        worst = std::max(worst, std::abs(got[i] - ref.paramGrads[k][i]));
      }
      QVERIFY2(worst / top <= tolerance, qPrintable(QString("%1: gradient error %2 of its largest value")
                                                        .arg(QString::fromStdString(net.parameters()[k].name))
                                                        .arg(worst / top)));
    }
    const auto losses = net.activation(net.lossNode()).read<float>(batch);
    double mean = 0;
    for (float l : losses) mean += l / batch;
    QVERIFY(std::abs(mean - ref.meanLoss) <= 1e-5 * std::max(1.0, std::abs(ref.meanLoss)));
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void mlpGradientsMatchReference() {
    checkWholeNetwork(kToyNet, nn::Shape{2}, 5, 1e-4);
    checkWholeNetwork(R"(input x: 1x6x5
f = Flatten(x)
h = Linear(f, out_features=9)
a = ELU(h)
h2 = Linear(a, out_features=9)
b = LeakyReLU(h2)
h3 = Linear(b, out_features=4)
s = Sigmoid(h3)
logits = Linear(s, out_features=4)
loss = CrossEntropyLoss(logits)
)",
                      nn::Shape{1, 6, 5}, 7, 1e-4);
  }

  // The step builder's passes (train::recordForward, train::recordBackward) have a Linear layer
  // apply the activation after it in its forward GEMM, and the activation before it in its
  // input-gradient GEMM (with the registers kernels, the CPU devices' default): the toy MLP's
  // forward is 3 GEMMs and the loss, its backward the loss, 5 GEMMs (the first layer has no input
  // gradient); the activations get no dispatch of their own, and their tensors and gradients are
  // still written (fusedPassesAreBitIdenticalToThePlainOnes checks the values). The network alone
  // fuses nothing: every node records its own pass, 6 dispatches forward and 8 backward.
  void activationsRideOnTheirLinearLayers() {
    if (context_->kernelVariant() != gpu::KernelVariant::Registers) QSKIP("fused activations need the registers GEMM");
    nn::Network net(*context_, test::graphOf(kToyNet), 4, 11);
    gpu::Recording plain(*context_), plainBackward(*context_), forward(*context_), backward(*context_);
    net.recordForward(plain, true);
    net.recordBackward(plainBackward);
    QCOMPARE(train::recordForward(forward, net, true), size_t(2));
    QCOMPARE(train::recordBackward(backward, net), size_t(2));
    QCOMPARE(plain.dispatchCount(), 6u);
    QCOMPARE(plainBackward.dispatchCount(), 8u);
    QCOMPARE(forward.dispatchCount(), 4u);
    QCOMPARE(backward.dispatchCount(), 6u);
  }

  // The fused passes compute exactly what the plain ones do, bit for bit: every activation, every
  // gradient the pass carries and every parameter gradient, for each point-wise activation, in
  // the loss's backward pass as a training step records it (gradients checked as stored) and in
  // a backward pass seeded at a hidden node down to the network input (the receptive field's).
  // The fused path is taken: 5 activations ride on GEMMs forward, 4 backward (a5, read by two
  // layers, keeps its own backward pass), and 1 in the pass seeded at a2 (a1's).
  void fusedPassesAreBitIdenticalToThePlainOnes() {
    const char* text = R"(input x: 12
h1 = Linear(x, out_features=16)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=16)
a2 = Tanh(h2)
h3 = Linear(a2, out_features=12)
a3 = ELU(h3, alpha=0.5)
h4 = Linear(a3, out_features=8)
a4 = LeakyReLU(h4, negative_slope=0.1)
h5 = Linear(a4, out_features=8)
a5 = Sigmoid(h5)
p = Linear(a5, out_features=4)
q = Linear(a5, out_features=4)
s = Add(p, q)
logits = Linear(s, out_features=4)
loss = CrossEntropyLoss(logits)
)";
    const uint32_t batch = 6;
    nn::Network net(*context_, test::graphOf(text), batch, 5);
    const auto input = test::randomFloats(batch * 12, 8, -2, 2);
    const auto labels = test::spreadLabels(batch, 4, 5);
    net.input().upload(input.data(), input.size() * 4);
    net.labels().upload(labels.data(), labels.size() * 4);
    gpu::Buffer control(*context_, train::kControlBlockBytes);
    control.upload(std::vector<uint32_t>(train::kControlBlockBytes / 4, 0u).data(), train::kControlBlockBytes);
    optim::Sgd sgd(0.1);
    const size_t seeded = size_t(net.nodeIndex("a2"));
    const std::vector<float> seed = test::randomFloats(batch * 16, 9, -1, 1);
    // Everything the passes write: activations, carried gradients, parameter gradients.
    auto results = [&](bool fused, bool fromHidden) {
      size_t fusions = 0;
      net.gradient(seeded).upload(seed.data(), seed.size() * 4);
      gpu::Recording rec(*context_);
      if (fused) {
        fusions = train::recordForward(rec, net, true);
        if (fromHidden) {
          fusions += train::recordBackward(rec, net, net.backwardSweepFrom(seeded, true));
        } else {
          train::StepBuilder builder(net, sgd, train::planStepFusion(false, false, &sgd), gpu::BufferRange(control));
          builder.recordBackward(rec);
          fusions += builder.activationsFusedInBackward();
        }
      } else {
        net.recordForward(rec, true);
        fromHidden ? net.recordBackwardFrom(rec, seeded, true) : net.recordBackward(rec);
      }
      context_->run(rec);
      std::vector<std::vector<float>> out;
      for (size_t i = 0; i < net.graph().nodes.size(); ++i) {
        const uint64_t n = uint64_t(batch) * net.analysis().nodes[i].shape.output.elements();
        out.push_back(net.activation(i).read<float>(n));
        if (fromHidden ? i <= seeded : net.hasGradient(i)) out.push_back(net.gradient(i).read<float>(n));
      }
      for (const auto& p : net.parameters()) out.push_back(p.readGradients());
      if (fromHidden) out.push_back(net.inputGradient().read<float>(input.size()));
      return std::make_pair(out, fusions);
    };
    for (bool fromHidden : {false, true}) {
      const auto [plain, none] = results(false, fromHidden);
      const auto [fused, fusions] = results(true, fromHidden);
      QCOMPARE(none, size_t(0));
      if (context_->kernelVariant() == gpu::KernelVariant::Registers)
        QCOMPARE(fusions, size_t(fromHidden ? 5 + 1 : 5 + 4));
      QCOMPARE(fused.size(), plain.size());
      for (size_t t = 0; t < plain.size(); ++t)
        QVERIFY2(fused[t] == plain[t],
                 qPrintable(QString("tensor %1 differs (from a hidden node: %2)").arg(t).arg(fromHidden)));
    }
  }

  // A Linear layer with DropConnect describes its product with the masked weights: its forward
  // pass records the mask, and the step builder the product with the ReLU after it (the mask, 2
  // GEMMs and the loss instead of 5 passes), matching the reference.
  void dropConnectLayerCarriesItsActivation() {
    const char* text = R"(input x: 3
h = Linear(x, out_features=8, dropconnect=0.5)
a = ReLU(h)
logits = Linear(a, out_features=3)
loss = CrossEntropyLoss(logits)
)";
    checkWholeNetwork(text, nn::Shape{3}, 6, 1e-4);
    if (context_->kernelVariant() != gpu::KernelVariant::Registers) return;
    nn::Network net(*context_, test::graphOf(text), 6, 11);
    gpu::Recording plain(*context_), forward(*context_);
    net.recordForward(plain, true);
    train::recordForward(forward, net, true);
    QCOMPARE(plain.dispatchCount(), 5u);
    QCOMPARE(forward.dispatchCount(), 4u);
  }

  void lenetAndResidualGradientsMatchReference() {
    const std::string dir = GRADLAB_NETWORKS;
    for (const char* file : {"/lenet5.net", "/residual_cnn.net"}) {
      const nn::Graph g = nn::loadNetworkFile(dir + file);
      checkWholeNetwork(nn::printNetwork(g), g.inputs[0].shape, 3, 2e-4);
    }
  }

  void fanOutGradientsAccumulate() {
    // One activation feeds two layers: its gradient must be the sum of both paths.
    const char* text = R"(input x: 3
h = Linear(x, out_features=4)
a = Tanh(h)
p = Linear(a, out_features=2)
q = Linear(a, out_features=2)
s = Sigmoid(p)
t = Tanh(q)
f = Flatten(s)
logits = Linear(f, out_features=2)
loss = CrossEntropyLoss(logits)
)";
    // q and t do not reach the loss: they must not disturb it.
    checkWholeNetwork(text, nn::Shape{3}, 4, 1e-4);
  }

  void spiralIsLearned() {
    data::ToyOptions toy{900, 0.05, 3, 1};
    const auto [train, validation] = data::makeToyDataset("spiral", toy).split(0.2, 1);
    train::TrainingOptions options;
    options.batch = 32;
    options.learningRate = 0.5;
    options.seed = 3;
    train::TrainingSession session(*context_, test::graphOf(kToyNet), train, &validation, options);
    const auto before = session.evaluateValidation();
    const auto records = session.train(session.stepsPerEpoch() * 60);
    QCOMPARE(records.size(), size_t(session.stepsPerEpoch() * 60));
    QVERIFY(!session.nonFinite());
    const auto after = session.evaluateValidation();
    QCOMPARE(after.samples, validation.size());
    QVERIFY2(before.accuracy < 0.6, qPrintable(QString::number(before.accuracy)));
    QVERIFY2(after.accuracy > 0.9, qPrintable(QString("validation accuracy %1").arg(after.accuracy)));
    QVERIFY(records.back().loss < records.front().loss * 0.5);
  }

  void spiralIsLearnedWithAdam() {
    data::ToyOptions toy{900, 0.05, 3, 1};
    const auto [train, validation] = data::makeToyDataset("spiral", toy).split(0.2, 1);
    train::TrainingOptions options;
    options.batch = 32;
    options.seed = 3;
    train::TrainingSession session(*context_, test::graphOf(kToyNet), train, &validation, options,
                                   optim::createOptimizer(*context_, "adam", {{"lr", "0.01"}}));
    QCOMPARE(session.learningRate(), 0.01);  // the optimizer's, not options.learningRate
    const auto records = session.train(session.stepsPerEpoch() * 30);
    QVERIFY(!session.nonFinite());
    const auto after = session.evaluateValidation();
    QVERIFY2(after.accuracy > 0.9, qPrintable(QString("validation accuracy %1").arg(after.accuracy)));
    QVERIFY(records.back().loss < records.front().loss * 0.5);
    // A reset run starts from scratch: same seed, same first steps.
    session.reset(3);
    const auto again = session.train(5);
    for (size_t i = 0; i < again.size(); ++i) QCOMPARE(again[i].loss, records[i].loss);
  }

  void sameSeedSameRunOneSubmitOrMany() {
    data::ToyOptions toy{300, 0.1, 3, 2};
    const auto data = data::makeToyDataset("spiral", toy);
    train::TrainingOptions options;
    options.batch = 16;
    options.learningRate = 0.2;
    options.seed = 9;
    train::TrainingSession a(*context_, test::graphOf(kToyNet), data, nullptr, options);
    train::TrainingSession b(*context_, test::graphOf(kToyNet), data, nullptr, options);
    const auto ra = a.train(30);  // replays in one submission
    std::vector<train::StepRecord> rb;
    for (int i = 0; i < 30; ++i) rb.push_back(b.train(1).at(0));  // one step per submission
    for (int i = 0; i < 30; ++i) QCOMPARE(ra[i].loss, rb[i].loss);
    QVERIFY(weightsOf(a.network()) == weightsOf(b.network()));
    // Another seed starts elsewhere; reset brings a run back to its start.
    train::TrainingOptions other = options;
    other.seed = 10;
    train::TrainingSession c(*context_, test::graphOf(kToyNet), data, nullptr, other);
    QVERIFY(c.train(1).at(0).loss != ra[0].loss);
    a.reset(9);
    QCOMPARE(a.step(), uint64_t(0));
    QCOMPARE(a.train(1).at(0).loss, ra[0].loss);
  }

  // Plain SGD taken by the Linear layers in their weight gradients' GEMMs (the default) trains
  // exactly as the update stage after the backward pass: the same losses and weights step by step,
  // and probe steps (which need every gradient) report the same gradients.
  void sgdInBackwardTrainsAsTheUpdateStage() {
    data::ToyOptions toy{300, 0.1, 3, 5};
    const auto data = data::makeToyDataset("spiral", toy);
    train::TrainingOptions options;
    options.batch = 16;
    options.learningRate = 0.2;
    train::TrainingSession fused(*context_, test::graphOf(kToyNet), data, nullptr, options);
    options.sgdInBackward = false;
    train::TrainingSession apart(*context_, test::graphOf(kToyNet), data, nullptr, options);
    QCOMPARE(apart.parametersUpdatedInBackward(), size_t(0));
    if (context_->kernelVariant() == gpu::KernelVariant::Registers)  // h2 and logits (h1's 2 inputs are no vec4)
      QCOMPARE(fused.parametersUpdatedInBackward(), size_t(4));
    auto close = [](const std::vector<float>& a, const std::vector<float>& b) {
      if (a.size() != b.size()) return false;
      for (size_t i = 0; i < a.size(); ++i)
        if (!(std::abs(a[i] - b[i]) <= 1e-5f * (1 + std::abs(b[i])))) return false;
      return true;
    };
    for (int chunk = 0; chunk < 3; ++chunk) {
      const auto a = fused.train(7), b = apart.train(7);
      QCOMPARE(a.size(), b.size());
      for (size_t i = 0; i < a.size(); ++i) QVERIFY(std::abs(a[i].loss - b[i].loss) <= 1e-5 * (1 + b[i].loss));
      QVERIFY(close(weightsOf(fused.network()), weightsOf(apart.network())));
    }
    const auto pa = fused.probeStep(), pb = apart.probeStep();
    QCOMPARE(pa.parameters.size(), pb.parameters.size());
    for (size_t k = 0; k < pa.parameters.size(); ++k) {
      QVERIFY(pb.parameters[k].gradNorm > 0);
      QVERIFY(std::abs(pa.parameters[k].gradNorm - pb.parameters[k].gradNorm) <= 1e-4 * pb.parameters[k].gradNorm);
      QVERIFY(std::abs(pa.parameters[k].updateRatio - pb.parameters[k].updateRatio) <=
              1e-3 * pb.parameters[k].updateRatio + 1e-9);
    }
    QVERIFY(close(weightsOf(fused.network()), weightsOf(apart.network())));
    QCOMPARE(fused.train(3).size(), size_t(3));  // back to the fused step after the probe
    apart.train(3);
    QVERIFY(close(weightsOf(fused.network()), weightsOf(apart.network())));
  }

  // The step builder makes every fusion decision from what layers describe: each Linear layer hands
  // over its weight gradient as one product with the bias as its row sums, right after its backward
  // pass (logits first). With plain SGD, the GEMMs that can take the step in place do (h2's and
  // the logits', 4 parameters; h1's 2 inputs are no vec4), h1's gradients are checked as stored,
  // and the step needs no check pass of its own. With penalties or clipping after the backward
  // pass nothing is fused and one pass checks every gradient; so too for a layer that describes
  // nothing (Linear with DropConnect, whose mask scales dW after the product).
  void stepBuilderOwnsTheFusionDecisions() {
    nn::Network net(*context_, test::graphOf(kToyNet), 16, 3);
    gpu::Buffer control(*context_, train::kControlBlockBytes);
    optim::Sgd sgd(0.1);
    std::vector<nn::ParameterGradient> described;
    {
      gpu::Recording rec(*context_);
      net.recordForward(rec, true);
      train::recordBackward(rec, net, net.backwardSweep(),
                            [&](gpu::Recording&, const nn::ParameterGradient& g) { described.push_back(g); });
    }
    QCOMPARE(described.size(), size_t(3));
    for (size_t i = 0; i < described.size(); ++i) {
      QCOMPARE(described[i].param, size_t(4 - 2 * i));
      QVERIFY(described[i].rowSumsParam.has_value());
      QCOMPARE(*described[i].rowSumsParam, size_t(5 - 2 * i));
      QVERIFY(described[i].product.shape.transA);
    }
    // Both GEMM families take the SGD step in place wherever gemmUpdatesInPlace holds (here h2 and
    // logits; h1's 2 inputs are no whole vec4), so the counts do not depend on the family.
    auto build = [&](nn::Network& network, bool regularized) {
      auto builder = std::make_unique<train::StepBuilder>(network, sgd, train::planStepFusion(true, regularized, &sgd),
                                                          gpu::BufferRange(control));
      gpu::Recording rec(*context_);
      network.recordForward(rec, true);
      builder->recordBackward(rec);
      return builder;
    };
    const auto fused = build(net, false);
    QCOMPARE(fused->parametersUpdatedInBackward(), size_t(4));
    QVERIFY(!fused->needsCheck());
    const auto regularized = build(net, true);
    QCOMPARE(regularized->parametersUpdatedInBackward(), size_t(0));
    QVERIFY(regularized->needsCheck());
    nn::Network dropConnect(*context_, test::graphOf(R"(input x: 2
h1 = Linear(x, out_features=8, dropconnect=0.5)
logits = Linear(h1, out_features=3)
loss = CrossEntropyLoss(logits)
)"),
                            16, 3);
    const auto masked = build(dropConnect, false);
    QCOMPARE(masked->parametersUpdatedInBackward(), size_t(2));
    QVERIFY(masked->needsCheck());
  }

  // The update stage checks every gradient and updates every parameter in one dispatch each, over
  // the network's shared buffers: each tensor gets p - lr g, and the gaps between tensors stay zero.
  void oneUpdateCoversEveryTensorAndLeavesTheGapsZero() {
    const auto data = data::makeToyDataset("spiral", data::ToyOptions{64, 0.1, 3, 4});
    train::TrainingOptions options;
    options.batch = 16;
    options.learningRate = 0.3;
    options.sgdInBackward = false;  // every gradient written, for the test to read
    train::TrainingSession session(*context_, test::graphOf(R"(input x: 2
h1 = Linear(x, out_features=5)
a1 = Tanh(h1)
logits = Linear(a1, out_features=3)
loss = CrossEntropyLoss(logits)
)"),
                                   data, nullptr, options);
    nn::Network& net = session.network();
    session.train(2);
    std::vector<std::vector<float>> before;
    for (const auto& p : net.parameters()) before.push_back(p.readValues());
    QCOMPARE(session.train(1).size(), size_t(1));
    std::vector<bool> inTensor(net.allValues().bytes / 4, false);
    for (size_t k = 0; k < net.parameters().size(); ++k) {
      const nn::Parameter& p = net.parameters()[k];
      QCOMPARE(p.value.offset, p.grad.offset);
      const auto after = p.readValues(), g = p.readGradients();
      for (uint32_t i = 0; i < p.count(); ++i) {
        QVERIFY2(g[i] != 0.0f, "a gradient that is exactly zero tests nothing");
        const double want = double(before[k][i]) - 0.3 * double(g[i]);
        QVERIFY(std::abs(after[i] - want) <= 1e-6 * (std::abs(before[k][i]) + std::abs(0.3 * g[i])));
        inTensor[p.value.offset / 4 + i] = true;
      }
    }
    const auto values = net.allValues().buffer->read<float>(inTensor.size());
    const auto grads = net.allGradients().buffer->read<float>(inTensor.size());
    for (size_t i = 0; i < inTensor.size(); ++i)
      if (!inTensor[i]) QVERIFY(values[i] == 0.0f && grads[i] == 0.0f);
    QVERIFY(std::count(inTensor.begin(), inTensor.end(), false) > 0);  // 5 and 3 floats leave gaps
  }

  // Samples of 6 bytes are unpacked one value per invocation, samples of 8 a 32-bit word at a time.
  void batchesAreAssembledOnTheDevice_data() {
    QTest::addColumn<uint32_t>("width");
    QTest::newRow("6 values a sample") << 3u;
    QTest::newRow("8 values a sample, whole words") << 4u;
  }
  void batchesAreAssembledOnTheDevice() {
    // 10 samples, batch 4: the device picks samples from the epoch's order and normalises them.
    QFETCH(uint32_t, width);
    const uint32_t size = 2 * width;
    data::Dataset d;
    d.name = "tiny";
    d.sampleShape = nn::Shape{1, 2, width};
    d.classes = 10;
    for (uint32_t s = 0; s < 10; ++s) {
      for (uint32_t j = 0; j < size; ++j) d.bytes.push_back(uint8_t(s * 20 + j));
      d.labels.push_back(s);
    }
    const auto norm = data::NormalizationTable::compute(d, data::Normalization::MeanImage);
    data::DeviceDataset dev(*context_, d, norm);
    dev.setEpochOrder(0, 5);
    gpu::Buffer input(*context_, 4 * size * 4), labels(*context_, 16), step(*context_, 4);
    const uint32_t stepValue = 1;  // the second batch of epoch 0
    step.upload(&stepValue, 4);
    gpu::Recording rec(*context_);
    dev.recordTrainingBatch(rec, {input, labels, step, 4}, 5, {});
    context_->run(rec);
    const auto x = input.read<float>(4 * size);
    const auto l = labels.read<uint32_t>(4);
    std::set<uint32_t> seen(l.begin(), l.end());
    QCOMPARE(seen.size(), size_t(4));  // a permutation: no sample twice
    for (uint32_t b = 0; b < 4; ++b)
      for (uint32_t j = 0; j < size; ++j) {
        const double mean = (9 * 10 / 2.0 * 20 + 10 * j) / 10.0 / 255.0;
        QVERIFY(std::abs(x[b * size + j] - ((l[b] * 20 + j) / 255.0 - mean)) < 1e-6);
      }
    // Evaluation batches are consecutive; the last one is clamped, not out of bounds.
    gpu::Recording eval(*context_);
    dev.recordEvalBatch(eval, {input, labels, step, 4}, 8);
    context_->run(eval);
    QVERIFY((labels.read<uint32_t>(4) == std::vector<uint32_t>{8, 9, 9, 9}));
  }

  void augmentationMatchesItsDefinition() {
    // Flip only: every sample is either itself or its mirror image, chosen by the shared RNG.
    data::Dataset d;
    d.name = "ramp";
    d.sampleShape = nn::Shape{1, 3, 4};
    d.classes = 2;
    for (uint32_t s = 0; s < 8; ++s) {
      for (uint32_t j = 0; j < 12; ++j) d.bytes.push_back(uint8_t(s * 12 + j));
      d.labels.push_back(s % 2);
    }
    data::DeviceDataset dev(*context_, d, data::NormalizationTable::compute(d, data::Normalization::None));
    dev.setEpochOrder(0, 1);
    gpu::Buffer input(*context_, 8 * 12 * 4), labels(*context_, 32), step(*context_, 4);
    const uint32_t zero = 0;
    step.upload(&zero, 4);
    data::Augmentation flip;
    flip.flip = true;
    gpu::Recording rec(*context_);
    dev.recordTrainingBatch(rec, {input, labels, step, 8}, 77, flip);
    context_->run(rec);
    const auto x = input.read<float>(96);
    int flipped = 0;
    for (uint32_t b = 0; b < 8; ++b) {
      const uint32_t s = uint32_t(std::lround(x[b * 12] * 255)) / 12;  // which sample (first value of its row)
      const bool mirror = nn::uniformRandom(77, b, 0) < 0.5f;
      flipped += mirror;
      for (uint32_t y = 0; y < 3; ++y)
        for (uint32_t c = 0; c < 4; ++c) {
          const uint32_t src = mirror ? 3 - c : c;
          QCOMPARE(x[b * 12 + y * 4 + c], float((s * 12 + y * 4 + src) / 255.0f));
        }
    }
    QVERIFY(flipped > 0 && flipped < 8);
  }

  void cropAndBrightnessMatchTheirDefinitions() {
    data::Dataset d;
    d.name = "ramp";
    d.sampleShape = nn::Shape{1, 5, 5};
    d.classes = 2;
    for (uint32_t s = 0; s < 8; ++s) {
      for (uint32_t j = 0; j < 25; ++j) d.bytes.push_back(uint8_t(100 + s * 4 + j));
      d.labels.push_back(0);
    }
    data::DeviceDataset dev(*context_, d, data::NormalizationTable::compute(d, data::Normalization::None));
    dev.setEpochOrder(0, 3);
    gpu::Buffer input(*context_, 8 * 25 * 4), labels(*context_, 32), step(*context_, 4);
    const uint32_t zero = 0;
    step.upload(&zero, 4);
    auto run = [&](const data::Augmentation& a) {
      gpu::Recording rec(*context_);
      dev.recordTrainingBatch(rec, {input, labels, step, 8}, 21, a);
      context_->run(rec);
      return input.read<float>(200);
    };
    // Brightness: a whole sample moves by one offset within +-0.1, and the offsets differ.
    data::Augmentation bright;
    bright.brightness = 0.1f;
    auto x = run(bright);
    std::set<int> offsets;
    for (uint32_t b = 0; b < 8; ++b) {
      const float delta = x[b * 25 + 1] - x[b * 25];  // neighbours still differ by one step
      QVERIFY(std::abs(delta - 1 / 255.0f) < 1e-5);
      const double offset = double(x[b * 25]) - std::round((x[b * 25] - 0.0) * 255) / 255.0;
      QVERIFY(std::abs(offset) <= 0.1 + 1e-6);
      offsets.insert(int(std::lround(offset * 1e4)));
    }
    QVERIFY(offsets.size() > 1);
    // Crop with padding 1: each sample is shifted by (dx, dy) in {-1, 0, 1}, zeros coming in.
    data::Augmentation crop;
    crop.cropPadding = 1;
    x = run(crop);
    int shifted = 0;
    for (uint32_t b = 0; b < 8; ++b) {
      const float* img = &x[b * 25];
      const float centre = img[12];  // the centre pixel always comes from inside the image
      bool matched = false;
      for (int dy = -1; dy <= 1 && !matched; ++dy)
        for (int dx = -1; dx <= 1 && !matched; ++dx) {
          bool ok = true;
          for (int y = 0; y < 5 && ok; ++y)
            for (int c = 0; c < 5 && ok; ++c) {
              const int sy = y + dy, sx = c + dx;
              const float want =
                  sy < 0 || sx < 0 || sy > 4 || sx > 4 ? 0.0f : centre + float((y - 2) * 5 + (c - 2)) / 255.0f;
              ok = std::abs(img[y * 5 + c] - want) < 1e-5;
            }
          if (ok) {
            matched = true;
            shifted += dx != 0 || dy != 0;
          }
        }
      QVERIFY2(matched, qPrintable(QString("sample %1 is not a shifted crop").arg(b)));
    }
    QVERIFY(shifted > 0);
  }

  void learningRateTooHighStopsWithAnExplanation() {
    data::ToyOptions toy{256, 0.1, 3, 4};
    const auto data = data::makeToyDataset("spiral", toy);
    train::TrainingOptions options;
    options.batch = 32;
    options.learningRate = 1e4;
    // Unbounded activations: with this rate the weights grow without limit until they overflow.
    const char* reluNet = R"(input x: 2
h1 = Linear(x, out_features=32)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=32)
a2 = ReLU(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";
    train::TrainingSession session(*context_, test::graphOf(reluNet), data, nullptr, options);
    const auto records = session.train(200);
    QVERIFY(session.nonFinite().has_value());
    const auto& report = *session.nonFinite();
    QVERIFY(records.size() < 200);
    QCOMPARE(report.step + 1, records.back().step + 1);
    QVERIFY2(report.message.find("learning rate") != std::string::npos, report.message.c_str());
    QVERIFY2(report.message.find("step " + std::to_string(report.step + 1)) != std::string::npos,
             report.message.c_str());
    QVERIFY(!report.layer.empty());
    // The loss, or the first parameter (in network order) whose gradient was not finite, by name.
    bool named = report.where == "the loss";
    for (const auto& p : session.network().parameters()) named = named || report.where == p.name + "'s gradient";
    QVERIFY2(named, report.where.c_str());
    // The weights stay finite (the bad step did not update them), and more steps change nothing.
    const auto weights = weightsOf(session.network());
    for (float w : weights) QVERIFY(std::isfinite(w));
    // They are the weights before the failing step, though h2 and logits take their SGD step in
    // the backward pass (and may have, before a gradient after them flagged the step): a run of
    // just the good steps ends on them too, as does one that updates after the backward pass.
    for (bool inBackward : {true, false}) {
      train::TrainingOptions good = options;
      good.sgdInBackward = inBackward;
      train::TrainingSession upTo(*context_, test::graphOf(reluNet), data, nullptr, good);
      QCOMPARE(upTo.train(uint32_t(report.step)).size(), size_t(report.step));
      QVERIFY(!upTo.nonFinite());
      QVERIFY(weightsOf(upTo.network()) == weights);
    }
    QVERIFY(session.train(5).empty());
    QVERIFY(weightsOf(session.network()) == weights);
    // Reset with a sane rate trains again.
    session.setLearningRate(0.1);
    session.reset(0);
    QVERIFY(!session.nonFinite());
    QCOMPARE(session.train(10).size(), size_t(10));
  }

  // A network whose step checks all gradients in a pass of its own (PReLU's slope is not checked
  // where it is made) next to Linear layers that take their SGD step in the backward pass and
  // leave their gradients unwritten: after a divergence, whose diagnosis leaves gradients that are
  // not finite behind, reset and a sane rate train again (no stale gradient flags a step).
  void divergedRunWithACheckPassTrainsAgainAfterReset() {
    const auto data = data::makeToyDataset("spiral", data::ToyOptions{256, 0.1, 3, 4});
    train::TrainingOptions options;
    options.batch = 32;
    options.learningRate = 1e4;
    const char* net = R"(input x: 2
h1 = Linear(x, out_features=32)
a1 = PReLU(h1)
h2 = Linear(a1, out_features=32)
a2 = ReLU(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";
    train::TrainingSession session(*context_, test::graphOf(net), data, nullptr, options);
    if (context_->kernelVariant() == gpu::KernelVariant::Registers) QVERIFY(session.parametersUpdatedInBackward() > 0);
    session.train(200);
    QVERIFY(session.nonFinite().has_value());
    session.setLearningRate(0.05);
    session.reset(1);
    QCOMPARE(session.train(40).size(), size_t(40));
    QVERIFY(!session.nonFinite());
  }

  // A gradient that overflows in h1, the last layer of the backward pass, flags the step after h2
  // and logits took their SGD step in it: the session puts their weights back, so the run ends on
  // the weights before the failing step, as with the update stage after the backward pass.
  void aGradientFlaggedAfterLayersStepped() {
    if (context_->kernelVariant() != gpu::KernelVariant::Registers)
      QSKIP("SGD in the backward pass needs the registers GEMM");
    data::Dataset data;
    data.name = "one huge sample";
    data.sampleShape = nn::Shape{2};
    data.classes = 3;
    for (uint32_t i = 0; i < 64; ++i) {
      // Samples 21, 37 and 53 have one huge input, the others zero (only the logits' bias learns
      // from them, and h1's weights stay tiny). On the huge one the forward pass stays finite
      // (logits ~1e13), but where its label is not the (saturated) prediction, d loss / d W1 =
      // dh1^T x, dh1 carried back through weights of ~100, overflows.
      const bool huge = i == 21 || i == 37 || i == 53;
      data.floats.push_back(huge ? 3e38f : 0.0f);
      data.floats.push_back(huge ? -3e38f : 0.0f);
      data.labels.push_back(i % 3);
    }
    const char* net = R"(input x: 2
h1 = Linear(x, out_features=8, init=normal, init_std=1e-30)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=8, init=normal, init_std=100)
a2 = ReLU(h2)
logits = Linear(a2, out_features=3, init=normal, init_std=100)
loss = CrossEntropyLoss(logits)
)";
    // Each seed shuffles the samples differently: every one is checked, and some seed's first
    // failing step must come after good steps (which the session replays after restoring).
    bool replayed = false;
    for (uint32_t seed = 0; seed < 6; ++seed) {
      std::vector<float> weights[2];
      uint64_t failedAt[2] = {0, 0};
      for (bool inBackward : {false, true}) {
        train::TrainingOptions options;
        options.batch = 16;
        options.learningRate = 0.01;
        options.seed = seed;
        options.sgdInBackward = inBackward;
        train::TrainingSession session(*context_, test::graphOf(net), data, nullptr, options);
        QCOMPARE(session.parametersUpdatedInBackward(), size_t(inBackward ? 4 : 0));
        const auto initial = weightsOf(session.network());
        session.train(16);
        QVERIFY(session.nonFinite().has_value());
        QCOMPARE(session.nonFinite()->where, std::string("h1.weight's gradient"));
        failedAt[inBackward] = session.nonFinite()->step;
        weights[inBackward] = weightsOf(session.network());
        for (float w : weights[inBackward]) QVERIFY(std::isfinite(w));
        if (failedAt[inBackward] > 0) QVERIFY(weights[inBackward] != initial);
      }
      QCOMPARE(failedAt[1], failedAt[0]);
      QVERIFY(weights[1] == weights[0]);
      replayed = replayed || failedAt[1] > 0;
    }
    QVERIFY(replayed);
  }

  void badSetupsAreExplained() {
    data::ToyOptions toy{64, 0.1, 3, 4};
    const auto data = data::makeToyDataset("spiral", toy);
    train::TrainingOptions options;
    options.batch = 128;  // more than the samples
    QVERIFY_THROWS_EXCEPTION(data::DataError,
                             train::TrainingSession(*context_, test::graphOf(kToyNet), data, nullptr, options));
    options.batch = 8;
    const char* wrongInput = "input x: 5\nh = Linear(x, out_features=3)\nloss = CrossEntropyLoss(h)\n";
    try {
      train::TrainingSession s(*context_, test::graphOf(wrongInput), data, nullptr, options);
      QFAIL("a network with the wrong input trained");
    } catch (const std::invalid_argument& e) {
      QVERIFY(std::string(e.what()).find("input is 5 but spiral samples are 2") != std::string::npos);
    }
    options.learningRate = -1;
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             train::TrainingSession(*context_, test::graphOf(kToyNet), data, nullptr, options));
  }

  // A rate set on the fly is held to the range a run's setup takes (persist::runSetup's --lr), in
  // its words, and a refused one leaves the session's rate as it was.
  void learningRateOnTheFlyIsCheckedAsTheRunSetupChecksIt() {
    const auto data = data::makeToyDataset("spiral", data::ToyOptions{64, 0.1, 3, 4});
    train::TrainingOptions options;
    options.batch = 8;
    train::TrainingSession session(*context_, test::graphOf(kToyNet), data, nullptr, options);
    auto refusal = [](auto&& attempt) -> std::string {
      try {
        attempt();
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "(accepted)";
    };
    for (const char* rate : {"2000000", "-1", "nan"}) {
      persist::TrainingSettings settings;
      settings.optimizerValues["lr"] = rate;
      const std::string setup = refusal([&] { persist::runSetup(settings); });
      QVERIFY2(setup.starts_with("--lr: "), setup.c_str());
      QCOMPARE(refusal([&] { session.setLearningRate(std::stod(rate)); }), setup);
    }
    QCOMPARE(float(session.currentLearningRate()), float(options.learningRate));
    session.setLearningRate(1e6);
    QCOMPARE(session.currentLearningRate(), 1e6);
  }

  void fashionMnistSubsetLearns() {
    if (!std::filesystem::exists(data::kFashionMnistDirectory)) QSKIP("dataset-fashion-mnist is not installed");
    const auto train = data::loadFashionMnist("train").head(6000);
    const auto test = data::loadFashionMnist("test").head(2000);
    QCOMPARE(train.sampleShape, (nn::Shape{1, 28, 28}));
    train::TrainingOptions options;
    options.batch = 64;
    options.learningRate = 0.1;
    train::TrainingSession session(
        *context_, nn::loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/mlp_784_256_10.net"), train, &test, options);
    session.train(session.stepsPerEpoch() * 2);
    const auto result = session.evaluateValidation();
    QVERIFY2(result.accuracy > 0.75, qPrintable(QString("test accuracy %1").arg(result.accuracy)));
  }
};

QTEST_APPLESS_MAIN(TestTraining)
#include "test_training.moc"

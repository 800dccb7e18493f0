// Normalisation (BatchNorm1d/2d, LayerNorm, InstanceNorm2d, GroupNorm), Dropout, PReLU, the class
// losses (MSELoss, BCEWithLogitsLoss, MultiMarginLoss) and Linear's DropConnect: GPU against the
// double reference, the reference's gradients against finite differences, and the behaviour the
// generic check cannot see (running statistics, dropout rates and masks).
#include "support/gpu_test.h"
#include "support/layer_check.h"

#include "nn/layer_catalog.h"

#include <QTest>

#include <cmath>

using namespace gradlab;

namespace {

std::string net(const std::string& input, const std::string& layer,
                const std::string& tail = "f = Flatten(y)\nloss = MSELoss(f)\n") {
  return "input x: " + input + "\ny = " + layer + "\n" + tail;
}

// The layer for node `y` of `network`.
std::unique_ptr<nn::Layer> makeLayer(const std::string& network) {
  const nn::ParsedNetwork parsed = nn::parseNetwork(network);
  if (!parsed.ok()) throw std::runtime_error(parsed.errors[0].text());
  const nn::GraphAnalysis analysis = nn::analyze(parsed.graph);
  for (size_t i = 0; i < parsed.graph.nodes.size(); ++i)
    if (parsed.graph.nodes[i].name == "y") return nn::createLayer(analysis.nodes[i]);
  throw std::runtime_error("no node y");
}

// Runs the forward pass of `layer` on the GPU and returns its output; `buffers` (running
// statistics) are uploaded and read back.
std::vector<float> runForward(gpu::Context& context, const nn::Layer& layer, const std::vector<float>& x,
                              uint32_t batch, bool training, uint32_t step, uint32_t seed,
                              std::vector<std::vector<float>>* buffers = nullptr) {
  gpu::Buffer in(context, x.size() * 4), out(context, batch * layer.outputShape().elements() * 4);
  in.upload(x.data(), x.size() * 4);
  gpu::Buffer stepBuf(context, 4), labels(context, batch * 4);
  stepBuf.upload(&step, 4);
  gpu::Buffer workspace(context, std::max<uint64_t>(layer.workspaceFloats(batch), 1) * 4);
  std::vector<std::unique_ptr<gpu::Buffer>> params, bufs;
  for (const auto& p : layer.info().shape.params) {
    params.push_back(std::make_unique<gpu::Buffer>(context, p.shape.elements() * 4));
    const std::vector<float> ones(p.shape.elements(), 1.0f), zeros(p.shape.elements(), 0.0f);
    params.back()->upload((p.name == "weight" ? ones : zeros).data(), p.shape.elements() * 4);
  }
  if (buffers)
    for (const auto& b : *buffers) {
      bufs.push_back(std::make_unique<gpu::Buffer>(context, b.size() * 4));
      bufs.back()->upload(b.data(), b.size() * 4);
    }
  gpu::Recording rec(context);
  nn::ForwardPass f{rec};
  f.batch = batch;
  f.training = training;
  f.inputs = {in};
  f.output = out;
  for (auto& p : params) f.params.push_back(*p);
  for (auto& b : bufs) f.buffers.push_back(*b);
  f.workspace = workspace;
  f.labels = labels;
  f.step = stepBuf;
  f.seed = seed;
  layer.forward(f);
  context.run(rec);
  if (buffers)
    for (size_t i = 0; i < bufs.size(); ++i) (*buffers)[i] = bufs[i]->read<float>((*buffers)[i].size());
  return out.read<float>(batch * layer.outputShape().elements());
}

}  // namespace

class TestLayersNorm : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  void check(const std::string& network, uint32_t batch, bool training, double fdTolerance = 1e-6) {
    test::LayerCheckOptions o;
    o.batch = batch;
    o.training = training;
    o.finiteDifferenceTolerance = fdTolerance;
    GRADLAB_CHECK_LAYER(*context_, network, "y", o);
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void norms_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("layer");
    QTest::addColumn<int>("batch");
    const struct {
      const char *input, *layer;
      int batch;
    } cases[] = {
        {"7", "BatchNorm1d(x)", 5},
        {"7", "BatchNorm1d(x, affine=false)", 4},
        {"3", "BatchNorm1d(x, momentum=0.3, eps=0.001)", 8},
        {"3x4x5", "BatchNorm2d(x)", 4},
        {"2x3x7", "BatchNorm2d(x, affine=false)", 3},
        {"5x1x2", "BatchNorm2d(x, momentum=0.5)", 2},
        {"9", "LayerNorm(x)", 3},
        {"2x3x5", "LayerNorm(x)", 4},
        {"2x3x5", "LayerNorm(x, elementwise_affine=false)", 2},
        {"3x4x6", "InstanceNorm2d(x)", 3},
        {"3x4x6", "InstanceNorm2d(x, affine=true)", 2},
        {"6x3x5", "GroupNorm(x, num_groups=1)", 3},
        {"6x3x5", "GroupNorm(x, num_groups=2)", 2},
        {"6x3x5", "GroupNorm(x, num_groups=3, affine=false)", 4},
        {"6x2x3", "GroupNorm(x, num_groups=6)", 3},
    };
    for (const auto& c : cases)
      for (bool training : {true, false})
        QTest::newRow((std::string(c.input) + " " + c.layer + (training ? " train" : " eval")).c_str())
            << QString(c.input) << QString(c.layer) << (training ? c.batch : -c.batch);
  }
  void norms() {
    QFETCH(QString, input);
    QFETCH(QString, layer);
    QFETCH(int, batch);
    check(net(input.toStdString(), layer.toStdString()), uint32_t(std::abs(batch)), batch > 0);
  }

  // A larger case: many values per group, over the float kernels' one-invocation-per-group loops.
  void normsLarge() {
    check(net("4x16x12", "BatchNorm2d(x)"), 16, true);
    check(net("8x10x6", "GroupNorm(x, num_groups=4)"), 6, true);
    check(net("300", "LayerNorm(x)"), 20, true);
  }

  void batchNormRunningStatistics_data() {
    QTest::addColumn<QString>("input");
    QTest::addColumn<QString>("layer");
    QTest::addColumn<int>("batch");
    QTest::newRow("BatchNorm1d") << "6"
                                 << "BatchNorm1d(x, momentum=0.25)" << 5;
    QTest::newRow("BatchNorm2d") << "3x4x5"
                                 << "BatchNorm2d(x)" << 3;
  }
  void batchNormRunningStatistics() {
    QFETCH(QString, input);
    QFETCH(QString, layer);
    QFETCH(int, batch);
    const auto bn = makeLayer(net(input.toStdString(), layer.toStdString()));
    const double momentum = bn->info().params.real("momentum");
    const uint32_t B = uint32_t(batch),
                   C = bn->inputShape().rank() == 1 ? bn->inputShape().dims[0] : bn->inputShape().channels();
    const uint32_t S = uint32_t(bn->inputShape().elements() / C);
    const auto x = test::randomFloats(B * C * S, 11, -2, 3);
    std::vector<std::vector<float>> running{test::randomFloats(C, 12, -1, 1), test::randomFloats(C, 13, 0.5, 2)};
    const auto before = running;
    runForward(*context_, *bn, x, B, true, 1, 1, &running);
    for (uint32_t c = 0; c < C; ++c) {
      double sum = 0, squares = 0;
      for (uint32_t b = 0; b < B; ++b)
        for (uint32_t s = 0; s < S; ++s) sum += x[(b * C + c) * S + s];
      const double n = double(B) * S, mean = sum / n;
      for (uint32_t b = 0; b < B; ++b)
        for (uint32_t s = 0; s < S; ++s) squares += std::pow(x[(b * C + c) * S + s] - mean, 2);
      const double wantMean = (1 - momentum) * before[0][c] + momentum * mean;
      const double wantVar = (1 - momentum) * before[1][c] + momentum * squares / (n - 1);  // unbiased
      QVERIFY2(std::abs(running[0][c] - wantMean) < 1e-5,
               qPrintable(QString("running_mean[%1] %2 != %3").arg(c).arg(running[0][c]).arg(wantMean)));
      QVERIFY2(std::abs(running[1][c] - wantVar) < 1e-5 * std::max(1.0, wantVar),
               qPrintable(QString("running_var[%1] %2 != %3").arg(c).arg(running[1][c]).arg(wantVar)));
    }
    // Eval leaves the running statistics alone and normalises with them.
    const auto frozen = running;
    const auto y = runForward(*context_, *bn, x, B, false, 1, 1, &running);
    QCOMPARE(running, frozen);
    const double eps = bn->info().params.real("eps");
    for (uint32_t i = 0; i < B * C * S; ++i) {
      const uint32_t c = (i / S) % C;
      const double want = (x[i] - frozen[0][c]) / std::sqrt(frozen[1][c] + eps);
      QVERIFY(std::abs(y[i] - want) < 1e-5 * std::max(1.0, std::abs(want)));
    }
  }

  void dropout() {
    check(net("2x3x5", "Dropout(x)"), 4, true);
    check(net("2x3x5", "Dropout(x, p=0.2)"), 3, true);
    check(net("17", "Dropout(x, p=0.9)"), 5, true);
    check(net("2x3x5", "Dropout(x, p=0.2)"), 3, false);
  }

  void dropoutBehaviour() {
    const double p = 0.3;
    const auto layer = makeLayer(net("1000", "Dropout(x, p=0.3)"));
    const uint32_t B = 64, n = B * 1000;
    const auto x = test::randomFloats(n, 5, 0.5, 1.5);
    // Eval: the identity.
    QCOMPARE(runForward(*context_, *layer, x, B, false, 7, 3), x);
    // Training: about p of the values dropped, the rest scaled so the mean is kept.
    const auto a = runForward(*context_, *layer, x, B, true, 7, 3);
    const auto b = runForward(*context_, *layer, x, B, true, 8, 3);
    double zeros = 0, sumIn = 0, sumOut = 0, differ = 0;
    for (uint32_t i = 0; i < n; ++i) {
      zeros += a[i] == 0;
      sumIn += x[i];
      sumOut += a[i];
      differ += (a[i] == 0) != (b[i] == 0);
      if (a[i] != 0) QVERIFY(std::abs(a[i] - x[i] / (1 - p)) < 1e-6);
    }
    QVERIFY2(std::abs(zeros / n - p) < 0.01, qPrintable(QString("dropped fraction %1").arg(zeros / n)));
    QVERIFY2(std::abs(sumOut / sumIn - 1) < 0.02, qPrintable(QString("mean ratio %1").arg(sumOut / sumIn)));
    // Another step, another mask (two independent masks differ in about 2 p (1 - p) of places).
    QVERIFY2(differ / n > 0.3, qPrintable(QString("masks differ in %1").arg(differ / n)));
    // The same step and seed: the same mask.
    QCOMPARE(runForward(*context_, *layer, x, B, true, 7, 3), a);
  }

  void prelu() {
    check(net("3x4x5", "PReLU(x)"), 3, true);
    check(net("3x4x5", "PReLU(x, num_parameters=3)"), 4, true);
    check(net("11", "PReLU(x)"), 5, true);
    check(net("1x2x2", "PReLU(x, num_parameters=1, init=0.1)"), 2, false);
  }

  void losses_data() {
    QTest::addColumn<QString>("layer");
    QTest::addColumn<int>("classes");
    QTest::addColumn<double>("scale");
    for (int classes : {1, 2, 7}) {
      const auto c = std::to_string(classes);
      QTest::newRow(("MSE " + c).c_str()) << "MSELoss(x)" << classes << 1.0;
      QTest::newRow(("BCE " + c).c_str()) << "BCEWithLogitsLoss(x)" << classes << 2.0;
      QTest::newRow(("hinge " + c).c_str()) << "MultiMarginLoss(x)" << classes << 1.0;
      QTest::newRow(("squared hinge " + c).c_str()) << "MultiMarginLoss(x, p=2, margin=0.5)" << classes << 1.0;
    }
    QTest::newRow("BCE large logits (stability)") << "BCEWithLogitsLoss(x)" << 5 << 60.0;
    QTest::newRow("hinge wide margin") << "MultiMarginLoss(x, margin=3)" << 10 << 2.0;
  }
  void losses() {
    QFETCH(QString, layer);
    QFETCH(int, classes);
    QFETCH(double, scale);
    test::LayerCheckOptions o;
    o.batch = 6;
    o.inputLow = -scale;
    o.inputHigh = scale;
    if (scale > 10) o.finiteDifferenceTolerance = 1e-4;
    GRADLAB_CHECK_LAYER(*context_, "input x: " + std::to_string(classes) + "\ny = " + layer.toStdString() + "\n", "y",
                        o);
  }

  // The references of the class losses against values worked out by hand (PyTorch's definitions).
  void lossValues() {
    const auto mse = makeLayer("input x: 3\ny = MSELoss(x)\n");
    nn::RefTensor z{0.5, -1.0, 2.0}, out(1);
    std::vector<uint32_t> labels{2};
    nn::RefForward f;
    f.batch = 1;
    f.inputs = {&z};
    f.output = &out;
    f.labels = &labels;
    mse->forwardReference(f);
    QVERIFY(std::abs(out[0] - (0.25 + 1.0 + 1.0) / 3) < 1e-12);
    const auto bce = makeLayer("input x: 3\ny = BCEWithLogitsLoss(x)\n");
    bce->forwardReference(f);  // mean of softplus(z) - z t
    QVERIFY(std::abs(out[0] - (std::log1p(std::exp(0.5)) + std::log1p(std::exp(-1.0)) + std::log1p(std::exp(2.0)) - 2) /
                                  3) < 1e-12);
    const auto margin = makeLayer("input x: 3\ny = MultiMarginLoss(x)\n");
    margin->forwardReference(f);  // (max(0, 1 - 2 + 0.5) + max(0, 1 - 2 - 1)) / 3
    QVERIFY(std::abs(out[0] - 0.0) < 1e-12);
    labels[0] = 0;
    margin->forwardReference(f);  // (max(0, 1 - 0.5 - 1) + max(0, 1 - 0.5 + 2)) / 3
    QVERIFY(std::abs(out[0] - 2.5 / 3) < 1e-12);
  }

  void dropConnect() {
    check(net("7", "Linear(x, out_features=5, dropconnect=0.5)"), 3, true);
    check(net("33", "Linear(x, out_features=17, dropconnect=0.2, bias=false)"), 4, true);
    check(net("7", "Linear(x, out_features=5, dropconnect=0.5)"), 3, false);
  }

  // Training drops weights (the output differs from eval) and steps draw different masks.
  void dropConnectBehaviour() {
    const auto layer = makeLayer(net("40", "Linear(x, out_features=30, dropconnect=0.5, init=constant, init_value=1)"));
    const auto x = test::randomFloats(2 * 40, 9, 0.5, 1.5);
    const auto eval = runForward(*context_, *layer, x, 2, false, 1, 1);
    const auto a = runForward(*context_, *layer, x, 2, true, 1, 1), b = runForward(*context_, *layer, x, 2, true, 2, 1);
    QVERIFY(a != eval);
    QVERIFY(a != b);
    double sumA = 0, sumEval = 0;
    for (size_t i = 0; i < a.size(); ++i) sumA += a[i], sumEval += eval[i];
    QVERIFY2(std::abs(sumA / sumEval - 1) < 0.1, qPrintable(QString("mean ratio %1").arg(sumA / sumEval)));
  }
};

QTEST_APPLESS_MAIN(TestLayersNorm)
#include "test_layers_norm.moc"

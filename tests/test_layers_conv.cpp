// Conv2d, ConvTranspose2d, MaxPool2d, AvgPool2d, GlobalAvgPool2d and Add: GPU against the double
// reference, and the reference's gradients against finite differences, on handpicked and random
// configurations, under both kernel variants (GEMM and the rest). Also: a batch split into
// chunks (the im2col scratch over the binding limit) and a 1x1 Conv2d against Linear per pixel.
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "nn/layers/conv_common.h"
#include "support/gpu_test.h"
#include "support/layer_check.h"

#include <QTest>

#include <random>

using namespace gradlab;

namespace {

std::string net(const std::string& input, const std::string& layer) {
  return "input x: " + input + "\ny = " + layer + "\nf = Flatten(y)\nloss = MSELoss(f)\n";
}
std::string dims(int c, int h, int w) { return std::to_string(c) + "x" + std::to_string(h) + "x" + std::to_string(w); }
const char* variantName(int v) { return v ? "tiled" : "registers"; }

// Every configuration runs on both kernel variants.
void addRow(const std::string& name, const std::string& network, int batch = 3) {
  for (int v = 0; v < 2; ++v)
    QTest::newRow((name + " [" + variantName(v) + "]").c_str()) << v << QString::fromStdString(network) << batch;
}
void addColumns() {
  QTest::addColumn<int>("variant");
  QTest::addColumn<QString>("network");
  QTest::addColumn<int>("batch");
}

int convOut(int size, int k, int s, int p, int d) { return (size + 2 * p - d * (k - 1) - 1) / s + 1; }

struct LayerInstance {
  std::unique_ptr<nn::Layer> layer;
  nn::NodeInfo info;
};
LayerInstance makeLayer(const std::string& network, const std::string& node) {
  const nn::ParsedNetwork parsed = nn::parseNetwork(network);
  const nn::GraphAnalysis analysis = nn::analyze(parsed.graph);
  for (size_t i = 0; i < parsed.graph.nodes.size(); ++i)
    if (parsed.graph.nodes[i].name == node) return {nn::createLayer(analysis.nodes[i]), analysis.nodes[i]};
  return {};
}

}  // namespace

class TestLayersConv : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> contexts_[2];

  gpu::Context& context(int variant) { return *contexts_[variant]; }

  void check(const char* node = "y", double tolerance = 1e-5) {
    QFETCH(int, variant);
    QFETCH(QString, network);
    QFETCH(int, batch);
    test::LayerCheckOptions o;
    o.batch = uint32_t(batch);
    o.forwardTolerance = tolerance;
    GRADLAB_CHECK_LAYER(context(variant), network.toStdString(), node, o);
  }

 private slots:
  void initTestCase() {
    for (int v = 0; v < 2; ++v) {
      gpu::ContextOptions options;
      options.kernels = v ? gpu::KernelVariant::Tiled : gpu::KernelVariant::Registers;
      contexts_[v] = test::makeContext(options);
    }
  }
  void cleanup() {
    for (auto& c : contexts_) test::verifyNoValidationMessages(*c);
    nn::layers::setConvChunkLimitBytesForTesting(0);
  }

  void conv2d_data() {
    addColumns();
    addRow("1x1", net("3x4x5", "Conv2d(x, out_channels=2, kernel_size=1)"));
    addRow("3x3 pad 1", net("2x6x7", "Conv2d(x, out_channels=3, kernel_size=3, padding=1)"));
    addRow("5x5 stride 2 pad 2", net("3x9x8", "Conv2d(x, out_channels=4, kernel_size=5, stride=2, padding=2)"), 2);
    addRow("3x3 stride 3 dilation 2", net("2x11x9", "Conv2d(x, out_channels=2, kernel_size=3, stride=3, dilation=2)"));
    addRow("1x1 stride 3 (gaps)", net("2x7x8", "Conv2d(x, out_channels=3, kernel_size=1, stride=3)"));
    addRow("no bias", net("4x5x6", "Conv2d(x, out_channels=5, kernel_size=3, padding=2, bias=false)"), 4);
    addRow("kernel = image", net("3x4x4", "Conv2d(x, out_channels=6, kernel_size=4)"), 1);
    addRow("batch 1, 1 channel", net("1x5x3", "Conv2d(x, out_channels=1, kernel_size=3, padding=1)"), 1);
    // Bias gradients of more than 1024 values per channel: a work group per channel, several values
    // per invocation of channel_sum, with vec4 reads (400 pixels) and without (361). The other rows
    // and the Linear layers' tests sum fewer values, one invocation per channel (channel_sum_small).
    addRow("bias sum, 20x20 (vec4)", net("2x20x20", "Conv2d(x, out_channels=3, kernel_size=1)"), 3);
    addRow("bias sum, 19x19 (floats)", net("2x19x19", "Conv2d(x, out_channels=3, kernel_size=1)"), 3);
    // On CPU devices stride-1 layers of up to kMaxUnrolledWeights weights run unrolled
    // (nn/layers/conv_unrolled.h): LeNet-5's C1 (rows of 28, stored as vec4s) and C3 (the most
    // weights allowed), and a padding beyond k - 1 (forward unrolled, input gradient through GEMM).
    addRow("LeNet-5 C1", net("1x28x28", "Conv2d(x, out_channels=6, kernel_size=5, padding=2)"), 2);
    addRow("LeNet-5 C3", net("6x14x14", "Conv2d(x, out_channels=16, kernel_size=5)"), 2);
    addRow("padding beyond k - 1", net("2x5x6", "Conv2d(x, out_channels=3, kernel_size=3, padding=3)"), 2);
    std::mt19937 rng(2024);
    for (int made = 0; made < 12;) {
      const int k = std::array{1, 3, 5}[rng() % 3], s = 1 + int(rng() % 3), p = int(rng() % 3), d = 1 + int(rng() % 2);
      const int c = 1 + int(rng() % 4), oc = 1 + int(rng() % 5), h = 4 + int(rng() % 8), w = 4 + int(rng() % 8);
      if (h == w || convOut(h, k, s, p, d) < 1 || convOut(w, k, s, p, d) < 1 || h + 2 * p < d * (k - 1) + 1 ||
          w + 2 * p < d * (k - 1) + 1)
        continue;
      const bool bias = rng() % 4 != 0;
      const std::string layer = "Conv2d(x, out_channels=" + std::to_string(oc) + ", kernel_size=" + std::to_string(k) +
                                ", stride=" + std::to_string(s) + ", padding=" + std::to_string(p) +
                                ", dilation=" + std::to_string(d) + (bias ? "" : ", bias=false") + ")";
      addRow("random " + std::to_string(++made) + ": " + dims(c, h, w) + " " + layer, net(dims(c, h, w), layer),
             1 + int(rng() % 4));
    }
  }
  void conv2d() { check(); }

  void convTranspose2d_data() {
    addColumns();
    addRow("1x1", net("3x4x5", "ConvTranspose2d(x, out_channels=2, kernel_size=1)"));
    addRow("3x3 stride 2", net("2x4x3", "ConvTranspose2d(x, out_channels=3, kernel_size=3, stride=2)"));
    addRow("3x3 stride 2 pad 1 output_padding 1",
           net("2x5x4", "ConvTranspose2d(x, out_channels=2, kernel_size=3, stride=2, padding=1, output_padding=1)"));
    addRow("5x5 stride 3 pad 2 dilation 2",
           net("3x4x6", "ConvTranspose2d(x, out_channels=2, kernel_size=5, stride=3, padding=2, dilation=2)"), 2);
    addRow("output_padding from dilation",
           net("2x3x5", "ConvTranspose2d(x, out_channels=2, kernel_size=3, dilation=2, output_padding=1)"));
    addRow("no bias", net("4x3x4", "ConvTranspose2d(x, out_channels=5, kernel_size=2, stride=2, bias=false)"), 4);
    std::mt19937 rng(77);
    for (int made = 0; made < 10;) {
      const int k = std::array{1, 3, 5}[rng() % 3], s = 1 + int(rng() % 3), p = int(rng() % 3), d = 1 + int(rng() % 2);
      const int op = int(rng() % std::max(s, d));
      const int c = 1 + int(rng() % 4), oc = 1 + int(rng() % 4), h = 2 + int(rng() % 5), w = 2 + int(rng() % 5);
      auto out = [&](int n) { return (n - 1) * s - 2 * p + d * (k - 1) + op + 1; };
      if (h == w || out(h) < 1 || out(w) < 1) continue;
      const bool bias = rng() % 4 != 0;
      const std::string layer = "ConvTranspose2d(x, out_channels=" + std::to_string(oc) +
                                ", kernel_size=" + std::to_string(k) + ", stride=" + std::to_string(s) +
                                ", padding=" + std::to_string(p) + ", dilation=" + std::to_string(d) +
                                ", output_padding=" + std::to_string(op) + (bias ? "" : ", bias=false") + ")";
      addRow("random " + std::to_string(++made) + ": " + dims(c, h, w) + " " + layer, net(dims(c, h, w), layer),
             1 + int(rng() % 4));
    }
  }
  void convTranspose2d() { check(); }

  // A batch in several chunks (the last one shorter): the binding limit lowered so 2 samples fit.
  void chunkedBatch_data() {
    addColumns();
    addRow("Conv2d", net("3x7x6", "Conv2d(x, out_channels=4, kernel_size=3, padding=1, stride=1)"), 5);
    addRow("ConvTranspose2d", net("3x4x5", "ConvTranspose2d(x, out_channels=2, kernel_size=3, stride=2)"), 5);
  }
  void chunkedBatch() {
    QFETCH(int, variant);
    QFETCH(QString, network);
    QFETCH(int, batch);
    const auto instance = makeLayer(network.toStdString(), "y");
    QVERIFY(instance.layer);
    // Per sample: Conv2d col is 27 x 42 floats, ConvTranspose2d col 18 x 20 (its output 2 x 9 x 11).
    const bool transposed = network.contains("Transpose");
    const uint64_t perSample = (transposed ? 18 * 20 : 27 * 42) * 4;
    nn::layers::setConvChunkLimitBytesForTesting(256 + 2 * perSample + 64);
    const auto plan = nn::layers::planConv("test", uint32_t(batch), transposed ? 20 : 42, transposed ? 18 : 27,
                                           transposed ? 3 : 4, transposed ? 2 * 9 * 11 : 3 * 7 * 6);
    QCOMPARE(plan.chunk, 2u);
    test::LayerCheckOptions o;
    o.batch = uint32_t(batch);
    GRADLAB_CHECK_LAYER(context(variant), network.toStdString(), "y", o);
  }

  void tooLargeSampleIsRejected() {
    nn::layers::setConvChunkLimitBytesForTesting(1024);
    const auto instance = makeLayer(net("3x7x6", "Conv2d(x, out_channels=4, kernel_size=3)"), "y");
    QVERIFY(instance.layer);
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, instance.layer->workspaceFloats(2));
  }

  void pooling_data() {
    addColumns();
    addRow("max 2", net("3x6x8", "MaxPool2d(x, kernel_size=2)"));
    addRow("max 3 stride 2 pad 1 (overlapping)", net("2x7x6", "MaxPool2d(x, kernel_size=3, stride=2, padding=1)"));
    addRow("max 3 stride 1 (overlapping)", net("2x5x7", "MaxPool2d(x, kernel_size=3, stride=1)"), 2);
    addRow("max 4 stride 3 pad 2", net("1x9x10", "MaxPool2d(x, kernel_size=4, stride=3, padding=2)"), 4);
    addRow("max 5 pad 2 stride 2", net("2x5x6", "MaxPool2d(x, kernel_size=5, stride=2, padding=2)"));
    addRow("avg 2", net("3x6x8", "AvgPool2d(x, kernel_size=2)"));
    addRow("avg 2 odd sides (last row and column in no window)", net("2x7x5", "AvgPool2d(x, kernel_size=2)"));
    addRow("avg 3 stride 2 pad 1", net("2x7x6", "AvgPool2d(x, kernel_size=3, stride=2, padding=1)"));
    addRow("avg 3 stride 2 pad 1 exclude pad",
           net("2x7x6", "AvgPool2d(x, kernel_size=3, stride=2, padding=1, count_include_pad=false)"));
    addRow("avg 4 stride 1 pad 2 exclude pad",
           net("2x5x6", "AvgPool2d(x, kernel_size=4, stride=1, padding=2, count_include_pad=false)"), 2);
    addRow("avg 5 stride 3 pad 2", net("1x9x10", "AvgPool2d(x, kernel_size=5, stride=3, padding=2)"), 4);
    addRow("global avg", net("4x5x7", "GlobalAvgPool2d(x)"));
    addRow("global avg 1x1", net("3x1x1", "GlobalAvgPool2d(x)"), 2);
  }
  void pooling() { check(); }

  void add_data() {
    addColumns();
    const std::string tail = "f = Flatten(y)\nloss = MSELoss(f)\n";
    addRow("2 inputs", "input x: 3x4x5\na = ReLU(x)\nb = Tanh(x)\ny = Add(a, b)\n" + tail);
    addRow("3 inputs", "input x: 2x3x3\na = ReLU(x)\nb = Tanh(x)\nc = Sigmoid(x)\ny = Add(a, b, c)\n" + tail, 4);
    addRow("8 flat inputs",
           "input x: 7\na = ReLU(x)\nb = Tanh(x)\nc = Sigmoid(x)\nd = ELU(x)\ne = LeakyReLU(x)\n"
           "y = Add(a, b, c, d, e, a, b, x)\nloss = MSELoss(y)\n",
           2);
  }
  void add() { check(); }

  // Small cases worked out by hand from PyTorch's definitions, on the reference and the GPU.
  void handExamples_data() {
    QTest::addColumn<QString>("layer");
    QTest::addColumn<QString>("input");
    QTest::addColumn<QVector<double>>("x");
    QTest::addColumn<QVector<double>>("weight");
    QTest::addColumn<QVector<double>>("want");
    // ConvTranspose2d, weight in x out x k x k: each input value stamps x * W at stride 2.
    QTest::newRow("ConvTranspose2d stride 2")
        << "ConvTranspose2d(x, out_channels=1, kernel_size=2, stride=2, bias=false)"
        << "1x1x2" << QVector<double>{1, 2} << QVector<double>{1, 10, 100, 1000}
        << QVector<double>{1, 10, 2, 20, 100, 1000, 200, 2000};
    // Padding never wins: an all-negative image keeps its own maxima.
    QTest::newRow("MaxPool2d padding never wins")
        << "MaxPool2d(x, kernel_size=2, stride=2, padding=1)"
        << "1x2x3" << QVector<double>{-1, -2, -3, -4, -5, -6} << QVector<double>{} << QVector<double>{-1, -2, -4, -5};
    // count_include_pad=false divides the corner window by its single in-image value.
    QTest::newRow("AvgPool2d exclude pad")
        << "AvgPool2d(x, kernel_size=2, stride=2, padding=1, count_include_pad=false)"
        << "1x2x2" << QVector<double>{1, 2, 3, 4} << QVector<double>{} << QVector<double>{1, 2, 3, 4};
    QTest::newRow("AvgPool2d include pad")
        << "AvgPool2d(x, kernel_size=2, stride=2, padding=1)"
        << "1x2x2" << QVector<double>{1, 2, 3, 4} << QVector<double>{} << QVector<double>{0.25, 0.5, 0.75, 1};
  }
  void handExamples() {
    QFETCH(QString, layer);
    QFETCH(QString, input);
    QFETCH(QVector<double>, x);
    QFETCH(QVector<double>, weight);
    QFETCH(QVector<double>, want);
    const auto instance = makeLayer(net(input.toStdString(), layer.toStdString()), "y");
    QVERIFY(instance.layer);
    const nn::RefTensor xr(x.begin(), x.end()), wr(weight.begin(), weight.end());
    nn::RefTensor y(want.size());
    nn::RefForward f;
    f.batch = 1;
    f.inputs = {&xr};
    if (!weight.isEmpty()) f.params = {&wr};
    f.output = &y;
    instance.layer->forwardReference(f);
    for (qsizetype i = 0; i < want.size(); ++i) QCOMPARE(y[size_t(i)], want[i]);
    for (int v = 0; v < 2; ++v) {
      gpu::Context& ctx = context(v);
      const std::vector<float> xf(x.begin(), x.end()), wf(weight.begin(), weight.end());
      gpu::Buffer gx(ctx, xf.size() * 4), gw(ctx, std::max<size_t>(wf.size(), 1) * 4), gy(ctx, want.size() * 4),
          ws(ctx, std::max<uint64_t>(instance.layer->workspaceFloats(1), 1) * 4);
      gx.upload(std::span<const float>(xf));
      if (!wf.empty()) gw.upload(std::span<const float>(wf));
      gpu::Recording rec(ctx);
      nn::ForwardPass fp{rec};
      fp.batch = 1;
      fp.inputs = {gx};
      fp.output = gy;
      if (!wf.empty()) fp.params = {gw};
      fp.workspace = ws;
      instance.layer->forward(fp);
      ctx.run(rec);
      const auto got = gy.read<float>(want.size());
      for (qsizetype i = 0; i < want.size(); ++i) QCOMPARE(double(got[size_t(i)]), want[i]);
    }
  }

  // A 1x1 Conv2d is a Linear applied to every pixel's channel vector: same weights, same result.
  void conv1x1EqualsLinearPerPixel() {
    const uint32_t B = 3, C = 5, H = 4, W = 6, OC = 7, HW = H * W;
    for (int v = 0; v < 2; ++v) {
      gpu::Context& ctx = context(v);
      const auto conv = makeLayer(net(dims(C, H, W), "Conv2d(x, out_channels=7, kernel_size=1)"), "y");
      const auto linear = makeLayer("input x: 5\ny = Linear(x, out_features=7)\nloss = MSELoss(y)\n", "y");
      QVERIFY(conv.layer && linear.layer);
      const auto x = test::randomFloats(B * C * HW, 11), w = test::randomFloats(OC * C, 12),
                 b = test::randomFloats(OC, 13);
      std::vector<float> rows(B * HW * C);  // one row of C channels per pixel
      for (uint32_t s = 0; s < B; ++s)
        for (uint32_t c = 0; c < C; ++c)
          for (uint32_t q = 0; q < HW; ++q) rows[(s * HW + q) * C + c] = x[(s * C + c) * HW + q];
      auto buffer = [&](const std::vector<float>& values) {
        auto buf = std::make_unique<gpu::Buffer>(ctx, std::max<size_t>(values.size(), 1) * 4);
        if (!values.empty()) buf->upload(std::span<const float>(values));
        return buf;
      };
      auto gx = buffer(x), gRows = buffer(rows), gw = buffer(w), gb = buffer(b);
      auto gy = buffer(std::vector<float>(B * OC * HW)), gz = buffer(std::vector<float>(B * HW * OC));
      auto ws1 = buffer(std::vector<float>(std::max<uint64_t>(conv.layer->workspaceFloats(B), 1)));
      auto ws2 = buffer(std::vector<float>(std::max<uint64_t>(linear.layer->workspaceFloats(B * HW), 1)));
      auto step = buffer(std::vector<float>(1)), labels = buffer(std::vector<float>(B * HW));
      gpu::Recording rec(ctx);
      nn::ForwardPass f1{rec};
      f1.batch = B;
      f1.training = false;
      f1.inputs = {*gx};
      f1.output = *gy;
      f1.params = {*gw, *gb};
      f1.workspace = *ws1;
      f1.labels = *labels;
      f1.step = *step;
      conv.layer->forward(f1);
      nn::ForwardPass f2 = f1;
      f2.batch = B * HW;
      f2.inputs = {*gRows};
      f2.output = *gz;
      f2.workspace = *ws2;
      linear.layer->forward(f2);
      ctx.run(rec);
      const auto y = gy->read<float>(B * OC * HW), z = gz->read<float>(B * HW * OC);
      double worst = 0, top = 0;
      for (uint32_t s = 0; s < B; ++s)
        for (uint32_t o = 0; o < OC; ++o)
          for (uint32_t q = 0; q < HW; ++q) {
            const float a = y[(s * OC + o) * HW + q], bz = z[(s * HW + q) * OC + o];
            worst = std::max(worst, double(std::abs(a - bz)));
            top = std::max(top, double(std::abs(bz)));
          }
      QVERIFY2(
          top > 0.1 && worst <= 1e-6 * top,
          qPrintable(
              QString("%1: 1x1 conv differs from Linear by %2 (scale %3)").arg(variantName(v)).arg(worst).arg(top)));
    }
  }
};

QTEST_APPLESS_MAIN(TestLayersConv)
#include "test_layers_conv.moc"

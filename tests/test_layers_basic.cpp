// Linear, the point-wise activations, Flatten and CrossEntropyLoss: GPU against the double
// reference, and the reference's gradients against finite differences, on random data.
#include "support/gpu_test.h"
#include "support/layer_check.h"

#include <QTest>

using namespace gradlab;

namespace {
std::string net(const std::string& input, const std::string& layer,
                const std::string& tail = "f = Flatten(y)\nloss = MSELoss(f)\n") {
  return "input x: " + input + "\ny = " + layer + "\n" + tail;
}
}  // namespace

class TestLayersBasic : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void linear_data() {
    QTest::addColumn<QString>("network");
    QTest::addColumn<int>("batch");
    QTest::newRow("1->1") << QString::fromStdString(net("1", "Linear(x, out_features=1)")) << 1;
    QTest::newRow("7->5") << QString::fromStdString(net("7", "Linear(x, out_features=5)")) << 3;
    QTest::newRow("33->17 no bias") << QString::fromStdString(net("33", "Linear(x, out_features=17, bias=false)")) << 5;
    QTest::newRow("64->10 batch 16") << QString::fromStdString(net("64", "Linear(x, out_features=10)")) << 16;
    // Bias gradient: more batch rows than channel_sum has invocations; more outputs than work groups.
    QTest::newRow("5->3 batch 300") << QString::fromStdString(net("5", "Linear(x, out_features=3)")) << 300;
    QTest::newRow("1->70000") << QString::fromStdString(net("1", "Linear(x, out_features=70000)")) << 2;
  }
  void linear() {
    QFETCH(QString, network);
    QFETCH(int, batch);
    test::LayerCheckOptions o;
    o.batch = uint32_t(batch);
    GRADLAB_CHECK_LAYER(*context_, network.toStdString(), "y", o);
  }

  void activations_data() {
    QTest::addColumn<QString>("layer");
    for (const char* layer : {"Sigmoid(x)", "Tanh(x)", "ReLU(x)", "LeakyReLU(x)", "LeakyReLU(x, negative_slope=0.2)",
                              "ELU(x)", "ELU(x, alpha=0.5)"})
      QTest::newRow(layer) << QString(layer);
  }
  void activations() {
    QFETCH(QString, layer);
    test::LayerCheckOptions o;
    o.batch = 3;  // 90 values: the kernel's last, partial vec4 is checked too
    o.inputLow = -3;
    o.inputHigh = 3;
    GRADLAB_CHECK_LAYER(*context_, net("2x3x5", layer.toStdString()), "y", o);
  }

  void flatten() { GRADLAB_CHECK_LAYER(*context_, net("3x4x5", "Flatten(x)", "loss = MSELoss(y)\n"), "y", {}); }

  void crossEntropy_data() {
    QTest::addColumn<int>("classes");
    QTest::addColumn<double>("scale");
    QTest::newRow("2 classes") << 2 << 1.0;
    QTest::newRow("10 classes") << 10 << 3.0;
    QTest::newRow("large logits (stability)") << 7 << 80.0;
  }
  void crossEntropy() {
    QFETCH(int, classes);
    QFETCH(double, scale);
    test::LayerCheckOptions o;
    o.batch = 6;
    o.inputLow = -scale;
    o.inputHigh = scale;
    if (scale > 10) o.finiteDifferenceTolerance = 1e-4;  // exp() of large logits: differences lose digits
    GRADLAB_CHECK_LAYER(*context_, "input x: " + std::to_string(classes) + "\ny = CrossEntropyLoss(x)\n", "y", o);
  }
};

QTEST_APPLESS_MAIN(TestLayersBasic)
#include "test_layers_basic.moc"

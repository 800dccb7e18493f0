// Conv2d through the FFT inside a network (nn::ConvAlgorithm): the same network built with the
// direct and the FFT path gives the same values and gradients, the FFT path's gradients match the
// double-precision reference (also when the convolution's input gradient is added to another
// one's), Auto chooses as documented, and a bad setting is explained.
#include "nn/conv_algorithm.h"
#include "nn/network.h"
#include "support/gpu_test.h"
#include "support/reference_pass.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstdlib>

using namespace gradlab;
using nn::ConvAlgorithm;

namespace {

// A 7x7 convolution with bias on an odd-sized image, after a layer with a parameter (so the
// convolution's input gradient is needed) and before a classifier.
const char* kNet = R"(input x: 2x13x11
p = PReLU(x)
c = Conv2d(p, out_channels=3, kernel_size=7, padding=3)
a = Tanh(c)
f = Flatten(a)
logits = Linear(f, out_features=4)
loss = CrossEntropyLoss(logits)
)";

// The convolution's input also feeds the residual Add: its gradient is the sum of both paths.
const char* kResidualNet = R"(input x: 2x9x8
p = PReLU(x)
c = Conv2d(p, out_channels=2, kernel_size=7, padding=3)
r = Add(c, p)
f = Flatten(r)
logits = Linear(f, out_features=3)
loss = CrossEntropyLoss(logits)
)";

constexpr uint32_t kBatch = 3;

// Largest |got - want| relative to the largest |want|: the FFT spreads its rounding evenly over a
// tensor, so the error scales with the tensor's magnitude.
double errorToScale(std::span<const float> got, std::span<const double> want) {
  double scale = 0, worst = 0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - want[i]));
  return worst / std::max(scale, 1e-30);
}

// One training pass of a network on the device, its tensors read back, and the double reference.
struct Outcome {
  std::vector<std::string> names;  // per tensor compared
  std::vector<std::vector<float>> device;
  std::vector<nn::RefTensor> reference;
  std::vector<std::string> paths;  // convolutionPath() per node
};

Outcome trainingPass(gpu::Context& context, const std::string& text, ConvAlgorithm conv) {
  nn::Network net(context, test::graphOf(text), kBatch, 11, conv);
  const auto input = test::randomFloats(kBatch * net.inputShape().elements(), 3);
  const auto ref = test::trainingPassWithReference(context, net, input, test::spreadLabels(kBatch, net.classes(), 7));
  Outcome out;
  for (size_t i : net.analysis().order) {
    const std::string& name = net.graph().nodes[i].name;
    const uint64_t n = uint64_t(kBatch) * net.analysis().nodes[i].shape.output.elements();
    out.paths.push_back(net.convolutionPath(i));
    if (i == net.lossNode()) continue;  // per-sample losses: the logits' gradient covers them
    out.names.push_back(name + " output");
    out.device.push_back(net.activation(i).read<float>(n));
    out.reference.push_back(ref.activations[i]);
    if (net.reachesLoss(i)) {
      out.names.push_back(name + " gradient");
      out.device.push_back(net.gradient(i).read<float>(n));
      out.reference.push_back(ref.gradients[i]);
    }
  }
  for (size_t k = 0; k < net.parameters().size(); ++k) {
    out.names.push_back(net.parameters()[k].name + " gradient");
    out.device.push_back(net.parameters()[k].readGradients());
    out.reference.push_back(ref.paramGrads[k]);
  }
  return out;
}

std::vector<std::string> pathsOf(gpu::Context& context, const std::string& text, ConvAlgorithm conv) {
  nn::Network net(context, test::graphOf(text), 2, 0, conv);
  std::vector<std::string> paths;
  for (size_t i = 0; i < net.graph().nodes.size(); ++i)
    if (!net.convolutionPath(i).empty()) paths.push_back(net.graph().nodes[i].name + " " + net.convolutionPath(i));
  return paths;
}

}  // namespace

class TestConvAlgorithm : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Every tensor of the pass against the reference, each relative to its own scale.
  void verifyAgainstReference(const Outcome& o, double tolerance) {
    double worst = 0;
    for (size_t t = 0; t < o.names.size(); ++t) worst = std::max(worst, errorToScale(o.device[t], o.reference[t]));
    qInfo("worst error / scale against the reference: %.2g", worst);
    for (size_t t = 0; t < o.names.size(); ++t) {
      const double e = errorToScale(o.device[t], o.reference[t]);
      QVERIFY2(e <= tolerance, qPrintable(QString("%1: error %2 of its scale against the reference")
                                              .arg(QString::fromStdString(o.names[t]))
                                              .arg(e)));
    }
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void fftAndDirectAgree() {
    const Outcome direct = trainingPass(*context_, kNet, ConvAlgorithm::Direct);
    const Outcome fft = trainingPass(*context_, kNet, ConvAlgorithm::Fft);
    QCOMPARE(direct.paths[1], std::string("direct"));
    QCOMPARE(fft.paths[1], std::string("fft"));
    QCOMPARE(fft.names, direct.names);
    QVERIFY(std::count(fft.names.begin(), fft.names.end(), "p gradient") == 1);  // the convolution's input side
    double worst = 0;
    for (size_t t = 0; t < fft.names.size(); ++t) {
      const nn::RefTensor want(direct.device[t].begin(), direct.device[t].end());
      const double e = errorToScale(fft.device[t], want);
      worst = std::max(worst, e);
      QVERIFY2(e <= 1e-5, qPrintable(QString("%1: FFT and direct differ by %2 of its scale")
                                         .arg(QString::fromStdString(fft.names[t]))
                                         .arg(e)));
    }
    qInfo("worst FFT - direct difference / scale: %.2g", worst);
  }

  void fftGradientsMatchReference() { verifyAgainstReference(trainingPass(*context_, kNet, ConvAlgorithm::Fft), 1e-5); }

  void fanOutGradientAccumulatesOnTheFftPath() {
    const Outcome fft = trainingPass(*context_, kResidualNet, ConvAlgorithm::Fft);
    QCOMPARE(fft.paths[1], std::string("fft"));
    verifyAgainstReference(fft, 1e-5);
  }

  void autoChoosesByKernelAndStride() {
    const std::string text = R"(input x: 2x16x16
big = Conv2d(x, out_channels=2, kernel_size=7, padding=3)
small = Conv2d(big, out_channels=2, kernel_size=3, padding=1)
strided = Conv2d(small, out_channels=2, kernel_size=7, stride=2, padding=3)
f = Flatten(strided)
logits = Linear(f, out_features=2)
loss = CrossEntropyLoss(logits)
)";
    QCOMPARE(pathsOf(*context_, text, ConvAlgorithm::Auto),
             (std::vector<std::string>{"big fft", "small direct", "strided direct"}));
    QCOMPARE(pathsOf(*context_, text, ConvAlgorithm::Direct),
             (std::vector<std::string>{"big direct", "small direct", "strided direct"}));
    const auto forced = pathsOf(*context_, text, ConvAlgorithm::Fft);
    QCOMPARE(forced[0], std::string("big fft"));
    QCOMPARE(forced[1], std::string("small fft"));
    QCOMPARE(forced[2], std::string("strided direct (the FFT needs stride 1 and dilation 1)"));
  }

  void spectraTooLargeForABindingFallBack() {
    const auto analysis = nn::analyze(test::graphOf(kNet));
    const nn::NodeInfo& conv = analysis.nodes[1];
    QCOMPARE(nn::createLayer(conv, {ConvAlgorithm::Fft, 4, 128ull << 20})->convolutionPath(), std::string("fft"));
    // 20x18 transforms of 64 x 3 planes: 540 KiB of spectra, more than a 256 KiB binding.
    const std::string path = nn::createLayer(conv, {ConvAlgorithm::Auto, 64, 256 << 10})->convolutionPath();
    QCOMPARE(path, std::string("direct (the FFT's spectra need 540 KiB, more than one binding holds (256 KiB))"));
    QCOMPARE(nn::createLayer(conv)->convolutionPath(), std::string("direct"));  // a layer alone: direct
  }

  void badSettingsNameTheAcceptedValues() {
    QCOMPARE(nn::parseConvAlgorithm("auto"), ConvAlgorithm::Auto);
    QCOMPARE(nn::parseConvAlgorithm("direct"), ConvAlgorithm::Direct);
    QCOMPARE(nn::parseConvAlgorithm("fft"), ConvAlgorithm::Fft);
    auto messageOf = [](auto&& f) -> std::string {
      try {
        f();
      } catch (const std::invalid_argument& e) {
        return e.what();
      }
      return "(nothing thrown)";
    };
    auto namesAll = [](const std::string& m) {
      return m.find("auto") != std::string::npos && m.find("direct") != std::string::npos &&
             m.find("fft") != std::string::npos;
    };
    const std::string bad = messageOf([] { nn::parseConvAlgorithm("FFT"); });
    QVERIFY2(namesAll(bad) && bad.find("'FFT'") != std::string::npos, bad.c_str());

    const QByteArray saved = qgetenv("GRADLAB_CONV");
    qputenv("GRADLAB_CONV", "winograd");
    const std::string env = messageOf([] { nn::defaultConvAlgorithm(); });
    const std::string network = messageOf([&] { nn::Network net(*context_, test::graphOf(kNet), 2); });
    qputenv("GRADLAB_CONV", "fft");
    const ConvAlgorithm fromEnvironment = nn::defaultConvAlgorithm();
    qunsetenv("GRADLAB_CONV");
    const ConvAlgorithm unset = nn::defaultConvAlgorithm();
    if (!saved.isNull()) qputenv("GRADLAB_CONV", saved);
    QVERIFY2(namesAll(env) && env.find("GRADLAB_CONV") != std::string::npos, env.c_str());
    QVERIFY2(env.find("winograd") != std::string::npos, env.c_str());
    QCOMPARE(network, env);
    QCOMPARE(fromEnvironment, ConvAlgorithm::Fft);
    QCOMPARE(unset, ConvAlgorithm::Auto);
  }
};

QTEST_GUILESS_MAIN(TestConvAlgorithm)
#include "test_conv_algorithm.moc"

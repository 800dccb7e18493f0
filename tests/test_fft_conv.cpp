// FFT convolution against the double-precision direct convolution of the Conv2d layer
// (nn/layers/conv_common.h): forward, input gradient and weight gradient on random data of odd
// and even sizes, padding 0 and k/2, kernels 3 to 11.
#include "fft/fft_conv2d.h"
#include "nn/layers/conv_common.h"
#include "support/gpu_test.h"

#include <QTest>

#include <algorithm>
#include <cmath>

using namespace gradlab;

namespace {

// Largest |got - want| relative to the largest |want|: an FFT spreads its rounding error evenly
// over a tensor, so it scales with the tensor's magnitude, not with each element's.
double errorToScale(std::span<const float> got, const nn::RefTensor& want) {
  double scale = 0, worst = 0;
  for (double v : want) scale = std::max(scale, std::abs(v));
  for (size_t i = 0; i < want.size(); ++i) worst = std::max(worst, std::abs(double(got[i]) - want[i]));
  return worst / std::max(scale, 1e-30);
}

nn::RefTensor toDouble(const std::vector<float>& v) { return {v.begin(), v.end()}; }

}  // namespace

class TestFftConv : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;
  static constexpr double kTolerance = 2e-6;  // float32 rounding through two transforms of < 64 points a side

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void friendlySizesHaveSmallFactors() {
    QCOMPARE(fft::fftFriendlySize(1), 1u);
    QCOMPARE(fft::fftFriendlySize(11), 12u);
    QCOMPARE(fft::fftFriendlySize(13), 14u);
    QCOMPARE(fft::fftFriendlySize(17), 18u);
    QCOMPARE(fft::fftFriendlySize(64), 64u);
    QCOMPARE(fft::fftFriendlySize(121), 125u);
  }

  void matchesDirectConvolution_data() {
    QTest::addColumn<int>("batch");
    QTest::addColumn<int>("inChannels");
    QTest::addColumn<int>("outChannels");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("kernel");
    QTest::addColumn<int>("padding");
    QTest::newRow("k3 pad 1, 2x3->4, 13x11") << 2 << 3 << 4 << 13 << 11 << 3 << 1;
    QTest::newRow("k3 pad 0, 1x1->1, 8x8") << 1 << 1 << 1 << 8 << 8 << 3 << 0;
    QTest::newRow("k5 pad 0, 3x2->3, 17x9") << 3 << 2 << 3 << 17 << 9 << 5 << 0;
    QTest::newRow("k7 pad 3, 2x4->2, 15x20") << 2 << 4 << 2 << 15 << 20 << 7 << 3;
    QTest::newRow("k9 pad 4, 1x3->5, 19x19") << 1 << 3 << 5 << 19 << 19 << 9 << 4;
    QTest::newRow("k11 pad 0, 2x2->3, 23x14") << 2 << 2 << 3 << 23 << 14 << 11 << 0;
    QTest::newRow("k11 pad 5, 2x3->2, 11x11 (kernel = image)") << 2 << 3 << 2 << 11 << 11 << 11 << 5;
  }
  void matchesDirectConvolution() {
    QFETCH(int, batch);
    QFETCH(int, inChannels);
    QFETCH(int, outChannels);
    QFETCH(int, height);
    QFETCH(int, width);
    QFETCH(int, kernel);
    QFETCH(int, padding);
    const fft::FftConvShape s{uint32_t(batch), uint32_t(inChannels), uint32_t(outChannels), uint32_t(height),
                              uint32_t(width), uint32_t(kernel),     uint32_t(padding)};
    nn::layers::ConvGeometry g;
    g.channels = s.inChannels;
    g.height = s.height;
    g.width = s.width;
    g.colH = s.outHeight();
    g.colW = s.outWidth();
    g.k = s.kernel;
    g.pad = s.padding;
    const size_t xN = size_t(s.batch) * s.inChannels * s.height * s.width;
    const size_t wN = size_t(s.outChannels) * s.inChannels * s.kernel * s.kernel;
    const size_t yN = size_t(s.batch) * s.outChannels * g.gridSize();
    const uint32_t seed = uint32_t(kernel * 1000 + height * 10 + padding);
    const auto x = test::randomFloats(xN, seed), w = test::randomFloats(wN, seed + 1);
    const auto b = test::randomFloats(s.outChannels, seed + 2), dy = test::randomFloats(yN, seed + 3);

    gpu::Buffer xBuf(*context_, xN * 4), wBuf(*context_, wN * 4), bBuf(*context_, s.outChannels * 4);
    gpu::Buffer dyBuf(*context_, yN * 4), yBuf(*context_, yN * 4), dxBuf(*context_, xN * 4), dwBuf(*context_, wN * 4);
    xBuf.upload(std::span<const float>(x));
    wBuf.upload(std::span<const float>(w));
    bBuf.upload(std::span<const float>(b));
    dyBuf.upload(std::span<const float>(dy));
    fft::FftConv2d conv(*context_, s);
    QVERIFY(conv.transformHeight() >= s.height + 2 * s.padding);
    gpu::Recording rec(*context_);
    conv.recordForward(rec, xBuf, wBuf, bBuf, yBuf);
    conv.recordInputGradient(rec, dyBuf, wBuf, dxBuf);
    conv.recordWeightGradient(rec, xBuf, dyBuf, dwBuf);
    context_->run(rec);

    nn::RefTensor y(yN), dx(xN, 0.0), dw(wN, 0.0);
    for (size_t i = 0; i < yN; ++i) y[i] = b[(i / g.gridSize()) % s.outChannels];
    nn::layers::reference::convolve(g, s.batch, s.outChannels, toDouble(x), toDouble(w), y);
    nn::layers::reference::convolveAdjoint(g, s.batch, s.outChannels, toDouble(dy), toDouble(w), dx);
    nn::layers::reference::convolveWeightAdjoint(g, s.batch, s.outChannels, toDouble(x), toDouble(dy), dw);

    const double forward = errorToScale(yBuf.read<float>(yN), y);
    const double input = errorToScale(dxBuf.read<float>(xN), dx);
    const double weight = errorToScale(dwBuf.read<float>(wN), dw);
    qInfo("transform %ux%u; error / scale: forward %.2g, input gradient %.2g, weight gradient %.2g",
          conv.transformHeight(), conv.transformWidth(), forward, input, weight);
    QVERIFY2(forward <= kTolerance, qPrintable(QString("forward error %1").arg(forward)));
    QVERIFY2(input <= kTolerance, qPrintable(QString("input gradient error %1").arg(input)));
    QVERIFY2(weight <= kTolerance, qPrintable(QString("weight gradient error %1").arg(weight)));
  }

  void rejectsKernelLargerThanPaddedInput() {
    const fft::FftConvShape s{1, 1, 1, 6, 6, 9, 1};
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, fft::FftConv2d(*context_, s));
  }

  void rejectsTooSmallBuffer() {
    const fft::FftConvShape s{1, 2, 2, 8, 8, 3, 1};
    fft::FftConv2d conv(*context_, s);
    gpu::Buffer small(*context_, 16), w(*context_, 2 * 2 * 9 * 4), y(*context_, 2 * 64 * 4);
    gpu::Recording rec(*context_);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, conv.recordForward(rec, small, w, {}, y));
  }
};

QTEST_GUILESS_MAIN(TestFftConv)
#include "test_fft_conv.moc"

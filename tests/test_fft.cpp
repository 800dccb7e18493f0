// VkFFT inside the engine: 2-D transforms against a naive double-precision DFT, on random
// complex data of power-of-two and other sizes, batched, forward and inverse.
#include "fft/fft2d.h"
#include "support/gpu_test.h"

#include <QTest>

#include <complex>

using namespace gradlab;

class TestFft : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void matchesNaiveDft_data() {
    QTest::addColumn<int>("width");
    QTest::addColumn<int>("height");
    QTest::addColumn<int>("batch");
    QTest::addColumn<bool>("inverse");
    QTest::newRow("8x8") << 8 << 8 << 1 << false;
    QTest::newRow("16x4 batch 3") << 16 << 4 << 3 << false;
    QTest::newRow("12x10 (radix 3, 5)") << 12 << 10 << 1 << false;
    QTest::newRow("7x9 (odd sizes)") << 7 << 9 << 2 << false;
    QTest::newRow("32x32 inverse") << 32 << 32 << 1 << true;
  }
  void matchesNaiveDft() {
    QFETCH(int, width);
    QFETCH(int, height);
    QFETCH(int, batch);
    QFETCH(bool, inverse);
    const size_t n = size_t(width) * height * batch;
    const auto raw = test::randomFloats(2 * n, uint32_t(width * 100 + height));
    std::vector<std::complex<float>> data(n);
    for (size_t i = 0; i < n; ++i) data[i] = {raw[2 * i], raw[2 * i + 1]};

    const auto direction = inverse ? fft::Direction::Inverse : fft::Direction::Forward;
    fft::Fft2d plan(*context_, width, height, batch);
    gpu::Buffer buffer(*context_, plan.bytes());
    buffer.upload(data.data(), plan.bytes());
    gpu::Recording rec(*context_);
    plan.record(rec, buffer, direction);
    context_->run(rec);
    const auto got = buffer.read<std::complex<float>>(n);
    const auto want = fft::reference::dft2d(data, width, height, direction);
    // Error relative to the transform's natural scale: sqrt(points) * rms(input) ~ sqrt(points) / sqrt(3).
    const double scale = std::sqrt(double(width) * height);
    double worst = 0;
    for (size_t i = 0; i < n; ++i) worst = std::max(worst, std::abs(std::complex<double>(got[i]) - want[i]) / scale);
    QVERIFY2(worst <= 1e-5, qPrintable(QString("max error %1").arg(worst)));
  }

  void forwardThenInverseRestoresInput() {
    const int width = 24, height = 16;
    const size_t n = size_t(width) * height;
    const auto raw = test::randomFloats(2 * n, 5);
    fft::Fft2d plan(*context_, width, height);
    gpu::Buffer buffer(*context_, plan.bytes());
    buffer.upload(raw.data(), plan.bytes());
    gpu::Recording rec(*context_);
    plan.record(rec, buffer, fft::Direction::Forward);
    plan.record(rec, buffer, fft::Direction::Inverse);  // the recording orders the two transforms
    context_->run(rec);
    const auto got = buffer.read<float>(2 * n);
    for (size_t i = 0; i < 2 * n; ++i) QVERIFY(std::abs(got[i] / double(n) - raw[i]) <= 1e-5);
  }
};

QTEST_APPLESS_MAIN(TestFft)
#include "test_fft.moc"

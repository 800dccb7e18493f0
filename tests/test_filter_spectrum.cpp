// Filter spectra: VkFFT's magnitudes of zero-padded, fftshifted filters against a direct DFT in
// double precision, on random filters, plus the spectra whose shape is known.
#include "analysis/filter_spectrum.h"
#include "support/gpu_test.h"

#include <QTest>

using namespace gradlab;

class TestFilterSpectrum : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void randomFiltersMatchTheDft_data() {
    QTest::addColumn<uint32_t>("count");
    QTest::addColumn<uint32_t>("side");
    QTest::addColumn<uint32_t>("size");
    QTest::newRow("6 5x5 to 16") << 6u << 5u << 16u;
    QTest::newRow("16 3x3 to 32") << 16u << 3u << 32u;
    QTest::newRow("2 7x7 to 8") << 2u << 7u << 8u;
  }
  void randomFiltersMatchTheDft() {
    QFETCH(uint32_t, count);
    QFETCH(uint32_t, side);
    QFETCH(uint32_t, size);
    const auto filters = test::randomFloats(size_t(count) * side * side, count + side);
    analysis::FilterSpectrum spectrum(*context_, size);
    const auto got = spectrum.magnitudes(filters, count, side, side);
    const auto want = analysis::reference::filterMagnitudes(filters, count, side, side, size);
    QCOMPARE(got.size(), want.size());
    double peak = 0;
    for (double w : want) peak = std::max(peak, w);
    const double worst = test::maxScaledError(got, want, std::vector<double>(want.size(), peak));
    QVERIFY2(worst < 1e-5, qPrintable(QString::number(worst)));
  }

  void knownSpectra() {
    analysis::FilterSpectrum spectrum(*context_, 8);
    // A centred 3x3 box: the peak (its sum, 9) at the centre after fftshift.
    const std::vector<float> box(9, 1.0f);
    const auto b = spectrum.magnitudes(box, 1, 3, 3);
    QVERIFY(std::abs(b[4 * 8 + 4] - 9.0f) < 1e-5f);
    for (float v : b) QVERIFY(v <= 9.0f + 1e-5f);
    // A single tap: every frequency passes with magnitude 1 (a new batch size: a new plan).
    const std::vector<float> deltas = {0, 0, 0, 0, 2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0};
    const auto d = spectrum.magnitudes(deltas, 2, 3, 3);
    for (size_t i = 0; i < 64; ++i) QVERIFY(std::abs(d[i] - 2.0f) < 1e-5f && std::abs(d[64 + i] - 1.0f) < 1e-5f);
  }

  void rejectsFiltersLargerThanTheTransform() {
    analysis::FilterSpectrum spectrum(*context_, 4);
    const std::vector<float> big(25, 1.0f);
    try {
      spectrum.magnitudes(big, 1, 5, 5);
      QFAIL("a 5x5 filter was accepted for a 4x4 spectrum");
    } catch (const std::invalid_argument& e) {
      QVERIFY2(QString(e.what()).contains("larger spectrum size"), e.what());
    }
  }
};

QTEST_GUILESS_MAIN(TestFilterSpectrum)
#include "test_filter_spectrum.moc"

// GEMM against the double-precision reference, on random shapes and data, both kernel variants,
// every transpose combination, alpha/beta, padded leading dimensions, and beta = 0 over NaN.
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "ops/gemm.h"
#include "support/gpu_test.h"

#include <QTest>

using namespace gradlab;

class TestGemm : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Runs one GEMM and returns the worst error in units of the rounding scale sum |a||b|.
  double runCase(gpu::KernelVariant variant, ops::GemmShape shape, uint32_t seed, bool nanInC = false) {
    const uint32_t rowsA = shape.transA ? shape.K : shape.M, colsA = shape.transA ? shape.M : shape.K;
    const uint32_t rowsB = shape.transB ? shape.N : shape.K, colsB = shape.transB ? shape.K : shape.N;
    auto a = test::randomFloats(size_t(rowsA - (rowsA > 0)) * shape.leadA() + colsA, seed);
    auto b = test::randomFloats(size_t(rowsB - (rowsB > 0)) * shape.leadB() + colsB, seed + 1);
    auto c = test::randomFloats(size_t(shape.M) * shape.leadC(), seed + 2);
    if (nanInC) std::fill(c.begin(), c.end(), NAN);
    gpu::Buffer A(*context_, a.size() * 4), B(*context_, b.size() * 4), C(*context_, c.size() * 4);
    A.upload(std::span<const float>(a));
    B.upload(std::span<const float>(b));
    C.upload(std::span<const float>(c));
    gpu::Recording rec(*context_);
    ops::gemm(rec, shape, A, B, C, variant);
    context_->run(rec);
    const auto got = C.read<float>(c.size());
    const auto want = ops::reference::gemm(shape, a, b, c);
    const auto scale = ops::reference::gemmErrorScale(shape, a, b, c);
    // Only the first N columns of each row of C are written; the padding must be untouched.
    std::vector<float> gotUsed, padding, paddingBefore;
    std::vector<double> wantUsed, scaleUsed;
    for (uint32_t i = 0; i < shape.M; ++i)
      for (uint32_t j = 0; j < shape.leadC(); ++j) {
        const size_t k = size_t(i) * shape.leadC() + j;
        if (j < shape.N) {
          gotUsed.push_back(got[k]);
          wantUsed.push_back(want[k]);
          scaleUsed.push_back(std::max(scale[k], 1e-3));
        } else {
          padding.push_back(got[k]);
          paddingBefore.push_back(c[k]);
        }
      }
    for (size_t i = 0; i < padding.size(); ++i)
      if (!(padding[i] == paddingBefore[i] || (std::isnan(padding[i]) && std::isnan(paddingBefore[i])))) return INFINITY;
    return test::maxScaledError(gotUsed, wantUsed, scaleUsed);
  }

  void checkVariant(gpu::KernelVariant variant) {
    struct Case {
      uint32_t M, N, K;
    };
    const Case cases[] = {{1, 1, 1},     {1, 17, 5},   {13, 1, 7},   {7, 11, 13},   {64, 64, 64},
                          {65, 63, 31},  {97, 89, 83}, {1025, 3, 9}, {2, 1025, 17}, {5, 7, 1025},
                          {129, 130, 131}, {300, 2, 300}, {33, 257, 1}};
    uint32_t seed = 100;
    for (const Case& cs : cases)
      for (int trans = 0; trans < 4; ++trans) {
        ops::GemmShape shape;
        shape.M = cs.M;
        shape.N = cs.N;
        shape.K = cs.K;
        shape.transA = trans & 1;
        shape.transB = trans & 2;
        shape.alpha = 1.0f;
        shape.beta = 0.0f;
        const double tolerance = 1e-5 * std::sqrt(double(cs.K));  // relative to sum |a||b|
        const double err = runCase(variant, shape, seed += 3);
        QVERIFY2(err <= tolerance, qPrintable(QString("%1x%2x%3 transA=%4 transB=%5: error %6 > %7")
                                                  .arg(cs.M).arg(cs.N).arg(cs.K).arg(shape.transA)
                                                  .arg(shape.transB).arg(err).arg(tolerance)));
      }
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void registersVariantMatchesReference() { checkVariant(gpu::KernelVariant::Registers); }
  void tiledVariantMatchesReference() { checkVariant(gpu::KernelVariant::Tiled); }

  void alphaBetaAndPaddedLeadingDimensions() {
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled})
      for (int trans = 0; trans < 4; ++trans) {
        ops::GemmShape shape;
        shape.M = 37;
        shape.N = 29;
        shape.K = 41;
        shape.transA = trans & 1;
        shape.transB = trans & 2;
        shape.lda = shape.leadA() + 3;  // leadA() is the packed size while lda is 0
        shape.ldb = shape.leadB() + 5;
        shape.ldc = shape.N + 7;
        shape.alpha = -0.75f;
        shape.beta = 1.5f;
        const double err = runCase(variant, shape, 500 + trans);
        QVERIFY2(err <= 1e-5 * std::sqrt(41.0), qPrintable(QString("variant %1 trans %2: error %3")
                                                               .arg(gpu::kernelVariantName(variant)).arg(trans).arg(err)));
      }
  }

  void betaZeroDoesNotReadC() {
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      ops::GemmShape shape;
      shape.M = 19;
      shape.N = 23;
      shape.K = 11;
      shape.alpha = 2.0f;
      const double err = runCase(variant, shape, 900, /*nanInC=*/true);
      QVERIFY2(err <= 1e-4, qPrintable(QString("%1: NaN in C leaked (error %2)").arg(gpu::kernelVariantName(variant)).arg(err)));
    }
  }

  void largeSquareAgrees() {
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      ops::GemmShape shape;
      shape.M = shape.N = shape.K = 256;
      const double err = runCase(variant, shape, 1234);
      QVERIFY2(err <= 1e-5 * 16, qPrintable(QString::number(err)));
    }
  }

  void zeroSizedShapesAreNoOps() {
    ops::GemmShape shape;
    shape.M = 0;
    shape.N = 5;
    shape.K = 3;
    gpu::Buffer A(*context_, 64), B(*context_, 64), C(*context_, 64);
    gpu::Recording rec(*context_);
    ops::gemm(rec, shape, A, B, C);
    QCOMPARE(rec.dispatchCount(), 0u);
  }

  void tooSmallBufferIsRejected() {
    ops::GemmShape shape;
    shape.M = shape.N = shape.K = 8;
    gpu::Buffer small(*context_, 16), big(*context_, 256);
    gpu::Recording rec(*context_);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ops::gemm(rec, shape, small, big, big));
  }
};

QTEST_APPLESS_MAIN(TestGemm)
#include "test_gemm.moc"

// Element-wise kernels against the double-precision reference on random inputs of awkward
// lengths, through mapped memory and through staging.
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "ops/elementwise.h"
#include "support/gpu_test.h"

#include <QTest>

using namespace gradlab;

namespace {
const uint32_t kLengths[] = {1, 7, 256, 1000, 65537, (1u << 20) + 3};
}

class TestElementwise : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Passes when |got - want| <= atol + rtol |want|: transcendental functions in Vulkan have
  // ULP-bounded relative error outside small ranges and absolute error inside (log near 1).
  void checkUnary(gpu::Context& context, ops::UnaryOp op, float lo, float hi, double rtol, double atol = 1e-6) {
    uint32_t seed = 10 + uint32_t(op) * 100;
    for (uint32_t n : kLengths) {
      const auto x = test::randomFloats(n, ++seed, lo, hi);
      gpu::Buffer X(context, n * 4ull), Y(context, n * 4ull);
      X.upload(std::span<const float>(x));
      gpu::Recording rec(context);
      ops::unary(rec, op, X, Y, n, 0.5f, 0.25f);
      context.run(rec);
      const auto got = Y.read<float>(n);
      const auto want = ops::reference::unary(op, x, 0.5, 0.25);
      const double ratio = test::worstOfBound(got, want, rtol, atol);
      QVERIFY2(ratio <= 1.0,
               qPrintable(QString("op %1 n=%2: error %3 times the bound").arg(int(op)).arg(n).arg(ratio)));
    }
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void unaryMapsMatchReference() {
    // The input alpha x + beta is rounded to float first: about 1e-7 relative.
    checkUnary(*context_, ops::UnaryOp::Affine, -3, 3, 3e-7, 1e-7);
    checkUnary(*context_, ops::UnaryOp::Abs, -3, 3, 3e-7, 1e-7);
    checkUnary(*context_, ops::UnaryOp::Square, -3, 3, 6e-7, 1e-7);
    checkUnary(*context_, ops::UnaryOp::Sqrt, 0, 9, 1e-6, 1e-6);
    checkUnary(*context_, ops::UnaryOp::Exp, -8, 8, 1e-5);
    checkUnary(*context_, ops::UnaryOp::Log, 0.01f, 50, 1e-5);
    checkUnary(*context_, ops::UnaryOp::Tanh, -6, 6, 1e-5);
    checkUnary(*context_, ops::UnaryOp::Sigmoid, -12, 12, 1e-5);
    checkUnary(*context_, ops::UnaryOp::Relu, -3, 3, 3e-7, 1e-7);
  }

  void binaryMapsMatchReference() {
    uint32_t seed = 7000;
    for (auto op : {ops::BinaryOp::Add, ops::BinaryOp::Sub, ops::BinaryOp::Mul, ops::BinaryOp::Div, ops::BinaryOp::Max,
                    ops::BinaryOp::Min})
      for (uint32_t n : kLengths) {
        const auto x = test::randomFloats(n, ++seed, -2, 2);
        auto y = test::randomFloats(n, ++seed, 0.5f, 3);  // away from 0 for Div
        gpu::Buffer X(*context_, n * 4ull), Y(*context_, n * 4ull), Z(*context_, n * 4ull);
        X.upload(std::span<const float>(x));
        Y.upload(std::span<const float>(y));
        gpu::Recording rec(*context_);
        ops::binary(rec, op, X, Y, Z, n, -1.5f);
        context_->run(rec);
        // Rounding scales with the operands for + and -, with the result otherwise.
        std::vector<double> scale(n);
        const auto want = ops::reference::binary(op, x, y, -1.5);
        for (uint32_t i = 0; i < n; ++i)
          scale[i] = op == ops::BinaryOp::Add || op == ops::BinaryOp::Sub ? 1.5 * std::abs(x[i]) + std::abs(y[i])
                                                                          : std::abs(want[i]);
        const double err = test::maxScaledError(Z.read<float>(n), want, scale);
        QVERIFY2(err <= 5e-7, qPrintable(QString("op %1 n=%2: error %3").arg(int(op)).arg(n).arg(err)));
      }
  }

  void fillCopyAxpyAndChainedDispatches() {
    for (uint32_t n : kLengths) {
      const auto x = test::randomFloats(n, n, -1, 1);
      const auto y = test::randomFloats(n, n + 1, -1, 1);
      gpu::Buffer X(*context_, n * 4ull), Y(*context_, n * 4ull), F(*context_, n * 4ull);
      X.upload(std::span<const float>(x));
      Y.upload(std::span<const float>(y));
      // One recording whose dispatches depend on each other: the barriers must order them.
      gpu::Recording rec(*context_);
      ops::fill(rec, F, n, 2.5f);      // F = 2.5
      ops::axpy(rec, 3.0f, X, Y, n);   // Y = 3x + y
      ops::axpy(rec, -1.0f, F, Y, n);  // Y = 3x + y - 2.5
      ops::copy(rec, Y, F, n);         // F = Y
      ops::axpy(rec, 0.5f, F, Y, n);   // Y = 1.5 (3x + y - 2.5)
      context_->run(rec);
      const auto got = Y.read<float>(n);
      std::vector<double> want(n), scale(n);
      for (uint32_t i = 0; i < n; ++i) {
        want[i] = 1.5 * (3.0 * x[i] + y[i] - 2.5);
        scale[i] = 1.5 * (3.0 * std::abs(x[i]) + std::abs(y[i]) + 2.5);  // size of the rounded terms
      }
      const double err = test::maxScaledError(got, want, scale);
      QVERIFY2(err <= 1e-6, qPrintable(QString("n=%1: error %2").arg(n).arg(err)));
      // Replaying the same command buffer applies the whole chain again.
      context_->run(rec);
      const auto again = Y.read<float>(n);
      for (uint32_t i = 0; i < n; ++i) {
        scale[i] = 1.5 * (3.0 * std::abs(x[i]) + std::abs(want[i]) + 2.5);
        want[i] = 1.5 * (3.0 * x[i] + want[i] - 2.5);
      }
      QVERIFY(test::maxScaledError(again, want, scale) <= 2e-6);
    }
  }

  void stagingPathGivesTheSameResults() {
    gpu::ContextOptions options;
    options.forceStaging = true;
    auto staged = test::makeContext(options);
    QVERIFY(!staged->mapsDeviceMemory());
    gpu::Buffer probe(*staged, 16);
    QVERIFY(!probe.mapped());
    checkUnary(*staged, ops::UnaryOp::Tanh, -4, 4, 1e-5);
    test::verifyNoValidationMessages(*staged);
  }
};

QTEST_APPLESS_MAIN(TestElementwise)
#include "test_elementwise.moc"

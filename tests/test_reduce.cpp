// Reductions against the double-precision reference, both kernel variants, lengths from 0 to
// millions, on data with a large mean (where naive float sums and one-pass variance fail).
#include "gpu/buffer.h"
#include "gpu/recording.h"
#include "ops/reduce.h"
#include "support/gpu_test.h"

#include <QTest>

#include <cmath>

using namespace gradlab;

class TestReduce : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  float runReduce(gpu::KernelVariant variant, ops::ReduceOp op, const std::vector<float>& x) {
    gpu::Buffer X(*context_, x.size() * 4), Y(*context_, 4), scratch(*context_, ops::kReduceScratchBytes);
    X.upload(std::span<const float>(x));
    gpu::Recording rec(*context_);
    ops::reduce(rec, op, X, uint32_t(x.size()), Y, scratch, variant);
    context_->run(rec);
    return Y.read<float>(1)[0];
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void matchesReference_data() {
    QTest::addColumn<int>("variant");
    QTest::newRow("registers") << int(gpu::KernelVariant::Registers);
    QTest::newRow("tiled") << int(gpu::KernelVariant::Tiled);
  }
  void matchesReference() {
    QFETCH(int, variant);
    const uint32_t lengths[] = {1, 2, 7, 255, 256, 257, 1000, 4099, 65536, (1u << 20) + 5, 3000017};
    uint32_t seed = 1;
    for (uint32_t n : lengths) {
      // Mean 3, spread 2: the variance is small next to the mean squared.
      const auto x = test::randomFloats(n, ++seed, 1.0f, 5.0f);
      double sumAbs = 0;
      for (float v : x) sumAbs += std::abs(v);
      for (auto op :
           {ops::ReduceOp::Sum, ops::ReduceOp::Min, ops::ReduceOp::Max, ops::ReduceOp::Mean, ops::ReduceOp::Variance}) {
        const double want = ops::reference::reduce(op, x);
        const double got = runReduce(gpu::KernelVariant(variant), op, x);
        // Sums are compared relative to sum |x|; the rest relative to their own size.
        const double scale = op == ops::ReduceOp::Sum ? sumAbs : std::max(std::abs(want), 1e-6);
        const double err = std::abs(got - want) / scale;
        const double tolerance = op == ops::ReduceOp::Min || op == ops::ReduceOp::Max ? 0.0 : 1e-5;
        QVERIFY2(err <= tolerance, qPrintable(QString("%1 of %2: got %3, want %4 (error %5)")
                                                  .arg(ops::reduceOpName(op))
                                                  .arg(n)
                                                  .arg(got, 0, 'g', 9)
                                                  .arg(want, 0, 'g', 9)
                                                  .arg(err)));
      }
    }
  }

  void emptyInput() {
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      const std::vector<float> none;
      gpu::Buffer X(*context_, 16), Y(*context_, 4), scratch(*context_, ops::kReduceScratchBytes);
      auto run = [&](ops::ReduceOp op) {
        gpu::Recording rec(*context_);
        ops::reduce(rec, op, X, 0, Y, scratch, variant);
        context_->run(rec);
        return Y.read<float>(1)[0];
      };
      QCOMPARE(run(ops::ReduceOp::Sum), 0.0f);
      QVERIFY(std::isinf(run(ops::ReduceOp::Min)) && run(ops::ReduceOp::Min) > 0);
      QVERIFY(std::isinf(run(ops::ReduceOp::Max)) && run(ops::ReduceOp::Max) < 0);
      QVERIFY(std::isnan(run(ops::ReduceOp::Mean)));
      QVERIFY(std::isnan(run(ops::ReduceOp::Variance)));
    }
  }

  void compensatedSumBeatsNaiveFloat() {
    // 2^24 + many small values: a naive float sum loses every 1.0 after the first 2^24.
    std::vector<float> x(2'000'000, 1.0f);
    x[0] = 16777216.0f;
    const double want = ops::reference::reduce(ops::ReduceOp::Sum, x);
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      const double got = runReduce(variant, ops::ReduceOp::Sum, x);
      QVERIFY2(std::abs(got - want) <= 4.0,
               qPrintable(QString("got %1 want %2").arg(got, 0, 'f', 1).arg(want, 0, 'f', 1)));
    }
  }

  void smallScratchIsRejected() {
    gpu::Buffer X(*context_, 64), Y(*context_, 4), scratch(*context_, 64);
    gpu::Recording rec(*context_);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ops::reduce(rec, ops::ReduceOp::Sum, X, 16, Y, scratch));
  }
};

QTEST_APPLESS_MAIN(TestReduce)
#include "test_reduce.moc"

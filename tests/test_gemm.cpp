// GEMM against the double-precision reference, on random shapes and data, both kernel variants,
// every transpose combination, alpha/beta, padded leading dimensions, beta = 0 over NaN, edge tiles
// read as vec4s, rows of A shared across a subgroup or not, GEMMs split along a long K (the
// convolutions' weight gradients), a bias added to every row (a Linear layer's forward), the
// epilogues (activation, checked gradient, SGD step) unsplit and split, and the plans' occupancy.
#include "gpu/buffer.h"
#include "gpu/kernel.h"
#include "gpu/recording.h"
#include "nn/network.h"
#include "ops/gemm.h"
#include "spirv/shaders.h"
#include "support/gpu_test.h"
#include "train/control_block.h"
#include "train/step_builder.h"

#include <QTest>
#include <cmath>
#include <cstring>
#include <tuple>

using namespace gradlab;

namespace {
// Every Linear GEMM of a step, with bias, a ReLU and a Tanh their GEMMs apply (forward and backward).
// Every K at least 32: two slices in either family.
const char* kLinearNet = R"(input x: 40
h1 = Linear(x, out_features=36)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=32)
a2 = Tanh(h2)
logits = Linear(a2, out_features=32)
loss = CrossEntropyLoss(logits)
)";
}  // namespace

class TestGemm : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Runs one GEMM and returns the worst error in units of the rounding scale sum |a||b|.
  // `scratch`: run the GEMM split along K with gemmScratchFloats(shape) floats of scratch.
  // `withBias`: add a random bias of N floats to every row, and ask for the row sums of op(A) too
  // (checked like C's entries, split or not).
  double runCase(gpu::KernelVariant variant, ops::GemmShape shape, uint32_t seed, bool nanInC = false,
                 bool scratch = false, bool withBias = false) {
    const uint32_t rowsA = shape.transA ? shape.K : shape.M, colsA = shape.transA ? shape.M : shape.K;
    const uint32_t rowsB = shape.transB ? shape.N : shape.K, colsB = shape.transB ? shape.K : shape.N;
    auto a = test::randomFloats(size_t(rowsA - (rowsA > 0)) * shape.leadA() + colsA, seed);
    auto b = test::randomFloats(size_t(rowsB - (rowsB > 0)) * shape.leadB() + colsB, seed + 1);
    // NaN between the rows of a padded operand: read into any result, it shows.
    for (size_t i = 0; i < a.size(); ++i)
      if (i % shape.leadA() >= colsA) a[i] = NAN;
    for (size_t i = 0; i < b.size(); ++i)
      if (i % shape.leadB() >= colsB) b[i] = NAN;
    auto c = test::randomFloats(size_t(shape.M) * shape.leadC(), seed + 2);
    if (nanInC) std::fill(c.begin(), c.end(), NAN);
    gpu::Buffer A(*context_, a.size() * 4), B(*context_, b.size() * 4), C(*context_, c.size() * 4);
    A.upload(std::span<const float>(a));
    B.upload(std::span<const float>(b));
    C.upload(std::span<const float>(c));
    const uint64_t scratchFloats = ops::gemmScratchFloats(*context_, shape, variant);
    gpu::Buffer S(*context_, std::max<uint64_t>(scratchFloats, 1) * 4);
    const auto bias = withBias ? test::randomFloats(shape.N, seed + 3) : std::vector<float>{};
    gpu::Buffer Bias(*context_, std::max<size_t>(bias.size(), 1) * 4);
    if (withBias) Bias.upload(std::span<const float>(bias));
    gpu::Buffer RowSums(*context_, std::max<uint32_t>(shape.M, 1) * 4);
    gpu::Recording rec(*context_);
    ops::GemmExtras extras;
    if (withBias) extras = {Bias, RowSums};
    const bool summed =
        ops::gemm(rec, shape, A, B, C, variant, scratch ? gpu::BufferRange(S) : gpu::BufferRange(), extras).rowSums;
    context_->run(rec);
    const bool expectSums = withBias && shape.K > 0;
    if (summed != expectSums) return INFINITY;
    const auto got = C.read<float>(c.size());
    const auto want = ops::reference::gemm(shape, a, b, c, bias);
    const auto scale = ops::reference::gemmErrorScale(shape, a, b, c, bias);
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
      if (!(padding[i] == paddingBefore[i] || (std::isnan(padding[i]) && std::isnan(paddingBefore[i]))))
        return INFINITY;
    if (summed) {
      const auto sums = RowSums.read<float>(shape.M);
      for (uint32_t i = 0; i < shape.M; ++i) {
        double sum = 0, magnitude = 0;
        for (uint32_t k = 0; k < shape.K; ++k) {
          const double v = shape.transA ? a[size_t(k) * shape.leadA() + i] : a[size_t(i) * shape.leadA() + k];
          sum += v;
          magnitude += std::abs(v);
        }
        gotUsed.push_back(sums[i]);
        wantUsed.push_back(double(shape.alpha) * sum);
        scaleUsed.push_back(std::max(std::abs(double(shape.alpha)) * magnitude, 1e-3));
      }
    }
    return test::maxScaledError(gotUsed, wantUsed, scaleUsed);
  }

  struct Case {
    uint32_t M, N, K;
  };

  // The activations in double precision (engine/nn/layers/activation.cpp's reference).
  static double f(int op, double v, double param) {
    switch (op) {
      case 0: return 1.0 / (1.0 + std::exp(-v));
      case 1: return std::tanh(v);
      case 2: return std::max(v, 0.0);
      case 3: return v > 0 ? v : param * v;
      default: return v > 0 ? v : param * (std::exp(v) - 1.0);
    }
  }
  static double derivative(int op, double x, double y, double param) {
    switch (op) {
      case 0: return y * (1 - y);
      case 1: return 1 - y * y;
      case 2: return x > 0 ? 1 : 0;
      case 3: return x > 0 ? 1 : param;
      default: return x > 0 ? 1 : param * std::exp(x);
    }
  }

  void checkVariant(gpu::KernelVariant variant) {
    // The last row: sides that are multiples of 4 but not of the tiles, so edge tiles take the
    // vec4 path with clamped indices; and skinny shapes of the convolution layers.
    const Case cases[] = {{1, 1, 1},    {1, 17, 5},   {13, 1, 7},    {7, 11, 13},  {64, 64, 64},    {65, 63, 31},
                          {97, 89, 83}, {1025, 3, 9}, {2, 1025, 17}, {5, 7, 1025}, {129, 130, 131}, {300, 2, 300},
                          {33, 257, 1}, {20, 36, 52}, {4, 100, 8},   {36, 4, 13},  {6, 200, 25},    {16, 152, 20}};
    checkCases(variant, cases, false);
  }

  template <size_t n>
  void checkCases(gpu::KernelVariant variant, const Case (&cases)[n], bool split) {
    uint32_t seed = split ? 700 : 100;
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
        if (split) QVERIFY2(ops::gemmScratchFloats(shape) > 0, "a long-K case that is not split tests nothing");
        const bool bias = trans == 1 || trans == 2;  // half the cases, both C layouts of the registers kernel
        const double err = runCase(variant, shape, seed += 3, false, split, bias);
        QVERIFY2(err <= tolerance, qPrintable(QString("%1x%2x%3 transA=%4 transB=%5 bias=%6: error %7 > %8")
                                                  .arg(cs.M)
                                                  .arg(cs.N)
                                                  .arg(cs.K)
                                                  .arg(shape.transA)
                                                  .arg(shape.transB)
                                                  .arg(bias)
                                                  .arg(err)
                                                  .arg(tolerance)));
      }
  }

  // GRADLAB_GEMM_SPLIT=2 for `shape` on `variant` and the scratch that split needs (a buffer of one
  // float, and no split, when `split` is false), checking the plan splits.
  std::unique_ptr<gpu::Buffer> forceSplit(bool split, const ops::GemmShape& shape, gpu::KernelVariant variant) {
    if (!split) return std::make_unique<gpu::Buffer>(*context_, 4);
    qputenv("GRADLAB_GEMM_SPLIT", "2");
    const uint64_t floats = ops::gemmScratchFloats(*context_, shape, variant);
    if (ops::gemmPlan(*context_, shape, variant, floats).slices != 2) return nullptr;
    return std::make_unique<gpu::Buffer>(*context_, floats * 4);
  }
  gpu::BufferRange scratchOf(bool split, const gpu::Buffer& s) {
    return split ? gpu::BufferRange(s) : gpu::BufferRange();
  }

  // One case of nonFiniteResultsFlagTheStep (kind: its data row) on `variant`, with K split in two
  // (`split`: a K long enough for the tiled family's slices) or not.
  void checkedGradientCase(int kind, gpu::KernelVariant variant, bool split = false) {
    ops::GemmShape shape;  // dW = dy^T x: 12 x 20, K = 8 or 40 (the batch)
    shape.M = 12;
    shape.N = 20;
    shape.K = split ? 40 : 8;
    shape.transA = true;
    auto a = test::randomFloats(size_t(shape.K) * shape.M, 21), b = test::randomFloats(size_t(shape.K) * shape.N, 22);
    if (kind == 1) a[37] = NAN;
    if (kind == 2) a[5] = b[9] = 3e38f;
    if (kind == 3) {  // a row of A sums past the largest float; B's matching entries keep C finite
      for (uint32_t k = 0; k < shape.K; ++k) a[size_t(k) * shape.M + 4] = 3e38f;
      for (float& v : b) v = 0.0f;
    }
    gpu::Buffer A(*context_, a.size() * 4), B(*context_, b.size() * 4), C(*context_, size_t(shape.M) * shape.N * 4),
        Sums(*context_, shape.M * 4), Control(*context_, 16), Step(*context_, 4);
    A.upload(std::span<const float>(a));
    B.upload(std::span<const float>(b));
    const uint32_t zeros[4] = {0, 0, 0, 0}, step = 41;
    Control.upload(zeros, sizeof zeros);
    Step.upload(&step, 4);
    const auto S = forceSplit(split, shape, variant);
    QVERIFY2(S, "the forced split did not take");
    gpu::Recording rec(*context_);
    const auto fused = ops::gemm(rec, shape, A, B, C, variant, scratchOf(split, *S),
                                 {.rowSums = Sums, .epilogue = ops::GemmCheckedGradient{Control, Step}});
    qunsetenv("GRADLAB_GEMM_SPLIT");
    QVERIFY(fused.epilogue && fused.rowSums);
    context_->run(rec);
    train::ControlBlock control;
    Control.download(&control, sizeof control);
    if (kind == 0) {
      QCOMPARE(control.nonFinite, 0u);
      const auto c = C.read<float>(size_t(shape.M) * shape.N), sums = Sums.read<float>(shape.M);
      const auto want = ops::reference::gemm(shape, a, b, std::vector<float>(c.size(), 0.0f));
      const auto scale = ops::reference::gemmErrorScale(shape, a, b, std::vector<float>(c.size(), 0.0f));
      for (size_t i = 0; i < c.size(); ++i)
        QVERIFY2(std::abs(c[i] - want[i]) <= 1e-5 * (1e-3 + scale[i]), qPrintable(QString("C[%1]").arg(i)));
      for (uint32_t r = 0; r < shape.M; ++r) {
        double sum = 0, magnitude = 0;
        for (uint32_t k = 0; k < shape.K; ++k) {
          sum += a[size_t(k) * shape.M + r];
          magnitude += std::abs(a[size_t(k) * shape.M + r]);
        }
        QVERIFY2(std::abs(sums[r] - sum) <= 1e-5 * (1e-3 + magnitude), qPrintable(QString("row sum %1").arg(r)));
      }
    } else {
      QCOMPARE(control.nonFinite, 1u);
      QCOMPARE(control.failedStep, step);
      QCOMPARE(control.failedTensor, train::kGradients);
    }
  }

  // One case of sgdStepInTheWeightGradient (kind: its data row) on `variant`, with K split in two
  // or not.
  void sgdStepCase(int kind, gpu::KernelVariant variant, bool split = false) {
    ops::GemmShape shape;  // dW = dy^T x: 13 x 24, K = 9 or 41 (the batch)
    shape.M = 13;
    shape.N = 24;
    shape.K = split ? 41 : 9;
    shape.transA = true;
    auto a = test::randomFloats(size_t(shape.K) * shape.M, 31), b = test::randomFloats(size_t(shape.K) * shape.N, 32);
    const auto w = test::randomFloats(size_t(shape.M) * shape.N, 33), bias = test::randomFloats(shape.M, 34);
    if (kind == 2) a[40] = NAN;
    const float rate = 0.37f;
    gpu::Buffer A(*context_, a.size() * 4), B(*context_, b.size() * 4), W(*context_, w.size() * 4),
        Bias(*context_, bias.size() * 4), Control(*context_, 16), Step(*context_, 4);
    A.upload(std::span<const float>(a));
    B.upload(std::span<const float>(b));
    W.upload(std::span<const float>(w));
    Bias.upload(std::span<const float>(bias));
    train::ControlBlock control = train::ControlBlock::clearAt(rate);
    control.nonFinite = kind == 1 ? 1u : 0u;
    const uint32_t step = 7;
    Control.upload(&control, sizeof control);
    Step.upload(&step, 4);
    QVERIFY(ops::gemmUpdatesInPlace(*context_, shape, W));
    const auto S = forceSplit(split, shape, variant);
    QVERIFY2(S, "the forced split did not take");
    gpu::Recording rec(*context_);
    const auto fused = ops::gemm(rec, shape, A, B, W, variant, scratchOf(split, *S),
                                 {.rowSums = Bias, .epilogue = ops::GemmSgdStep{Control, Step}});
    qunsetenv("GRADLAB_GEMM_SPLIT");
    QVERIFY(fused.epilogue && fused.rowSums);
    context_->run(rec);
    const auto after = W.read<float>(w.size()), biasAfter = Bias.read<float>(bias.size());
    train::ControlBlock flags;
    Control.download(&flags, sizeof flags);
    if (kind == 1) {
      QVERIFY(after == w);
      QVERIFY(biasAfter == bias);
      return;
    }
    if (kind == 2) {
      QCOMPARE(flags.nonFinite, 1u);
      QCOMPARE(flags.failedStep, step);
      return;
    }
    if (split) return;  // the refusal below is the same split or not
    QCOMPARE(flags.nonFinite, 0u);
    const auto grad = ops::reference::gemm(shape, a, b, std::vector<float>(w.size(), 0.0f));
    const auto scale = ops::reference::gemmErrorScale(shape, a, b, std::vector<float>(w.size(), 0.0f));
    for (size_t i = 0; i < w.size(); ++i) {
      const double want = double(w[i]) - double(rate) * grad[i];
      QVERIFY2(std::abs(after[i] - want) <= 1e-6 * (1 + std::abs(want)) + 4e-7 * rate * scale[i],
               qPrintable(QString("W[%1] = %2, want %3").arg(i).arg(after[i]).arg(want)));
    }
    for (uint32_t r = 0; r < shape.M; ++r) {
      double sum = 0, magnitude = 0;
      for (uint32_t k = 0; k < shape.K; ++k) {
        sum += a[size_t(k) * shape.M + r];
        magnitude += std::abs(a[size_t(k) * shape.M + r]);
      }
      const double want = double(bias[r]) - double(rate) * sum;
      QVERIFY2(std::abs(biasAfter[r] - want) <= 1e-6 * (1 + std::abs(want)) + 4e-7 * rate * magnitude,
               qPrintable(QString("bias[%1] = %2, want %3").arg(r).arg(biasAfter[r]).arg(want)));
    }
    // C not whole vec4s (N = 13): refused, and gemm() says so rather than computing something else.
    ops::GemmShape odd = shape;
    odd.N = 13;
    QVERIFY(!ops::gemmUpdatesInPlace(*context_, odd, W));
    gpu::Recording refused(*context_);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ops::gemm(refused, odd, A, B, W, variant, {},
                                                              {.epilogue = ops::GemmSgdStep{Control, Step}}));
  }

  // One case of activationEpilogueMatchesActivationApart on `variant`, with K split in two or not.
  void activationCase(int op, bool backward, int n, gpu::KernelVariant variant, bool split = false) {
    ops::GemmShape shape;
    shape.M = 6;
    shape.N = uint32_t(n);
    shape.K = 35;         // a k-tail past the vec4 steps, and two slices of 16 for the tiled split
    shape.transB = true;  // a Linear layer's forward: x W^T
    const double param = op == 3 ? -0.3 : 0.7;  // a negative slope: f'(x) follows x's sign, not y's
    const auto a = test::randomFloats(size_t(shape.M) * shape.K, 11),
               b = test::randomFloats(size_t(shape.N) * shape.K, 12);
    auto x = test::randomFloats(size_t(shape.M) * shape.N, 13);
    for (size_t i = 0; i < x.size(); i += 7) x[i] = 0;  // f'(0) from the same side as the layer
    std::vector<float> y(x.size());
    for (size_t i = 0; i < x.size(); ++i) y[i] = float(f(op, x[i], param));
    gpu::Buffer A(*context_, a.size() * 4), B(*context_, b.size() * 4), C(*context_, x.size() * 4),
        Out(*context_, x.size() * 4), X(*context_, x.size() * 4), Y(*context_, x.size() * 4);
    A.upload(std::span<const float>(a));
    B.upload(std::span<const float>(b));
    X.upload(std::span<const float>(x));
    Y.upload(std::span<const float>(y));
    const ops::GemmActivation activation{ops::ActivationOp(op), float(param), backward, Out, X, Y};
    const auto S = forceSplit(split, shape, variant);
    QVERIFY2(S, "the forced split did not take");
    gpu::Recording rec(*context_);
    const auto fused = ops::gemm(rec, shape, A, B, C, variant, scratchOf(split, *S), {.epilogue = activation});
    qunsetenv("GRADLAB_GEMM_SPLIT");
    QVERIFY(fused.epilogue);
    Out.upload(std::span<const float>(std::vector<float>(x.size(), NAN)));
    context_->run(rec);
    const auto c = C.read<float>(x.size()), out = Out.read<float>(x.size());
    const auto want = ops::reference::gemm(shape, a, b, std::vector<float>(x.size(), 0.0f));
    for (size_t i = 0; i < x.size(); ++i) {
      QVERIFY2(std::abs(c[i] - want[i]) <= 1e-5 * (1 + std::abs(want[i])), "C is not the plain product");
      const double expected =
          backward ? want[i] * derivative(op, double(x[i]), double(y[i]), param) : f(op, want[i], param);
      QVERIFY2(std::abs(out[i] - expected) <= 1e-5 * (1 + std::abs(expected)),
               qPrintable(QString("element %1: %2, expected %3").arg(i).arg(out[i]).arg(expected)));
    }
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() {
    qunsetenv("GRADLAB_GEMM_TILE");  // also where a test function stopped at a failure
    qunsetenv("GRADLAB_GEMM_SPLIT");
    test::verifyNoValidationMessages(*context_);
  }

  // The registers kernel in its CPU form (A and B read as vec4 texel buffers, A's rows loaded once
  // per subgroup and shuffled round: the default on CPU devices) and its GPU form (storage
  // buffers, every lane loading its rows): both on every case.
  void registersVariantInCpuAndGpuForms_data() {
    QTest::addColumn<QByteArray>("cpuForm");
    QTest::newRow("texels and shared rows") << QByteArray("1");
    QTest::newRow("storage buffers, rows per lane") << QByteArray("0");
  }
  void registersVariantInCpuAndGpuForms() {
    QFETCH(QByteArray, cpuForm);
    if (cpuForm == "1" && (context_->device().minSubgroupSize < 8 || !context_->device().subgroupShuffle))
      QSKIP("this device cannot share rows across a subgroup (fewer than 8 lanes or no shuffle)");
    qputenv("GRADLAB_GEMM_SHARED_ROWS", cpuForm);
    qputenv("GRADLAB_GEMM_TEXELS", cpuForm);
    checkVariant(gpu::KernelVariant::Registers);
    const Case split[] = {{6, 25, 12544}, {3, 7, 5001}};
    checkCases(gpu::KernelVariant::Registers, split, true);
    qunsetenv("GRADLAB_GEMM_SHARED_ROWS");
    qunsetenv("GRADLAB_GEMM_TEXELS");
  }

  // Texel views of operands bound at an offset inside larger buffers, with neighbours on both
  // sides holding NaN: the view starts at the operand and its last partial vec4 (K = 7 floats per
  // row) reads a neighbour's floats only past the matrix, never into the result.
  void texelOperandsAtOffsetsInsideLargerBuffers() {
    qputenv("GRADLAB_GEMM_TEXELS", "1");
    const uint32_t M = 9, N = 12, K = 7, offsetFloats = 16;
    const auto a = test::randomFloats(M * K, 31), b = test::randomFloats(K * N, 32);
    std::vector<float> bigA(offsetFloats + a.size() + 13, NAN), bigB(offsetFloats + b.size() + 5, NAN);
    std::copy(a.begin(), a.end(), bigA.begin() + offsetFloats);
    std::copy(b.begin(), b.end(), bigB.begin() + offsetFloats);
    gpu::Buffer A(*context_, bigA.size() * 4), B(*context_, bigB.size() * 4), C(*context_, M * N * 4);
    A.upload(std::span<const float>(bigA));
    B.upload(std::span<const float>(bigB));
    ops::GemmShape shape;
    shape.M = M, shape.N = N, shape.K = K;
    gpu::Recording rec(*context_);
    ops::gemm(rec, shape, gpu::BufferRange(A, offsetFloats * 4, a.size() * 4),
              gpu::BufferRange(B, offsetFloats * 4, b.size() * 4), C, gpu::KernelVariant::Registers);
    context_->run(rec);
    qunsetenv("GRADLAB_GEMM_TEXELS");
    const auto got = C.read<float>(M * N);
    const std::vector<float> zeros(M * N, 0.0f);
    const auto want = ops::reference::gemm(shape, a, b, zeros);
    const auto scale = ops::reference::gemmErrorScale(shape, a, b, zeros);
    std::vector<double> scaled(scale.begin(), scale.end());
    for (double& x : scaled) x = std::max(x, 1e-3);
    QVERIFY(test::maxScaledError(got, want, scaled) <= 1e-5 * std::sqrt(double(K)));
  }

  void tiledVariantMatchesReference() { checkVariant(gpu::KernelVariant::Tiled); }

  // Every tile configuration of the tiled family with two shared buffers and one (forced through
  // GRADLAB_GEMM_TILE), unsplit and split along K (GRADLAB_GEMM_SPLIT), on awkward shapes: sides of
  // 3, 17, 63-65, 127-129 and past 1000, K not a multiple of 16 nor of 4, every transpose, operands
  // read as vec4s and element by element, C stored both ways; then every epilogue (the SGD step
  // and the checked gradient store C as vec4s, the activation element by element). A tile whose
  // shared memory exceeds the device's is planned for GPUs that have it, and skipped here saying so.
  void everyTiledConfigurationMatchesReference_data() {
    QTest::addColumn<QByteArray>("tile");
    for (ops::GemmTile t : ops::tiledConfigs())
      for (uint32_t buffers : {2u, 1u}) {
        t.buffers = buffers;
        const std::string forced = std::to_string(t.rows) + "x" + std::to_string(t.cols) + (buffers == 1 ? ":1" : "");
        QTest::newRow(t.name().c_str()) << QByteArray(forced.c_str());
      }
  }
  void everyTiledConfigurationMatchesReference() {
    QFETCH(QByteArray, tile);
    const ops::GemmTile t = ops::parseGemmTile(tile.toStdString());
    const uint32_t shared = context_->device().maxComputeSharedMemorySize;
    if (t.sharedBytes() > shared)
      QSKIP(
          qPrintable(QString("tile %1 needs %2 bytes of shared memory, this device has %3 (planned for GPUs with more)")
                         .arg(t.name().c_str())
                         .arg(t.sharedBytes())
                         .arg(shared)));
    qputenv("GRADLAB_GEMM_TILE", tile);
    // With one buffer only the k loop differs: two shapes, one split, and no epilogues.
    const Case cases[] = {{65, 127, 129}, {3, 17, 63}, {129, 64, 17}, {64, 1028, 36}};
    const size_t shapes = t.buffers == 1 ? 2 : std::size(cases);
    uint32_t seed = 1500;
    for (size_t i = 0; i < shapes; ++i)
      for (bool split : {false, true}) {
        if (split && (cases[i].K < 2 * ops::kGemmTileDepth || (t.buffers == 1 && i == 1))) continue;
        ops::GemmShape shape;
        shape.M = cases[i].M;
        shape.N = cases[i].N;
        shape.K = cases[i].K;
        shape.transA = i & 1;
        shape.transB = i & 2;
        if (i == 1 || i == 2) {  // leading dimensions padded to whole vec4s: vec4 loads stop at the edges
          shape.lda = (shape.leadA() + 3) / 4 * 4;
          shape.ldb = (shape.leadB() + 3) / 4 * 4;
        }
        qputenv("GRADLAB_GEMM_SPLIT", split ? "3" : "1");
        const ops::GemmPlan plan = ops::gemmPlan(*context_, shape, gpu::KernelVariant::Tiled);
        QCOMPARE(plan.tile.name(), t.name());
        QCOMPARE(plan.slices > 1, split);
        const double err = runCase(gpu::KernelVariant::Tiled, shape, seed += 3, false, split, true);
        qunsetenv("GRADLAB_GEMM_SPLIT");
        QVERIFY2(err <= 1e-5 * std::sqrt(double(shape.K)),
                 qPrintable(QString("%1x%2x%3 transA=%4 transB=%5 slices=%6: error %7")
                                .arg(shape.M)
                                .arg(shape.N)
                                .arg(shape.K)
                                .arg(shape.transA)
                                .arg(shape.transB)
                                .arg(plan.slices)
                                .arg(err)));
      }
    if (t.buffers == 1) return;
    activationCase(3, true, 13, gpu::KernelVariant::Tiled);  // leaky ReLU backward, C stored element by element
    checkedGradientCase(1, gpu::KernelVariant::Tiled);
    checkedGradientCase(3, gpu::KernelVariant::Tiled);
    sgdStepCase(0, gpu::KernelVariant::Tiled);
  }

  // The plan: on lavapipe the registers kernel as tuned there (its tiles and splits unchanged); on
  // GPU profiles the largest tile that still fills the device, K split where C has too few tiles,
  // every GEMM of the benchmark networks' training step at >= 2 work groups per compute unit or a
  // note saying why not, and no tile past the device's shared memory.
  void plansFollowShapeAndDevice() {
    const auto shape = [](uint32_t m, uint32_t n, uint32_t k) {
      ops::GemmShape s;
      s.M = m;
      s.N = n;
      s.K = k;
      return s;
    };
    const ops::DeviceProfile lavapipe = ops::namedProfile("lavapipe"), h100 = ops::namedProfile("h100"),
                             rx7900 = ops::namedProfile("rx7900");
    ops::GemmPlan plan = ops::planGemm(shape(1024, 1024, 1024), lavapipe);
    QVERIFY(plan.family == ops::GemmFamily::Registers);
    QCOMPARE(plan.tile.rowsPerInvocation, 16u);
    QCOMPARE(plan.tile.colsPerInvocation, 8u);
    QCOMPARE(plan.slices, 1u);
    plan = ops::planGemm(shape(6, 25, 50176), lavapipe);  // C1's weight gradient
    QCOMPARE(plan.tile.rowsPerInvocation, 8u);
    QCOMPARE(plan.tile.colsPerInvocation, 4u);
    QCOMPARE(plan.slices, 64u);
    QCOMPARE(plan.kSlice, 784u);
    QCOMPARE(ops::gemmScratchFloats(shape(6, 25, 50176)), uint64_t(64 * 152 + 64 * 6));  // products, row sums
    QCOMPARE(ops::planGemm(shape(256, 784, 64), lavapipe).slices, 1u);

    plan = ops::planGemm(shape(4096, 4096, 4096), h100);
    QVERIFY(plan.family == ops::GemmFamily::Tiled);
    QCOMPARE(plan.tile.name(), std::string("128x128"));
    QCOMPARE(plan.slices, 1u);
    QCOMPARE(plan.workGroups, uint64_t(1024));
    QVERIFY(plan.note.empty());
    plan = ops::planGemm(shape(64, 256, 784), h100);  // the MLP's first layer at batch 64
    QCOMPARE(plan.tile.name(), std::string("32x32"));
    QVERIFY(plan.slices > 1);
    QCOMPARE(plan.kSlice % ops::kGemmTileDepth, 0u);
    QCOMPARE(plan.workGroups, uint64_t(16) * plan.slices);
    QCOMPARE(ops::planGemm(shape(4096, 4096, 4096), rx7900).tile.name(), std::string("128x128"));
    QCOMPARE(ops::planGemm(shape(6, 50176, 25), h100).tile.rows, 32u);  // no 128-row tile for 6 rows
    QVERIFY(ops::planGemm(shape(6, 25, 50176), h100).slices > 200);     // one tile of C: K split far
    // lavapipe's 32 KiB do not hold two 128x128 tiles: the tiled family takes one there.
    QCOMPARE(ops::planGemm(shape(4096, 4096, 4096), lavapipe, ops::GemmFamily::Tiled).tile.name(),
             std::string("128x128 single"));
    for (const auto& profile : {h100, rx7900})
      for (const auto& s : {shape(64, 256, 784), shape(256, 784, 64), shape(64, 256, 256), shape(256, 256, 64),
                            shape(64, 10, 256), shape(10, 256, 64), shape(64, 256, 10), shape(6, 50176, 25),
                            shape(6, 25, 50176), shape(16, 6400, 150), shape(16, 150, 6400), shape(150, 6400, 16)}) {
        plan = ops::planGemm(s, profile);
        QVERIFY(plan.tile.sharedBytes() <= profile.sharedMemoryBytes);
        QVERIFY2(plan.workGroupsPerUnit >= 2 || !plan.note.empty(),
                 qPrintable(QString("%1x%2x%3 on %4: %5 work groups per unit, no reason given")
                                .arg(s.M)
                                .arg(s.N)
                                .arg(s.K)
                                .arg(profile.name.c_str())
                                .arg(plan.workGroupsPerUnit)));
      }
    QCOMPARE(ops::parseGemmTile("128x128:1").buffers, 1u);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ops::parseGemmTile("96x96"));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, ops::namedProfile("h1000"));
  }

  // The check for values that are not finite (a Linear layer's weight gradient in a training step):
  // a NaN in C, an overflow to infinity in C, or one only in the row sums flags the step in the
  // control block (training_control.glsl: flag, step, tensor 0); finite results leave it alone.
  // Both kernel families.
  void nonFiniteResultsFlagTheStep_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("finite") << 0;
    QTest::newRow("NaN in C") << 1;
    QTest::newRow("overflow in C") << 2;
    QTest::newRow("overflow in the row sums only") << 3;
  }
  void nonFiniteResultsFlagTheStep() {
    QFETCH(int, kind);
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      checkedGradientCase(kind, variant);
      if (QTest::currentTestFailed()) return qWarning("on the %s kernel", gpu::kernelVariantName(variant));
    }
  }

  // The SGD step taken in a weight gradient's GEMM: W - lr dy^T x and b - lr (row sums of dy^T)
  // against double precision, with lr from the control block (K = 9: a k-tail past the vec4
  // steps; M = 13: an edge row block), on both kernel families. A flagged step writes nothing; a
  // gradient that is not finite flags the step; a shape whose C is not whole vec4s is refused.
  void sgdStepInTheWeightGradient_data() {
    QTest::addColumn<int>("kind");
    QTest::newRow("step") << 0;
    QTest::newRow("already flagged") << 1;
    QTest::newRow("NaN in the gradient") << 2;
  }
  void sgdStepInTheWeightGradient() {
    QFETCH(int, kind);
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      sgdStepCase(kind, variant);
      if (QTest::currentTestFailed()) return qWarning("on the %s kernel", gpu::kernelVariantName(variant));
    }
  }

  // The GEMMs' push-constant blocks (shaders/gemm_push.h) read back from their modules, none where
  // a shader declares none (what each dispatch's C++ struct is checked against: test_push_constants).
  void pushConstantsAreCheckedAgainstTheShader() {
    QCOMPARE(gpu::pushConstantBytes(spirv::gemm_registers), uint32_t(12 * 4));
    QCOMPARE(gpu::pushConstantBytes(spirv::gemm_registers_texel), uint32_t(12 * 4));
    QCOMPARE(gpu::pushConstantBytes(spirv::gemm_split_sum), uint32_t(9 * 4));
    QCOMPARE(gpu::pushConstantBytes(spirv::advance_step), uint32_t(0));
  }

  // The activation epilogue: forward out = f(C), backward out = C f'(x) from the activation's input
  // x and output y = f(x), against double precision; every activation, rows of C whole vec4s
  // (N = 20) and not (N = 13, the scalar store path); C itself stays the plain product. Both
  // kernel families (split along K: everyEpilogueSplitAlongK).
  void activationEpilogueMatchesActivationApart_data() {
    QTest::addColumn<int>("op");
    QTest::addColumn<bool>("backward");
    QTest::addColumn<int>("n");
    const char* names[] = {"sigmoid", "tanh", "relu", "leaky relu", "elu"};
    for (int op = 0; op < 5; ++op)
      for (bool backward : {false, true}) {
        QTest::addRow("%s %s", names[op], backward ? "backward" : "forward") << op << backward << 20;
        if (op == 3)
          QTest::addRow("%s %s, N = 13", names[op], backward ? "backward" : "forward") << op << backward << 13;
      }
  }
  void activationEpilogueMatchesActivationApart() {
    QFETCH(int, op);
    QFETCH(bool, backward);
    QFETCH(int, n);
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      activationCase(op, backward, n, variant);
      if (QTest::currentTestFailed()) return qWarning("on the %s kernel", gpu::kernelVariantName(variant));
    }
  }

  // K much longer than the sides of C: K split into slices, partial products summed in a second
  // pass. Odd K (a short last slice and k % 4 tails), and C1's and C3's weight-gradient shapes.
  void splitKMatchesReference() {
    const Case cases[] = {{6, 25, 12544}, {16, 150, 6400}, {3, 7, 5001}, {1, 1, 1027}, {20, 36, 4096}};
    checkCases(gpu::KernelVariant::Registers, cases, true);
    checkCases(gpu::KernelVariant::Tiled, cases, true);
  }

  void splitKWithAlphaBetaAndPaddedC() {
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      ops::GemmShape shape;
      shape.M = 9;
      shape.N = 13;
      shape.K = 3001;
      shape.transB = true;
      shape.ldc = 16;
      shape.alpha = 0.5f;
      shape.beta = -2.0f;
      const double err = runCase(variant, shape, 800, false, true);
      QVERIFY2(err <= 1e-5 * std::sqrt(3001.0),
               qPrintable(QString("%1: error %2").arg(gpu::kernelVariantName(variant)).arg(err)));
      shape.beta = 0.0f;  // and C is not read
      const double errNan = runCase(variant, shape, 801, /*nanInC=*/true, true);
      QVERIFY2(errNan <= 1e-5 * std::sqrt(3001.0), qPrintable(QString("NaN in C leaked (error %1)").arg(errNan)));
    }
  }

  void shortKAndLargeCAreNotSplit() {
    ops::GemmShape shape;
    shape.M = shape.N = shape.K = 1024;
    QCOMPARE(ops::gemmScratchFloats(shape), uint64_t(0));
    shape.M = 256;
    shape.N = 784;
    shape.K = 64;  // a dense layer's weight gradient at batch 64
    QCOMPARE(ops::gemmScratchFloats(shape), uint64_t(0));
  }

  // Callers size scratch without knowing the device's plan (a layer's workspace): less scratch than
  // the plan's split splits into as many slices as it holds, less than two slices not at all, and
  // the product is right either way.
  void lessScratchSplitsIntoFewerSlices() {
    ops::GemmShape shape;
    shape.M = 6;
    shape.N = 25;
    shape.K = 4096;
    const uint64_t full = ops::gemmScratchFloats(*context_, shape);
    QVERIFY(full > 0);
    const uint32_t slices = ops::gemmPlan(*context_, shape).slices;
    QVERIFY(ops::gemmPlan(*context_, shape, gpu::KernelVariant::Auto, full - 1).slices < slices);
    QVERIFY(ops::gemmPlan(*context_, shape, gpu::KernelVariant::Auto, full - 1).slices > 1);
    QCOMPARE(ops::gemmPlan(*context_, shape, gpu::KernelVariant::Auto, 160).slices, 1u);
    const auto a = test::randomFloats(6 * 4096, 41), b = test::randomFloats(25 * 4096, 42);
    gpu::Buffer A(*context_, a.size() * 4), B(*context_, b.size() * 4), C(*context_, 150 * 4);
    A.upload(std::span<const float>(a));
    B.upload(std::span<const float>(b));
    const std::vector<float> zeros(150, 0.0f);
    const auto want = ops::reference::gemm(shape, a, b, zeros);
    auto scale = ops::reference::gemmErrorScale(shape, a, b, zeros);
    for (double& x : scale) x = std::max(x, 1e-3);
    for (uint64_t floats : {full - 1, uint64_t(160)}) {
      gpu::Buffer S(*context_, floats * 4);
      gpu::Recording rec(*context_);
      ops::gemm(rec, shape, A, B, C, gpu::KernelVariant::Auto, S);
      context_->run(rec);
      QVERIFY2(test::maxScaledError(C.read<float>(150), want, scale) <= 1e-5 * 64,
               qPrintable(QString("with %1 floats of scratch").arg(floats)));
    }
  }

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
        QVERIFY2(
            err <= 1e-5 * std::sqrt(41.0),
            qPrintable(
                QString("variant %1 trans %2: error %3").arg(gpu::kernelVariantName(variant)).arg(trans).arg(err)));
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
      QVERIFY2(err <= 1e-4,
               qPrintable(QString("%1: NaN in C leaked (error %2)").arg(gpu::kernelVariantName(variant)).arg(err)));
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

  // Every epilogue on a GEMM split along K (forced into two slices), applied with the row sums by
  // the split-sum pass as the unsplit kernels apply them: the activation forward and backward (C
  // rows whole vec4s and not), the checked gradient (finite, NaN, overflow in C, in the row sums
  // only) and the SGD step (taken, already flagged, NaN), both families, against double precision.
  void everyEpilogueSplitAlongK() {
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      for (const auto& [op, backward, n] : {std::tuple{0, false, 20}, {3, true, 13}, {4, true, 20}, {1, false, 13}})
        activationCase(op, backward, n, variant, true);
      for (int kind = 0; kind < 4 && !QTest::currentTestFailed(); ++kind) checkedGradientCase(kind, variant, true);
      for (int kind = 0; kind < 3 && !QTest::currentTestFailed(); ++kind) sgdStepCase(kind, variant, true);
      if (QTest::currentTestFailed()) return qWarning("on the %s kernel", gpu::kernelVariantName(variant));
    }
  }

  // Linear layers set split-K scratch aside in their workspace as the device's plans want it
  // (GRADLAB_GEMM_SPLIT=2 forces a split lavapipe's plans would not take), and every GEMM of their
  // step splits with it: forward with the activation's epilogue, dx through the activation, dW
  // with the bias' row sums. The gradients are the unsplit ones, and training (the SGD step taken in
  // the weight gradients' GEMMs) follows the unsplit run.
  void linearLayersSplitWithTheirScratch() {
    const uint32_t batch = 40;  // K = 40 for the weight gradients: two slices in either family
    const nn::Graph graph = test::graphOf(kLinearNet);
    const auto input = test::randomFloats(batch * 40, 8);
    std::vector<uint32_t> labels(batch);
    for (uint32_t i = 0; i < batch; ++i) labels[i] = i % 3;
    struct Pass {
      uint32_t dispatches = 0;
      uint64_t linearWorkspace = 0;
      std::vector<std::vector<float>> gradients;
    };
    auto pass = [&](bool split) {
      if (split) qputenv("GRADLAB_GEMM_SPLIT", "2");
      Pass out;
      const nn::NetworkPlan plan = nn::planNetwork(graph, nn::analyze(graph), batch, context_->device(), std::nullopt);
      for (size_t i = 0; i < graph.nodes.size(); ++i)
        if (graph.nodes[i].type == "Linear") out.linearWorkspace += plan.nodes[i].workspaceFloats;
      nn::Network net(*context_, graph, batch, 5);
      net.input().upload(std::span<const float>(input));
      net.labels().upload(labels.data(), labels.size() * 4);
      gpu::Recording rec(*context_);
      train::recordForward(rec, net, true);
      train::recordBackward(rec, net);
      qunsetenv("GRADLAB_GEMM_SPLIT");
      context_->run(rec);
      out.dispatches = rec.dispatchCount();
      for (const auto& p : net.parameters()) out.gradients.push_back(p.readGradients());
      return out;
    };
    const Pass plain = pass(false), split = pass(true);
    QCOMPARE(plain.linearWorkspace, uint64_t(0));
    QVERIFY2(split.linearWorkspace > 0, "no split-K scratch in the Linear layers' workspace");
    // Forward (3 GEMMs), dx (2) and dW (3): each one split-sum pass more.
    QCOMPARE(split.dispatches, plain.dispatches + 8);
    for (size_t k = 0; k < plain.gradients.size(); ++k)
      for (size_t i = 0; i < plain.gradients[k].size(); ++i)
        QVERIFY2(std::abs(split.gradients[k][i] - plain.gradients[k][i]) <=
                     1e-5f * (1e-2f + std::abs(plain.gradients[k][i])),
                 qPrintable(QString("parameter %1 [%2]: %3 split, %4 not")
                                .arg(k)
                                .arg(i)
                                .arg(split.gradients[k][i])
                                .arg(plain.gradients[k][i])));
  }

  // The occupancy estimate: the work groups a compute unit holds at once from the profile's
  // per-unit registers, shared memory, invocations and work-group slots. An H100 SM (65536
  // registers, 228 KiB shared, 2048 invocations) holds the 128x128 tile (256 invocations of ~128
  // registers) twice, 64x64 (256 of 64) four times and 32x32 (64 of 72) 14 times, each limited by
  // registers; an RX 7900 CU (64 KiB shared) holds one 128x128 tile, by its shared memory. With
  // K = 64 (the MLP's weight gradients at batch 64), the h100 plan splits K in two where C has
  // fewer tiles than two per SM.
  void occupancyFollowsTheProfilesLimits() {
    const ops::DeviceProfile h100 = ops::namedProfile("h100"), rx7900 = ops::namedProfile("rx7900");
    const std::vector<ops::GemmTile> tiles = ops::tiledConfigs();
    QCOMPARE(ops::tiledRegistersPerInvocation(tiles[0]), 128u);
    QCOMPARE(ops::tiledRegistersPerInvocation(tiles[2]), 64u);
    QCOMPARE(ops::tiledRegistersPerInvocation(tiles[3]), 72u);
    ops::GemmShape big;
    big.M = big.N = big.K = 4096;
    const std::tuple<const ops::DeviceProfile*, ops::GemmTile, uint32_t, std::string> wants[] = {
        {&h100, tiles[0], 2, "registers"},
        {&h100, tiles[2], 4, "registers"},
        {&h100, tiles[3], 14, "registers"},
        {&rx7900, tiles[0], 1, "shared memory"}};
    for (const auto& [profile, tile, resident, limit] : wants) {
      const ops::GemmPlan plan = ops::planGemm(big, *profile, ops::GemmFamily::Tiled, &tile, 0);
      QCOMPARE(plan.residentPerUnit, resident);
      QCOMPARE(plan.residentLimit, limit);
    }
    // 1024 work groups of 128x128 in slots of 2 x 132: 4 waves, the last not full.
    const ops::GemmPlan square = ops::planGemm(big, h100);
    QVERIFY(std::abs(square.occupancy - 1024.0 / (4 * 264)) < 1e-9);
    QCOMPARE(ops::planGemm(big, ops::namedProfile("lavapipe")).residentPerUnit, 1u);
    for (uint32_t m : {256u, 10u}) {
      ops::GemmShape weightGradient;
      weightGradient.transA = true;
      weightGradient.M = m;
      weightGradient.N = m == 10 ? 256 : 784;
      weightGradient.K = 64;
      QCOMPARE(ops::planGemm(weightGradient, h100).slices, 2u);
    }
  }

  // Both families (the tiled plan once divided by an empty C's 0 tiles: SIGFPE on GPUs).
  void zeroSizedShapesAreNoOps() {
    ops::GemmShape shape;
    shape.M = 0;
    shape.N = 5;
    shape.K = 3;
    gpu::Buffer A(*context_, 64), B(*context_, 64), C(*context_, 64);
    for (auto variant : {gpu::KernelVariant::Registers, gpu::KernelVariant::Tiled}) {
      gpu::Recording rec(*context_);
      ops::gemm(rec, shape, A, B, C, variant);
      QCOMPARE(rec.dispatchCount(), 0u);
    }
    QCOMPARE(ops::planGemm(shape, ops::namedProfile("h100")).slices, 1u);
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

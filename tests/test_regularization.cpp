// Penalties and gradient clipping in a training step: the gradient the update receives against the
// double reference (data gradient of the whole network + penalty gradient, then clipping computed
// from the unclipped gradients), the reported loss including the penalty, biases left alone, and
// L2 in the loss differing from Adam's decoupled weight decay.
#include "data/toy_datasets.h"
#include "nn/network_text.h"
#include "support/gpu_test.h"
#include "train/regularization.h"
#include "train/training_session.h"

#include <QTest>

#include <cmath>

using namespace gradlab;

namespace {

const char* kNet = R"(input x: 2
h1 = Linear(x, out_features=12, init=kaiming_normal)
a1 = Tanh(h1)
h2 = Linear(a1, out_features=12)
a2 = ReLU(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";

// One training step on the device, and its reference from the weights before it and its batch.
struct Step {
  std::vector<std::vector<double>> dataGrads, weights;
  std::vector<bool> decays;
  std::vector<std::vector<float>> deviceGrads;
  double dataLoss = 0, reportedLoss = 0, deviceNorm = 0;
};

}  // namespace

class TestRegularization : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  Step runStep(const train::Regularization& r) {
    const auto data = data::makeToyDataset("spiral", {96, 0.1, 3, 7});
    train::TrainingOptions options;
    options.batch = 8;
    options.learningRate = 0.1;
    options.seed = 5;
    options.regularization = r;
    train::TrainingSession session(*context_, test::graphOf(kNet), data, nullptr, options);
    nn::Network& net = session.network();
    Step s;
    std::vector<nn::RefTensor> params;
    for (auto& p : net.parameters()) {
      const auto v = p.readValues();
      params.emplace_back(v.begin(), v.end());
      s.weights.emplace_back(v.begin(), v.end());
      s.decays.push_back(p.decays());
    }
    const auto records = session.train(1);
    s.reportedLoss = records.at(0).loss;
    const auto input = net.input().read<float>(options.batch * 2);
    const auto labels = net.labels().read<uint32_t>(options.batch);
    const auto ref = net.reference(nn::RefTensor(input.begin(), input.end()), labels, params, true, 0);
    s.dataLoss = ref.meanLoss;
    for (size_t k = 0; k < params.size(); ++k) {
      s.dataGrads.emplace_back(ref.paramGrads[k].begin(), ref.paramGrads[k].end());
      s.deviceGrads.push_back(net.parameters()[k].readGradients());
    }
    if (session.regularization() && r.clipNorm > 0) s.deviceNorm = session.regularization()->lastNorm();
    return s;
  }

  // The reference gradient the update should get: data + penalty (weights only unless allTensors), clipped.
  static std::vector<std::vector<double>> expected(const Step& s, const train::Regularization& r) {
    auto grads = s.dataGrads;
    for (size_t k = 0; k < grads.size(); ++k)
      if (s.decays[k] || r.allTensors) train::reference::addPenaltyGradient(r, s.weights[k], grads[k]);
    train::reference::clip(r, grads);
    return grads;
  }

  static double expectedPenalty(const Step& s, const train::Regularization& r) {
    double sum = 0;
    for (size_t k = 0; k < s.weights.size(); ++k)
      if (s.decays[k] || r.allTensors) sum += train::reference::penalty(r, s.weights[k]);
    return sum;
  }

  void compareGradients(const Step& s, const std::vector<std::vector<double>>& want) {
    double scale = 1e-12;
    for (const auto& g : want)
      for (double v : g) scale = std::max(scale, std::abs(v));
    for (size_t k = 0; k < want.size(); ++k)
      for (size_t i = 0; i < want[k].size(); ++i)
        if (std::abs(s.deviceGrads[k][i] - want[k][i]) > 1e-4 * scale)
          QFAIL(qPrintable(QString("tensor %1 element %2: device %3, reference %4")
                               .arg(k)
                               .arg(i)
                               .arg(s.deviceGrads[k][i])
                               .arg(want[k][i])));
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void penaltiesAddTheirGradientAndLoss() {
    for (const auto& r :
         {train::Regularization{0.02, 0}, train::Regularization{0, 0.3}, train::Regularization::elasticNet(0.2, 0.4)}) {
      const Step s = runStep(r);
      compareGradients(s, expected(s, r));
      if (QTest::currentTestFailed()) return;
      const double penalty = expectedPenalty(s, r);
      QVERIFY(penalty > 0.01 * s.dataLoss);  // large enough to be seen
      QVERIFY2(
          std::abs(s.reportedLoss - (s.dataLoss + penalty)) <= 2e-5 * (s.dataLoss + penalty),
          qPrintable(QString("reported %1, data %2 + penalty %3").arg(s.reportedLoss).arg(s.dataLoss).arg(penalty)));
    }
  }

  void biasesAreNotPenalised() {
    const train::Regularization r{0.5, 2.0};
    const Step s = runStep(r);
    bool sawBias = false;
    for (size_t k = 0; k < s.decays.size(); ++k) {
      if (s.decays[k]) continue;
      sawBias = true;
      double top = 1e-3;
      for (double v : s.dataGrads[k]) top = std::max(top, std::abs(v));
      for (size_t i = 0; i < s.dataGrads[k].size(); ++i)
        QVERIFY(std::abs(s.deviceGrads[k][i] - s.dataGrads[k][i]) <= 1e-4 * top);
    }
    QVERIFY(sawBias);
    // Unless asked: then every tensor is.
    train::Regularization all = r;
    all.allTensors = true;
    const Step a = runStep(all);
    compareGradients(a, expected(a, all));
    QVERIFY(std::abs(a.reportedLoss - (a.dataLoss + expectedPenalty(a, all))) <= 2e-5 * a.reportedLoss);
  }

  void clippingByNormMatchesPyTorch() {
    const Step unclipped = runStep({});
    const double norm = train::reference::globalNorm(unclipped.dataGrads);
    QVERIFY(norm > 0);
    train::Regularization r;
    r.clipNorm = norm / 4;  // clips
    Step s = runStep(r);
    QVERIFY(std::abs(s.deviceNorm - norm) <= 1e-5 * norm);
    compareGradients(s, expected(s, r));
    QVERIFY(std::abs(train::reference::globalNorm(expected(s, r)) - norm / 4) < 1e-5 * norm);
    r.clipNorm = norm * 4;  // does not
    s = runStep(r);
    compareGradients(s, s.dataGrads);
    // After penalties: the norm is that of data + penalty gradients.
    r = train::Regularization{0.01, 0.2};
    r.clipNorm = norm / 3;
    s = runStep(r);
    auto penalised = s.dataGrads;
    for (size_t k = 0; k < penalised.size(); ++k)
      if (s.decays[k]) train::reference::addPenaltyGradient(r, s.weights[k], penalised[k]);
    QVERIFY(std::abs(s.deviceNorm - train::reference::globalNorm(penalised)) <= 1e-5 * s.deviceNorm);
    compareGradients(s, expected(s, r));
  }

  void clippingByValueMatches() {
    const Step unclipped = runStep({});
    double top = 0;
    for (const auto& g : unclipped.dataGrads)
      for (double v : g) top = std::max(top, std::abs(v));
    train::Regularization r;
    r.clipValue = top / 5;
    const Step s = runStep(r);
    compareGradients(s, expected(s, r));
    for (const auto& g : s.deviceGrads)
      for (float v : g) QVERIFY(std::abs(v) <= r.clipValue * (1 + 1e-6));
    // Both: by norm, then by value.
    r.clipNorm = train::reference::globalNorm(unclipped.dataGrads) / 2;
    const Step both = runStep(r);
    compareGradients(both, expected(both, r));
  }

  void l2PenaltyDiffersFromDecoupledDecayWithAdam() {
    // SGD: an L2 penalty l2 and weight_decay l2 give the same step; Adam's adaptive scaling of the
    // penalty gradient differs from AdamW's decoupled decay.
    const auto data = data::makeToyDataset("spiral", {96, 0.1, 3, 7});
    auto weightsAfter = [&](const std::string& optimizer, std::map<std::string, std::string> values, double l2) {
      train::TrainingOptions options;
      options.batch = 8;
      options.seed = 5;
      options.regularization.l2 = l2;
      values["lr"] = "0.01";
      train::TrainingSession session(*context_, test::graphOf(kNet), data, nullptr, options,
                                     optim::createOptimizer(*context_, optimizer, values));
      session.train(3);
      std::vector<float> all;
      for (auto& p : session.network().parameters()) {
        const auto v = p.readValues();
        all.insert(all.end(), v.begin(), v.end());
      }
      return all;
    };
    auto distance = [](const std::vector<float>& a, const std::vector<float>& b) {
      double d = 0, n = 0;
      for (size_t i = 0; i < a.size(); ++i) {
        d = std::max(d, double(std::abs(a[i] - b[i])));
        n = std::max(n, double(std::abs(a[i])));
      }
      return d / n;
    };
    const auto sgdPenalty = weightsAfter("sgd", {}, 0.5);
    const auto sgdDecay = weightsAfter("sgd", {{"weight_decay", "0.5"}}, 0);
    QVERIFY2(distance(sgdPenalty, sgdDecay) < 1e-5, qPrintable(QString::number(distance(sgdPenalty, sgdDecay))));
    const auto adamPenalty = weightsAfter("adam", {}, 0.5);
    const auto adamW = weightsAfter("adamw", {{"weight_decay", "0.5"}}, 0);
    QVERIFY2(distance(adamPenalty, adamW) > 1e-3, qPrintable(QString::number(distance(adamPenalty, adamW))));
  }

  void badValuesAreRefused() {
    for (const auto& r : {train::Regularization{-1, 0}, train::Regularization{0, NAN}}) {
      try {
        train::validate(r);
        QFAIL("accepted");
      } catch (const std::invalid_argument& e) {
        QVERIFY2(std::string(e.what()).find("must be a finite number >= 0") != std::string::npos, e.what());
      }
    }
  }
};

QTEST_APPLESS_MAIN(TestRegularization)
#include "test_regularization.moc"

// The contraction theory the optimizer race shows for the quadratic surface
// (analysis/quadratic_contraction.h) against torch.optim.SGD's updates run in double on the
// surface's own gradient (surface::gradient): the distance to the minimum shrinks per step by the
// predicted rate, along each eigen-direction by its factor, and heavy-ball momentum at Polyak's
// optimal settings by sqrt(beta).
#include "analysis/quadratic_contraction.h"
#include "optim/optimizer.h"
#include "support/gpu_test.h"
#include "surface/trajectory.h"

#include <QTest>

#include <cmath>

using namespace gradlab;

namespace {

struct Sgd {
  double lr = 0, momentum = 0, dampening = 0;
};

// The distance's factor per step over steps `from` to `to` of SGD from (2, -1.5), torch's update:
// v = momentum v + (1 - dampening) g (v = g at the first step), p -= lr v.
double measuredRate(const surface::FunctionParams& params, const Sgd& sgd, int from, int to) {
  std::array<double, 2> p{2, -1.5}, v{0, 0};
  double start = 0;
  for (int t = 0; t < to; ++t) {
    if (t == from) start = std::hypot(p[0], p[1]);
    const auto g = surface::gradient(surface::FunctionId::Quadratic, p[0], p[1], params);
    for (int i = 0; i < 2; ++i) {
      v[i] = t == 0 ? g[i] : sgd.momentum * v[i] + (1 - sgd.dampening) * g[i];
      p[i] -= sgd.lr * (sgd.momentum > 0 ? v[i] : g[i]);
    }
  }
  return std::pow(std::hypot(p[0], p[1]) / start, 1.0 / (to - from));
}

}  // namespace

class TestQuadraticContraction : public QObject {
  Q_OBJECT

 private slots:
  void rateMatchesSgdInDouble() {
    surface::FunctionParams params;
    params.kappa = 10;
    params.angle = 0.6;
    const double kappa = params.kappa, sq = std::sqrt(kappa);
    const double polyakLr = std::pow(2 / (1 + sq), 2), polyakBeta = std::pow((sq - 1) / (sq + 1), 2);
    for (const Sgd& sgd : {Sgd{0.1}, Sgd{0.18}, Sgd{0.01, 0.9}, Sgd{0.05, 0.5, 0.3}, Sgd{polyakLr, polyakBeta}}) {
      const auto predicted = analysis::quadraticContraction(params, sgd.lr, sgd.momentum, sgd.dampening);
      const double measured = measuredRate(params, sgd, 200, 600);
      QVERIFY2(std::abs(measured - predicted.rate) <= 0.01 * predicted.rate,
               qPrintable(QString("lr %1 momentum %2: predicted %3, measured %4")
                              .arg(sgd.lr)
                              .arg(sgd.momentum)
                              .arg(predicted.rate)
                              .arg(measured)));
    }
    // Polyak's heavy ball: each factor sqrt(beta) (a double root at both ends of the spectrum, so
    // rounding leaves ~sqrt(1e-16) of the discriminant).
    const auto polyak = analysis::quadraticContraction(params, polyakLr, polyakBeta);
    for (double f : polyak.factors)
      QVERIFY2(std::abs(f - std::sqrt(polyakBeta)) < 1e-7, qPrintable(QString::number(f)));
    // GD: |1 - lr l| per direction, the slow one sets the rate; beyond 2 / kappa it diverges.
    const auto gd = analysis::quadraticContraction(params, 0.1);
    QCOMPARE(gd.eigenvalues[1], 10.0);
    QVERIFY(std::abs(gd.factors[0] - 0.9) < 1e-12 && std::abs(gd.factors[1]) < 1e-12);
    QVERIFY(analysis::quadraticContraction(params, 0.21).rate > 1);
  }

  // The curve the race panel draws: for plain GD the predicted distance to the minimum is the
  // device's measured one at every step (within float rounding, down to 1e-4 of the start); with
  // heavy-ball momentum at Polyak's setting the measured distance falls as the envelope
  // sqrt(beta)^t d0 does on a log scale (a double root: up to a factor linear in t).
  void predictedDistanceFollowsTheDevice() {
    const auto context = test::makeContext();
    surface::FunctionParams params;
    params.kappa = 10;
    params.angle = 0.6;
    const std::array<double, 2> start{2, -1.5};
    const auto measured = [&](const std::map<std::string, std::string>& values, uint32_t steps) {
      const auto optimizer = optim::createOptimizer(*context, "sgd", values);
      const auto path =
          surface::runTrajectory(*context, *optimizer, surface::FunctionId::Quadratic, params, start, steps);
      std::vector<double> out;
      for (const auto& p : path.points) out.push_back(std::hypot(p.x, p.y));
      return out;
    };
    for (const char* lr : {"0.1", "0.18", "0.02"}) {
      const auto c = analysis::quadraticContraction(params, "sgd", {{"lr", lr}});
      QVERIFY(c && c->exact);
      const auto predicted = analysis::predictedDistances(params, *c, start, 300);
      const auto got = measured({{"lr", lr}}, 300);
      QCOMPARE(got.size(), predicted.size());
      QCOMPARE(predicted[0], 2.5);
      int compared = 0;
      for (size_t t = 0; t < got.size() && predicted[t] > 1e-4 * predicted[0]; ++t, ++compared)
        QVERIFY2(
            std::abs(got[t] - predicted[t]) <= 1e-4 * predicted[t] + 1e-6,
            qPrintable(
                QString("lr %1, step %2: measured %3, predicted %4").arg(lr).arg(t).arg(got[t]).arg(predicted[t])));
      QVERIFY2(compared > 40, qPrintable(QString::number(compared)));
    }
    const double sq = std::sqrt(params.kappa), lr = std::pow(2 / (1 + sq), 2), beta = std::pow((sq - 1) / (sq + 1), 2);
    const auto polyak = analysis::quadraticContraction(params, lr, beta);
    QVERIFY(!polyak.exact);
    const auto envelope = analysis::predictedDistances(params, polyak, start, 150);
    // Polyak's double root: rounding leaves ~1e-8 in the modulus (see above), 1e-6 over 100 steps.
    const double fall = std::pow(std::sqrt(beta), 100);
    QVERIFY2(std::abs(envelope[150] / envelope[50] - fall) < 1e-5 * fall,
             qPrintable(QString("%1 vs %2").arg(envelope[150] / envelope[50]).arg(fall)));
    const auto got = measured({{"lr", std::to_string(lr)}, {"momentum", std::to_string(beta)}}, 150);
    const double rate = std::pow(got[150] / got[50], 1.0 / 100);
    QVERIFY2(std::abs(rate - std::sqrt(beta)) <= 0.02 * std::sqrt(beta),
             qPrintable(QString("measured %1 a step, sqrt(beta) %2").arg(rate).arg(std::sqrt(beta))));
    test::verifyNoValidationMessages(*context);
  }

  // The race's names: sgd with torch's keys; nothing for adaptive methods, Nesterov or bad text.
  void fromTheRacesSpec() {
    const surface::FunctionParams params;
    const auto sgd = analysis::quadraticContraction(params, "sgd", {{"lr", "0.01"}, {"momentum", "0.9"}});
    QVERIFY(sgd && std::abs(sgd->rate - analysis::quadraticContraction(params, 0.01, 0.9).rate) < 1e-15);
    QVERIFY(std::abs(analysis::quadraticContraction(params, "sgd", {})->rate - 0.999) < 1e-12);  // lr 0.001
    QVERIFY(!analysis::quadraticContraction(params, "adam", {{"lr", "0.01"}}));
    QVERIFY(!analysis::quadraticContraction(params, "sgd", {{"lr", "0.01"}, {"nesterov", "true"}}));
    QVERIFY(!analysis::quadraticContraction(params, "sgd", {{"lr", "0.01x"}}));
  }
};

QTEST_GUILESS_MAIN(TestQuadraticContraction)
#include "test_quadratic_contraction.moc"

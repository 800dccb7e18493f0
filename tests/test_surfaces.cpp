// 2-D test surfaces and optimizer trajectories: analytic gradients against finite differences,
// the device's gradients and paths against double-precision references, and the convergence
// rates theory predicts.
#include "optim/optimizer.h"
#include "support/gpu_test.h"
#include "surface/test_function.h"
#include "surface/trajectory.h"

#include <QTest>

#include <cmath>
#include <random>

using namespace gradlab;
using surface::FunctionId;

namespace {

// Average contraction per step of the distance to the minimum (the origin) between two steps.
double measuredRate(const surface::Trajectory& t, uint32_t from, uint32_t to) {
  const auto norm = [&](uint32_t s) { return std::hypot(t.points.at(s).x, t.points.at(s).y); };
  return std::pow(norm(to) / norm(from), 1.0 / (to - from));
}

}  // namespace

class TestSurfaces : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void analyticGradientsMatchFiniteDifferences() {
    std::mt19937 rng(3);
    surface::FunctionParams params{25, 0.7};
    for (const auto& f : surface::testFunctions()) {
      std::uniform_real_distribution<double> x(f.window[0], f.window[1]), y(f.window[2], f.window[3]);
      for (int i = 0; i < 20; ++i) {
        const double px = x(rng), py = y(rng), h = 1e-6;
        const auto g = surface::gradient(f.id, px, py, params);
        const double gx =
            (surface::evaluate(f.id, px + h, py, params) - surface::evaluate(f.id, px - h, py, params)) / (2 * h);
        const double gy =
            (surface::evaluate(f.id, px, py + h, params) - surface::evaluate(f.id, px, py - h, params)) / (2 * h);
        const double scale = std::max({1.0, std::abs(gx), std::abs(gy)});
        QVERIFY2(std::abs(g[0] - gx) <= 1e-5 * scale && std::abs(g[1] - gy) <= 1e-5 * scale, f.name.c_str());
      }
      for (const auto& m : f.minima) {  // the listed minima are stationary points
        const auto g = surface::gradient(f.id, m[0], m[1], params);
        QVERIFY2(std::hypot(g[0], g[1]) < 1e-4, f.name.c_str());
      }
      QVERIFY(f.start[0] >= f.window[0] && f.start[0] <= f.window[1] && f.start[1] >= f.window[2] &&
              f.start[1] <= f.window[3]);
    }
  }

  void deviceGradientsAndPathsMatchTheReference() {
    // Plain gradient descent in double precision, step by step, against the device's trajectory.
    for (const auto& f : surface::testFunctions()) {
      // Small enough steps to stay finite for 50 steps (the monkey saddle has no bottom).
      const double lr = f.id == FunctionId::Rosenbrock                                      ? 1e-4
                        : f.id == FunctionId::Rastrigin || f.id == FunctionId::MonkeySaddle ? 1e-3
                                                                                            : 1e-2;
      optim::Sgd sgd(lr);
      surface::FunctionParams params{10, 0.3};
      const auto t = surface::runTrajectory(*context_, sgd, f.id, params, f.start, 50);
      QVERIFY2(t.points.size() == 51 && !t.diverged, f.name.c_str());
      double x = f.start[0], y = f.start[1];
      for (uint32_t s = 0; s <= 50; ++s) {
        const auto& p = t.points[s];
        QCOMPARE(p.step, s);
        const double scale = std::max(1.0, std::hypot(x, y));
        QVERIFY2(std::abs(p.x - x) <= 1e-4 * scale && std::abs(p.y - y) <= 1e-4 * scale,
                 qPrintable(QString("%1 step %2: (%3, %4) vs (%5, %6)")
                                .arg(f.name.c_str())
                                .arg(s)
                                .arg(p.x)
                                .arg(p.y)
                                .arg(x)
                                .arg(y)));
        const double f0 = surface::evaluate(f.id, x, y, params);
        QVERIFY(std::abs(p.loss - f0) <= 1e-4 * std::max(1.0, std::abs(f0)));
        const auto g = surface::gradient(f.id, x, y, params);
        x -= lr * g[0];
        y -= lr * g[1];
      }
    }
  }

  void gradientDescentRateOnAQuadratic() {
    // Eigenvalues 1 and kappa: at alpha = 2 / (1 + kappa) the error shrinks by (kappa-1)/(kappa+1).
    for (double kappa : {4.0, 10.0, 50.0}) {
      optim::Sgd gd(2.0 / (1.0 + kappa));
      const auto t = surface::runTrajectory(*context_, gd, FunctionId::Quadratic, {kappa, 0.4}, {2.5, 1.5}, 60);
      const double predicted = (kappa - 1) / (kappa + 1);
      const double rate = measuredRate(t, 10, 60);
      QVERIFY2(std::abs(rate - predicted) <= 0.05 * predicted,
               qPrintable(QString("kappa %1: rate %2, theory %3").arg(kappa).arg(rate).arg(predicted)));
    }
  }

  void heavyBallRateOnAQuadratic() {
    // Polyak's heavy ball (PyTorch's SGD momentum) with alpha = (2 / (sqrt(l1) + sqrt(ln)))^2 and
    // beta = ((sqrt(kappa) - 1) / (sqrt(kappa) + 1))^2 converges at (sqrt(kappa) - 1) / (sqrt(kappa) + 1).
    for (double kappa : {10.0, 100.0}) {
      const double alpha = std::pow(2.0 / (1.0 + std::sqrt(kappa)), 2);
      const double beta = std::pow((std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1), 2);
      auto momentum =
          optim::createOptimizer(*context_, "sgd", {{"lr", std::to_string(alpha)}, {"momentum", std::to_string(beta)}});
      const auto t = surface::runTrajectory(*context_, *momentum, FunctionId::Quadratic, {kappa, 0.9}, {2.5, 1.5}, 400);
      QVERIFY(!t.diverged);
      const double predicted = (std::sqrt(kappa) - 1) / (std::sqrt(kappa) + 1);
      // The optimal heavy ball has a double eigenvalue: the error decays like t r^t, so measure late,
      // but before the distance underflows float32 (0.52^150 ~ 1e-43 for kappa 10).
      const double rate = kappa < 50 ? measuredRate(t, 30, 90) : measuredRate(t, 150, 300);
      QVERIFY2(std::abs(rate - predicted) <= 0.05 * predicted,
               qPrintable(QString("kappa %1: rate %2, theory %3").arg(kappa).arg(rate).arg(predicted)));
      // Faster than the best plain gradient descent.
      QVERIFY(rate < (kappa - 1) / (kappa + 1));
    }
  }

  void divergenceIsReportedWithFinitePoints() {
    optim::Sgd tooFast(0.1);
    const auto t = surface::runTrajectory(*context_, tooFast, FunctionId::Rosenbrock, {}, {-1.5, 2.5}, 200);
    QVERIFY(t.diverged);
    QVERIFY(t.points.size() < 201 && !t.points.empty());
    for (const auto& p : t.points) QVERIFY(std::isfinite(p.x) && std::isfinite(p.y) && std::isfinite(p.loss));
  }

  void startsWhoseLossOverflowsFloatAreRefused() {
    // Finite doubles whose loss (or the point itself) is beyond float: no first point to report.
    const auto optimizer = optim::createOptimizer(*context_, "adam", {});
    optim::Optimizer& adam = *optimizer;
    for (const std::array<double, 2> start : {std::array<double, 2>{1e20, 1e20}, {3e38, 0.0}, {1e39, 0.0}}) {
      try {
        const auto t = surface::runTrajectory(*context_, adam, FunctionId::Quadratic, {}, start, 10);
        QFAIL(qPrintable(QString("accepted (%1, %2) with %3 points").arg(start[0]).arg(start[1]).arg(t.points.size())));
      } catch (const std::invalid_argument& e) {
        QVERIFY2(QString(e.what()).contains("start point"), e.what());
      }
    }
    // The largest start the CLI accepts still has a first point.
    const auto t = surface::runTrajectory(*context_, adam, FunctionId::Quadratic, {1e6, 0}, {1e6, 1e6}, 3);
    QVERIFY(!t.points.empty());
  }

  void badRequestsAreRejected() {
    optim::Sgd sgd(0.01);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             surface::runTrajectory(*context_, sgd, FunctionId::Saddle, {}, {NAN, 0.0}, 10));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             surface::runTrajectory(*context_, sgd, FunctionId::Quadratic, {1e308, 0}, {1, 1}, 10));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             surface::runTrajectory(*context_, sgd, FunctionId::Quadratic, {10, NAN}, {1, 1}, 10));
    QVERIFY(surface::findTestFunction("rosenbrock"));
    QVERIFY(!surface::findTestFunction("banana"));
  }
};

QTEST_APPLESS_MAIN(TestSurfaces)
#include "test_surfaces.moc"

// Sharpness (the top Hessian eigenvalue by power iteration on device gradients' central
// differences) against closed forms: a Linear + MSELoss network's Hessian is
// (2 / (N C)) [X 1]^T [X 1] for each output, computed here in double; the quadratic test surface's
// Hessian is its matrix A, Rosenbrock's at its minimum is [[802, -400], [-400, 200]]. Bad input gets
// one clear line; the weights are left as they were. The stability limit drawn over it
// (analysis/sharpness_limit.h) against the learning rate at which SGD starts to diverge on the
// quadratic; the CLI's surface race against the distance theory predicts there.
#include "analysis/loss_landscape.h"
#include "analysis/sharpness.h"
#include "analysis/sharpness_limit.h"
#include "nn/network.h"
#include "optim/optimizer.h"
#include "optim/reference.h"
#include "support/gpu_test.h"
#include "surface/trajectory.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <limits>
#include <stdexcept>

using namespace gradlab;

namespace {

// The largest eigenvalue of a symmetric positive semi-definite matrix, by power iteration in double
// run until it no longer changes.
double largestEigenvalue(const std::vector<std::vector<double>>& m) {
  const size_t n = m.size();
  std::vector<double> v(n, 1.0), next(n);
  double lambda = 0;
  for (int k = 0; k < 100000; ++k) {
    double length = 0;
    for (size_t i = 0; i < n; ++i) {
      next[i] = 0;
      for (size_t j = 0; j < n; ++j) next[i] += m[i][j] * v[j];
      length += next[i] * next[i];
    }
    length = std::sqrt(length);
    double vv = 0, vmv = 0;
    for (size_t i = 0; i < n; ++i) vv += v[i] * v[i], vmv += v[i] * next[i];
    const double estimate = vmv / vv;
    for (size_t i = 0; i < n; ++i) v[i] = next[i] / length;
    if (k > 10 && std::abs(estimate - lambda) <= 1e-15 * estimate) return estimate;
    lambda = estimate;
  }
  return lambda;
}

// The error message of `f`, which must throw std::invalid_argument.
template <class F>
std::string refusal(F f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "(no refusal)";
}

struct Finished {
  int code = -1;
  QString output;
};

Finished runCli(const QStringList& args) {
  QProcess process;
  process.setProcessChannelMode(QProcess::MergedChannels);
  process.start(GRADLAB_CLI, args);
  if (!process.waitForFinished(120000)) {
    process.kill();
    process.waitForFinished();
    return {-1, "timed out"};
  }
  return {process.exitStatus() == QProcess::NormalExit ? process.exitCode() : -1,
          QString::fromLocal8Bit(process.readAll())};
}

std::string describe(const analysis::SharpnessEstimate& e) {
  std::string out = "estimates";
  for (double v : e.history) out += " " + QByteArray::number(v, 'g', 6).toStdString();
  return out + ", relative change " + QByteArray::number(e.relativeChange, 'g', 3).toStdString();
}

using Values = std::map<std::string, std::string>;

// Whether torch's SGD with `values` at `lr`, run in double (optim::reference) for `steps` steps on
// the quadratic surface from (2, -1.5), ends farther from the minimum than it started.
bool growsInDouble(const surface::FunctionParams& params, Values values, double lr, int steps) {
  values["lr"] = std::to_string(lr);
  const optim::Settings settings = optim::resolveSettings("sgd", values);
  std::vector<double> p{2, -1.5};
  optim::reference::TensorState state;
  for (int t = 1; t <= steps; ++t) {
    const auto g = surface::gradient(surface::FunctionId::Quadratic, p[0], p[1], params);
    optim::reference::step(settings, p, {g[0], g[1]}, state, uint64_t(t), lr, true);
    if (!std::isfinite(p[0]) || !std::isfinite(p[1])) return true;
  }
  return std::hypot(p[0], p[1]) > std::hypot(2, -1.5);
}

// The same on the device, by the update kernel that trains networks.
bool growsOnDevice(gpu::Context& context, const surface::FunctionParams& params, Values values, double lr,
                   uint32_t steps) {
  values["lr"] = std::to_string(lr);
  const auto optimizer = optim::createOptimizer(context, "sgd", values);
  const auto path =
      surface::runTrajectory(context, *optimizer, surface::FunctionId::Quadratic, params, {2, -1.5}, steps);
  const auto& last = path.points.back();
  return path.diverged || std::hypot(last.x, last.y) > std::hypot(2, -1.5);
}

bool oneClearLine(const std::string& text) {
  if (text.empty() || text.find('\n') != std::string::npos) return false;
  for (unsigned char c : text)
    if (c < 0x20) return false;
  return text.rfind("sharpness: ", 0) == 0;
}

}  // namespace

class TestSharpness : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // Loss averaged over N samples and C outputs: for each output the Hessian of its weight row and
  // bias is (2 / (N C)) [X 1]^T [X 1], so lambda_max is that matrix's top eigenvalue.
  void linearMseMatchesClosedForm() {
    const uint32_t n = 16, d = 5, c = 3;
    nn::Network net(*context_,
                    test::graphOf("input x: 5\nlogits = Linear(x, out_features=3)\nloss = MSELoss(logits)\n"), n, 7);
    // Inputs off centre, as data usually is: the mean direction makes a well separated top eigenvalue.
    const auto x = test::randomFloats(n * d, 11, -0.5f, 1.5f);
    std::vector<uint32_t> labels(n);
    for (uint32_t i = 0; i < n; ++i) labels[i] = i % c;
    net.input().upload(x.data(), x.size() * 4);
    net.labels().upload(labels.data(), labels.size() * 4);

    std::vector<std::vector<double>> h(d + 1, std::vector<double>(d + 1, 0.0));
    for (uint32_t s = 0; s < n; ++s)
      for (uint32_t i = 0; i <= d; ++i)
        for (uint32_t j = 0; j <= d; ++j) {
          const double xi = i < d ? x[s * d + i] : 1.0, xj = j < d ? x[s * d + j] : 1.0;
          h[i][j] += 2.0 / (n * c) * xi * xj;
        }
    const double want = largestEigenvalue(h);

    const auto before = analysis::readParameters(net);
    const auto got = analysis::sharpness(net);
    QCOMPARE(got.history.size(), size_t(20));
    QVERIFY2(std::abs(got.lambdaMax - want) <= 1e-3 * want, (QByteArray::number(got.lambdaMax, 'g', 10).toStdString() +
                                                             " vs " + QByteArray::number(want, 'g', 10).toStdString())
                                                                .c_str());
    QVERIFY2(got.relativeChange < 1e-4, std::to_string(got.relativeChange).c_str());
    QVERIFY(analysis::readParameters(net) == before);  // bit for bit
  }

  // On the quadratic surface 1/2 p^T A p the Hessian is A everywhere: lambda_max = kappa.
  void quadraticSurfaceGivesKappa() {
    surface::FunctionParams params;
    params.kappa = 25;
    params.angle = 0.7;
    const auto got = analysis::surfaceSharpness(*context_, surface::FunctionId::Quadratic, params, {1.0, -0.5});
    QVERIFY2(std::abs(got.lambdaMax - 25) <= 1e-3 * 25,
             QByteArray::number(got.lambdaMax, 'g', 10).toStdString().c_str());
  }

  // A curved surface, where the step's truncation error counts: Rosenbrock's Hessian at (1, 1) is
  // [[802, -400], [-400, 200]], top eigenvalue 501 + sqrt(301^2 + 400^2).
  void rosenbrockAtItsMinimum() {
    const auto got = analysis::surfaceSharpness(*context_, surface::FunctionId::Rosenbrock, {}, {1.0, 1.0});
    const double want = 501 + std::sqrt(301.0 * 301 + 400.0 * 400);
    QVERIFY2(std::abs(got.lambdaMax - want) <= 1e-3 * want,
             QByteArray::number(got.lambdaMax, 'g', 10).toStdString().c_str());
  }

  // BatchNorm's running statistics move with every training-mode forward pass: the 40 passes of a
  // measurement must leave them, and the weights, as they were. Dropout's masks stay those of the
  // current step, so the estimate is reproducible.
  void leavesTheNetworkAsItWas() {
    nn::Network net(
        *context_,
        test::graphOf("input x: 4\nh = Linear(x, out_features=6)\nb = BatchNorm1d(h)\na = Tanh(b)\n"
                      "d = Dropout(a, p=0.3)\nlogits = Linear(d, out_features=3)\nloss = MSELoss(logits)\n"),
        8, 5);
    const auto x = test::randomFloats(8 * 4, 3);
    const std::vector<uint32_t> labels{0, 1, 2, 0, 1, 2, 0, 1};
    net.input().upload(x.data(), x.size() * 4);
    net.labels().upload(labels.data(), labels.size() * 4);
    const auto statistics = [&] {
      std::vector<std::vector<float>> out;
      for (const auto& s : net.runningStatistics()) out.push_back(s.buffer->read<float>(s.count));
      return out;
    };
    const auto weights = analysis::readParameters(net);
    const auto running = statistics();
    QVERIFY(!running.empty());
    const auto first = analysis::sharpness(net);
    QVERIFY(analysis::readParameters(net) == weights);
    QVERIFY(statistics() == running);
    QVERIFY2(first.lambdaMax > 0 && std::isfinite(first.lambdaMax), describe(first).c_str());
    QCOMPARE(analysis::sharpness(net).lambdaMax, first.lambdaMax);
  }

  // Where the eigenvalue of largest magnitude is negative, lambda_max is still the largest one:
  // diag(1, -3) has 1; Himmelblau's Hessian at (0, 0) is diag(-42, -26), near its local maximum.
  void negativeDominantEigenvalue() {
    const analysis::GradientAt diagonal = [](std::vector<double>& w) { return std::vector<double>{w[0], -3 * w[1]}; };
    const auto got = analysis::powerIteration({0.3, 0.2}, diagonal);
    QVERIFY2(std::abs(got.lambdaMax - 1) <= 1e-6, describe(got).c_str());
    QCOMPARE(got.shift < -2.9, true);
    const auto himmelblau = analysis::surfaceSharpness(*context_, surface::FunctionId::Himmelblau, {}, {0.0, 0.0});
    QVERIFY2(std::abs(himmelblau.lambdaMax + 26) <= 1e-3 * 26, describe(himmelblau).c_str());
  }

  // The edge of stability (Cohen et al. 2021), headless: full-batch GD on a 2-D toy set with an MSE
  // loss drives the sharpness up to about 2 / lr and keeps it there, at either learning rate.
  // Measured: ~10.2-10.4 at lr 0.2 (2 / lr = 10), ~1.94 at lr 1 (2 / lr = 2).
  void edgeOfStability() {
    QTemporaryDir dir;
    const QString net = dir.filePath("toy_mse.net");
    QFile file(net);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(
        "input x: 2\nh1 = Linear(x, out_features=16, init=kaiming_normal)\na1 = ReLU(h1)\n"
        "h2 = Linear(a1, out_features=16, init=kaiming_normal)\na2 = ReLU(h2)\nlogits = Linear(a2, out_features=2)\n"
        "loss = MSELoss(logits)\n");
    file.close();
    for (const double lr : {0.2, 1.0}) {
      const QString csv = dir.filePath(QString("lr%1.csv").arg(lr));
      const Finished run =
          runCli({"train", net, "--dataset", "moons", "--samples", "200", "--batch", "160", "--steps", "2000", "--lr",
                  QString::number(lr), "--sharpness-every", "200", "--metrics", csv, "--quiet"});
      QVERIFY2(run.code == 0, qPrintable(run.output));
      QFile metrics(csv);
      QVERIFY(metrics.open(QIODevice::ReadOnly));
      std::vector<double> sharpness;
      for (const QString& line : QString::fromUtf8(metrics.readAll()).trimmed().split('\n').mid(1))
        if (!line.section(',', 5, 5).isEmpty()) sharpness.push_back(line.section(',', 5, 5).toDouble());
      QCOMPARE(sharpness.size(), size_t(10));
      QVERIFY2(sharpness.front() < 0.95 * 2 / lr, qPrintable(QString::number(sharpness.front())));  // it rises
      for (size_t i = 5; i < sharpness.size(); ++i)  // then hovers at 2 / lr
        QVERIFY2(std::abs(sharpness[i] - 2 / lr) <= 0.1 * 2 / lr, qPrintable(QString::number(sharpness[i])));
    }
  }

  // The limit the Sharpness view draws is where SGD's step stops being stable: on the quadratic
  // (top curvature kappa) the learning rate at which the iterates start to grow, found by bisection
  // in double, puts the limit at kappa within 0.1%: 2 / lr, (2 + 2 beta) / lr with heavy-ball
  // momentum, lower with Nesterov's, less the weight decay. The device's own update agrees 2% on
  // either side of it.
  void stabilityLimitIsWhereTheQuadraticDiverges() {
    surface::FunctionParams params;
    params.kappa = 10;
    params.angle = 0.6;
    const std::vector<Values> runs{{},
                                   {{"momentum", "0.5"}},
                                   {{"momentum", "0.9"}},
                                   {{"momentum", "0.9"}, {"nesterov", "true"}},
                                   {{"momentum", "0.5"}, {"dampening", "0.3"}},
                                   {{"momentum", "0.9"}, {"weight_decay", "0.5"}}};
    const std::vector<double> factors{2, 3, 3.8, 3.8 / 2.8, 3, 3.8};
    for (size_t i = 0; i < runs.size(); ++i) {
      const analysis::StabilityRule rule = analysis::stabilityRule("sgd", runs[i]);
      QVERIFY2(rule.holds && std::abs(rule.factor - factors[i]) < 1e-12, rule.label.c_str());
      double stable = 1e-3, unstable = 10;  // learning rates on either side of the threshold
      QVERIFY(!growsInDouble(params, runs[i], stable, 20000) && growsInDouble(params, runs[i], unstable, 20000));
      while (unstable - stable > 1e-5 * unstable) {
        const double lr = std::sqrt(stable * unstable);
        (growsInDouble(params, runs[i], lr, 20000) ? unstable : stable) = lr;
      }
      const double limit = rule.limit(stable);
      qInfo("%s: diverges from lr %.5f, where the limit is %.4f (kappa %g)", rule.label.c_str(), stable, limit,
            params.kappa);
      QVERIFY2(std::abs(limit - params.kappa) <= 1e-3 * params.kappa, qPrintable(QString::number(limit)));
      QVERIFY(!growsOnDevice(*context_, params, runs[i], 0.98 * stable, 3000));
      QVERIFY(growsOnDevice(*context_, params, runs[i], 1.02 * stable, 3000));
    }
    // Plain SGD's limit is 2 / lr; an adaptive optimizer gets 2 / lr too, labelled as not its limit.
    QVERIFY(std::abs(analysis::stabilityRule("sgd", {}).limit(0.1) - 20) < 1e-12);
    const analysis::StabilityRule adam = analysis::stabilityRule("adam", {{"lr", "0.01"}});
    QVERIFY(!adam.holds);
    QVERIFY(std::abs(adam.limit(0.01) - 200) < 1e-9);
    QCOMPARE(adam.label, std::string("2 / lr: not Adam's limit"));
    QVERIFY(std::isnan(adam.limit(0)));
    const std::string bad = refusal([] { analysis::stabilityRule("sgd", {{"momentum", "-1"}}); });
    QVERIFY2(bad.find("momentum") != std::string::npos && bad.find('\n') == std::string::npos, bad.c_str());
  }

  // gradlab-cli surface on the quadratic writes each racer's distance to the minimum and, for SGD,
  // the distance theory predicts: for plain SGD the same numbers (within float rounding); none for Adam.
  void cliSurfaceWritesThePredictedDistance() {
    QTemporaryDir dir;
    const QString csv = dir.filePath("race.csv");
    const Finished run = runCli({"surface", "--function", "quadratic", "--angle", "30", "--steps", "50", "--optimizer",
                                 "sgd:lr=0.15", "--optimizer", "adam:lr=0.1", "--out", csv});
    QVERIFY2(run.code == 0, qPrintable(run.output));
    QFile file(csv);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(file.readAll()).trimmed().split('\n');
    QCOMPARE(rows[0], QString("optimizer,step,x,y,loss,distance,predicted_distance"));
    QCOMPARE(rows.size(), 1 + 2 * 51);
    for (int i = 1; i <= 51; ++i) {
      const QStringList cells = rows[i].split(',');
      QCOMPARE(cells.size(), 7);
      const double measured = cells[5].toDouble(), predicted = cells[6].toDouble();
      QVERIFY2(measured > 0 && std::abs(measured - predicted) <= 1e-4 * predicted, qPrintable(rows[i]));
    }
    QVERIFY2(rows[52].startsWith("\"adam:lr=0.1\",0,") && rows[52].endsWith(','), qPrintable(rows[52]));
  }

  void badInputGetsOneClearLine() {
    const analysis::GradientAt identity = [](std::vector<double>& w) { return w; };
    const std::string empty = refusal([&] { analysis::powerIteration({}, identity); });
    QVERIFY2(oneClearLine(empty) && empty.find("no parameters") != std::string::npos, empty.c_str());
    analysis::SharpnessOptions none;
    none.iterations = 0;
    const std::string zero = refusal([&] { analysis::powerIteration({1.0}, identity, none); });
    QVERIFY2(oneClearLine(zero), zero.c_str());

    const nn::Graph linear = test::graphOf("input x: 2\nlogits = Linear(x, out_features=2)\nloss = MSELoss(logits)\n");
    // No network holds an empty batch, so none reaches the sharpness.
    const std::string emptyBatch = refusal([&] { nn::Network(*context_, linear, 0, 1); });
    QVERIFY2(emptyBatch.find("at least 1") != std::string::npos, emptyBatch.c_str());

    nn::Network net(*context_, linear, 4, 1);
    auto weights = analysis::readParameters(net);
    weights[1] = std::numeric_limits<float>::quiet_NaN();
    analysis::writeParameters(net, weights);
    const std::string nan = refusal([&] { analysis::sharpness(net); });
    QVERIFY2(oneClearLine(nan) && nan.find("not finite") != std::string::npos, nan.c_str());

    // A gradient that overflows is refused, not averaged into a NaN estimate.
    const analysis::GradientAt overflowing = [](std::vector<double>& w) {
      return std::vector<double>(w.size(), INFINITY);
    };
    const std::string diverged = refusal([&] { analysis::powerIteration({1.0, 2.0}, overflowing); });
    QVERIFY2(oneClearLine(diverged), diverged.c_str());
  }

  // train --sharpness-every K: a sharpness column, filled every K steps. Full-batch training of a
  // Linear + MSELoss network measures the same Hessian at every step, so the cells agree.
  void cliAddsSharpnessColumn() {
    QTemporaryDir dir;
    const QString net = dir.filePath("linear.net"), csv = dir.filePath("metrics.csv");
    QFile file(net);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write("input x: 2\nlogits = Linear(x, out_features=2)\nloss = MSELoss(logits)\n");
    file.close();
    const Finished run = runCli({"train", net, "--dataset", "blobs", "--samples", "64", "--batch", "52", "--steps",
                                 "10", "--sharpness-every", "5", "--metrics", csv, "--quiet"});
    QVERIFY2(run.code == 0, qPrintable(run.output));
    QFile metrics(csv);
    QVERIFY(metrics.open(QIODevice::ReadOnly));
    const QStringList lines = QString::fromUtf8(metrics.readAll()).trimmed().split('\n');
    QCOMPARE(lines[0], QString("step,epoch,split,loss,accuracy,sharpness,sharpness_change"));
    std::vector<double> measured;
    for (const QString& line : lines.mid(1)) {
      const QStringList cells = line.split(',');
      QCOMPARE(cells.size(), 7);
      const bool due = cells[2] == "train" && cells[0].toInt() % 5 == 0;
      QVERIFY2(cells[5].isEmpty() != due && cells[6].isEmpty() != due, qPrintable(line));
      if (due) QVERIFY2(cells[6].toDouble() < 1e-4, qPrintable(line));  // converged: the Hessian is exact
      if (due) measured.push_back(cells[5].toDouble());
    }
    QCOMPARE(measured.size(), size_t(2));
    // Measuring does not change the training: the same run without it writes the same rows.
    const QString plainCsv = dir.filePath("plain.csv");
    const Finished plain = runCli({"train", net, "--dataset", "blobs", "--samples", "64", "--batch", "52", "--steps",
                                   "10", "--metrics", plainCsv, "--quiet"});
    QVERIFY2(plain.code == 0, qPrintable(plain.output));
    QFile plainMetrics(plainCsv);
    QVERIFY(plainMetrics.open(QIODevice::ReadOnly));
    const QStringList plainLines = QString::fromUtf8(plainMetrics.readAll()).trimmed().split('\n');
    QCOMPARE(plainLines.size(), lines.size());
    for (int i = 1; i < lines.size(); ++i) QCOMPARE(lines[i].section(',', 0, 4), plainLines[i]);
    QVERIFY2(measured[0] > 0 && std::abs(measured[1] - measured[0]) <= 1e-3 * measured[0], qPrintable(lines.join(' ')));

    // A set: compare measures each run at the same ticks. The Hessian of a Linear + MSELoss network
    // does not depend on the weights, so both runs, at either rate, measure the train's value.
    const QString setCsv = dir.filePath("set.csv");
    const Finished set =
        runCli({"compare", net, "--dataset", "blobs", "--samples", "64", "--batch", "52", "--steps", "10", "--run", "A",
                "--run", "B:lr=0.05", "--sharpness-every", "5", "--metrics", setCsv});
    QVERIFY2(set.code == 0, qPrintable(set.output));
    QFile setMetrics(setCsv);
    QVERIFY(setMetrics.open(QIODevice::ReadOnly));
    const QStringList setLines = QString::fromUtf8(setMetrics.readAll()).trimmed().split('\n');
    QCOMPARE(setLines[0], QString("run,step,epoch,split,loss,accuracy,sharpness,sharpness_change"));
    std::map<QString, int> perRun;
    for (const QString& line : setLines.mid(1)) {
      const QStringList cells = line.split(',');
      QCOMPARE(cells.size(), 8);
      const bool due = cells[3] == "train" && cells[1].toInt() % 5 == 0;
      QVERIFY2(cells[6].isEmpty() != due, qPrintable(line));
      if (!due) continue;
      ++perRun[cells[0]];
      QVERIFY2(std::abs(cells[6].toDouble() - measured[0]) <= 1e-3 * measured[0], qPrintable(line));
    }
    QVERIFY((perRun == std::map<QString, int>{{"A", 2}, {"B", 2}}));

    const Finished alone = runCli({"train", net, "--dataset", "blobs", "--steps", "3", "--sharpness-every", "2"});
    QCOMPARE(alone.code, 2);
    QVERIFY2(alone.output.trimmed().count('\n') == 0 && alone.output.contains("give --metrics"),
             qPrintable(alone.output));
  }
};

QTEST_GUILESS_MAIN(TestSharpness)
#include "test_sharpness.moc"

// Loss landscapes (Li et al. 2018) against double-precision references: the device's loss at any
// point of a plane or line equals Network::reference there, a quadratic loss matches its closed
// form, directions are filter-normalised, and trajectories land where they belong in a plane
// (least-squares projection, PCA plane). Cancellation stops early and leaves the network as it was.
#include "analysis/loss_landscape.h"
#include "analysis/optimizer_race.h"
#include "analysis/trajectory_plane.h"
#include "data/toy_datasets.h"
#include "nn/network.h"
#include "support/gpu_test.h"

#include <QTest>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

using namespace gradlab;
using analysis::ParamVector;

namespace {

const char* kToyNet = R"(input x: 2
h1 = Linear(x, out_features=16, init=kaiming_normal)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=16)
a2 = Tanh(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";

// A loss exactly quadratic in the parameters: one Linear layer without bias, MSE on one-hot targets.
const char* kLinearMse = R"(input x: 5
logits = Linear(x, out_features=3, bias=false)
loss = MSELoss(logits)
)";

data::Dataset randomDataset(uint32_t samples, uint32_t features, uint32_t classes, uint32_t seed) {
  data::Dataset d;
  d.name = "random";
  d.sampleShape = nn::Shape{features};
  d.classes = classes;
  d.floats = test::randomFloats(size_t(samples) * features, seed, -1, 1);
  for (uint32_t i = 0; i < samples; ++i) d.labels.push_back((i * 7 + seed) % classes);
  return d;
}

ParamVector combination(const ParamVector& c, double a, const ParamVector& d, double b, const ParamVector& e) {
  ParamVector v(c.size());
  for (size_t i = 0; i < c.size(); ++i) v[i] = float(double(c[i]) + a * d[i] + b * e[i]);
  return v;
}

std::vector<double> randomDoubles(size_t n, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<double> normal;
  std::vector<double> v(n);
  for (double& x : v) x = normal(rng);
  return v;
}

ParamVector toFloats(const std::vector<double>& v) { return ParamVector(v.begin(), v.end()); }

// |theta - (origin + x first + y second)| in double precision, from the plane itself.
double residual(const analysis::Plane& plane, const ParamVector& theta, const analysis::PlanePoint& at) {
  double sum = 0;
  for (size_t i = 0; i < theta.size(); ++i) {
    const double e = double(theta[i]) - plane.origin[i] - at.x * plane.first[i] - at.y * plane.second[i];
    sum += e * e;
  }
  return std::sqrt(sum);
}

double distance(const ParamVector& a, const ParamVector& b) {
  double sum = 0;
  for (size_t i = 0; i < a.size(); ++i) sum += (double(a[i]) - b[i]) * (double(a[i]) - b[i]);
  return std::sqrt(sum);
}

}  // namespace

class TestLossLandscape : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

  // Mean loss and accuracy of `graph` at `theta` on the first `samples` samples (unnormalised),
  // evaluation mode, in double precision through a network whose batch is the whole subset.
  analysis::PointValue reference(const nn::Graph& graph, const data::Dataset& d, uint32_t samples,
                                 const ParamVector& theta) {
    nn::Network net(*context_, graph, samples);
    nn::RefTensor input(size_t(samples) * d.sampleSize());
    for (uint32_t s = 0; s < samples; ++s)
      for (uint32_t j = 0; j < d.sampleSize(); ++j) input[size_t(s) * d.sampleSize() + j] = d.raw(s, j);
    const std::vector<uint32_t> labels(d.labels.begin(), d.labels.begin() + samples);
    const auto offsets = analysis::parameterOffsets(net);
    std::vector<nn::RefTensor> params;
    for (size_t k = 0; k + 1 < offsets.size(); ++k)
      params.emplace_back(theta.begin() + offsets[k], theta.begin() + offsets[k + 1]);
    const auto r = net.reference(input, labels, params, false, 0);
    const auto& scores = r.activations[net.logitsNode()];
    const uint32_t classes = net.classes();
    double correct = 0;
    for (uint32_t s = 0; s < samples; ++s) {
      uint32_t best = 0;
      for (uint32_t k = 1; k < classes; ++k)
        if (scores[s * classes + k] > scores[s * classes + best]) best = k;
      correct += best == labels[s];
    }
    return {r.meanLoss, correct / samples};
  }

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void gridEqualsReferenceLoss() {
    // 150 samples in batches of 64: the last batch is partial.
    const auto graph = test::graphOf(kToyNet);
    const auto d = data::makeToyDataset("spiral", {300, 0.1, 3, 5});
    nn::Network net(*context_, graph, 64, 3);
    const auto norm = data::NormalizationTable::compute(d, data::Normalization::None);
    analysis::LossLandscape landscape(net, d, norm, 150);
    QCOMPARE(landscape.samples(), 150u);
    const ParamVector theta = analysis::readParameters(net);
    const ParamVector delta = analysis::filterNormalizedDirection(net, theta, 1);
    const ParamVector eta = analysis::filterNormalizedDirection(net, theta, 2);
    landscape.setDirections(delta, eta);
    const auto grid = landscape.grid(analysis::GridSpec::square(0.5, 3));
    QVERIFY(!grid.cancelled);
    QCOMPARE(grid.values.size(), size_t(9));
    QCOMPARE(grid.alphas[1], 0.0);
    // At alpha = beta = 0: the current loss.
    const auto here = reference(graph, d, 150, theta);
    QVERIFY2(std::abs(grid.at(1, 1).loss - here.loss) <= 1e-5 * here.loss,
             qPrintable(QString("%1 vs %2").arg(grid.at(1, 1).loss).arg(here.loss)));
    QVERIFY(std::abs(grid.at(1, 1).accuracy - here.accuracy) <= 1.0 / 150 + 1e-12);  // a near-tie may round either way
    // Everywhere else: the loss at theta + a delta + b eta.
    for (size_t j = 0; j < 3; ++j)
      for (size_t i = 0; i < 3; ++i) {
        const auto want = reference(graph, d, 150, combination(theta, grid.alphas[i], delta, grid.betas[j], eta));
        const auto& got = grid.at(i, j);
        QVERIFY2(std::abs(got.loss - want.loss) <= 1e-4 * want.loss,
                 qPrintable(QString("(%1, %2): %3 vs %4").arg(i).arg(j).arg(got.loss).arg(want.loss)));
        QVERIFY(std::abs(got.accuracy - want.accuracy) <= 1.0 / 150 + 1e-12);
      }
    QVERIFY(grid.at(0, 0).loss != grid.at(2, 2).loss);  // the directions do change the weights
    // The network's own parameters are as they were.
    QVERIFY(analysis::readParameters(net) == theta);
  }

  void quadraticLossMatchesClosedForm() {
    // L(W) = 1/(N K) sum_n |W x_n - t_n|^2, so L(W + V) + L(W - V) = 2 L(W) + 2/(N K) sum_n |V x_n|^2.
    const uint32_t samples = 96, features = 5, classes = 3;
    const auto graph = test::graphOf(kLinearMse);
    const auto d = randomDataset(samples, features, classes, 4);
    nn::Network net(*context_, graph, 32, 1);
    const ParamVector w = toFloats(randomDoubles(classes * features, 7));
    analysis::writeParameters(net, w);
    analysis::LossLandscape landscape(net, d, data::NormalizationTable::compute(d, data::Normalization::None), samples);
    const ParamVector delta = analysis::filterNormalizedDirection(net, w, 11);
    const ParamVector eta = analysis::filterNormalizedDirection(net, w, 12);
    landscape.setDirections(delta, eta);
    const auto grid = landscape.grid(analysis::GridSpec::square(1, 5));
    auto loss = [&](const ParamVector& m) {  // the closed form
      double sum = 0;
      for (uint32_t n = 0; n < samples; ++n)
        for (uint32_t k = 0; k < classes; ++k) {
          double z = 0;
          for (uint32_t j = 0; j < features; ++j) z += double(m[k * features + j]) * d.raw(n, j);
          const double e = z - (d.labels[n] == k ? 1.0 : 0.0);
          sum += e * e;
        }
      return sum / (samples * classes);
    };
    const double center = grid.at(2, 2).loss;
    QVERIFY(std::abs(center - loss(w)) <= 1e-5 * loss(w));
    for (size_t j = 0; j < 5; ++j)
      for (size_t i = 0; i < 5; ++i) {
        const double a = grid.alphas[i], b = grid.betas[j];
        ParamVector v(w.size());
        for (size_t e = 0; e < w.size(); ++e) v[e] = float(a * delta[e] + b * eta[e]);
        double curvature = 0;  // v^T H v
        for (uint32_t n = 0; n < samples; ++n)
          for (uint32_t k = 0; k < classes; ++k) {
            double z = 0;
            for (uint32_t f = 0; f < features; ++f) z += double(v[k * features + f]) * d.raw(n, f);
            curvature += 2 * z * z / (samples * classes);
          }
        const double sum = grid.at(i, j).loss + grid.at(4 - i, 4 - j).loss;
        QVERIFY2(std::abs(sum - (2 * center + curvature)) <= 1e-5 * sum,
                 qPrintable(QString("(%1, %2): %3 vs %4").arg(a).arg(b).arg(sum).arg(2 * center + curvature)));
        const double want = loss(combination(w, a, delta, b, eta));
        QVERIFY(std::abs(grid.at(i, j).loss - want) <= 1e-5 * want);
      }
  }

  void directionsAreFilterNormalized() {
    const auto graph = test::graphOf(R"(input x: 2x6x6
c1 = Conv2d(x, out_channels=3, kernel_size=3)
n1 = BatchNorm2d(c1)
a1 = ReLU(n1)
up = ConvTranspose2d(a1, out_channels=2, kernel_size=2, stride=2)
flat = Flatten(up)
logits = Linear(flat, out_features=4)
loss = CrossEntropyLoss(logits)
)");
    nn::Network net(*context_, graph, 2, 5);
    const ParamVector w = analysis::readParameters(net);
    const ParamVector d = analysis::filterNormalizedDirection(net, w, 42);
    QVERIFY(d == analysis::filterNormalizedDirection(net, w, 42));
    QVERIFY(d != analysis::filterNormalizedDirection(net, w, 43));
    const auto offsets = analysis::parameterOffsets(net);
    size_t weights = 0;
    for (size_t k = 0; k < net.parameters().size(); ++k) {
      const auto& p = net.parameters()[k];
      const auto& dims = p.tensor.shape.dims;
      const float* dk = d.data() + offsets[k];
      const float* wk = w.data() + offsets[k];
      if (p.tensor.role != nn::ParamRole::Weight) {
        for (uint32_t e = 0; e < p.count(); ++e) QCOMPARE(dk[e], 0.0f);  // biases, BatchNorm: excluded
        continue;
      }
      ++weights;
      // A filter: an output unit. Linear (out, in) and Conv2d (out, in, k, k): a slice of dim 0;
      // ConvTranspose2d (in, out, k, k): a slice of dim 1.
      const bool transposed = p.name == "up.weight";
      const uint32_t filters = transposed ? dims[1] : dims[0];
      const uint32_t inner = uint32_t(p.count() / (dims[0] * dims[1])) * (transposed ? 1 : dims[1]);
      double cosine = 0, dd = 0, ww = 0;
      for (uint32_t f = 0; f < filters; ++f) {
        double dn = 0, wn = 0;
        for (uint32_t e = 0; e < p.count(); ++e) {
          const uint32_t filter = transposed ? e / inner % dims[1] : e / inner;
          if (filter != f) continue;
          dn += double(dk[e]) * dk[e];
          wn += double(wk[e]) * wk[e];
        }
        QVERIFY2(wn > 0, p.name.c_str());
        QVERIFY2(
            std::abs(std::sqrt(dn) - std::sqrt(wn)) <= 1e-5 * std::sqrt(wn),
            qPrintable(
                QString("%1 filter %2: %3 vs %4").arg(p.name.c_str()).arg(f).arg(std::sqrt(dn)).arg(std::sqrt(wn))));
      }
      for (uint32_t e = 0; e < p.count(); ++e) {
        cosine += double(dk[e]) * wk[e];
        dd += double(dk[e]) * dk[e];
        ww += double(wk[e]) * wk[e];
      }
      QVERIFY(std::abs(cosine) / std::sqrt(dd * ww) < 0.9);  // random, not the weights themselves
    }
    QCOMPARE(weights, size_t(3));
    QCOMPARE(analysis::filterAxis(net, 4), 1u);  // up.weight
  }

  void lineEndsAtBothParameterVectors() {
    const auto graph = test::graphOf(kToyNet);
    const auto d = data::makeToyDataset("moons", {200, 0.1, 2, 1});
    nn::Network net(*context_, graph, 64, 8);
    const ParamVector a = analysis::readParameters(net);
    const ParamVector b = combination(a, 1, analysis::filterNormalizedDirection(net, a, 5), 0, a);
    analysis::LossLandscape landscape(net, d, data::NormalizationTable::compute(d, data::Normalization::None), 128);
    const auto line = landscape.line(a, b, {-0.5, 1.5, 9});
    QCOMPARE(line.values.size(), size_t(9));
    QCOMPARE(line.t[2], 0.0);
    QCOMPARE(line.t[6], 1.0);
    const auto atA = reference(graph, d, 128, a), atB = reference(graph, d, 128, b);
    QVERIFY(std::abs(atA.loss - atB.loss) > 1e-3);  // two different ends
    QVERIFY2(std::abs(line.values[2].loss - atA.loss) <= 1e-5 * atA.loss,
             qPrintable(QString("%1 vs %2").arg(line.values[2].loss).arg(atA.loss)));
    QVERIFY2(std::abs(line.values[6].loss - atB.loss) <= 1e-5 * atB.loss,
             qPrintable(QString("%1 vs %2").arg(line.values[6].loss).arg(atB.loss)));
    QCOMPARE(line.values[2].accuracy, atA.accuracy);
    QCOMPARE(line.values[6].accuracy, atB.accuracy);
    // Beyond the ends, extrapolated weights: t = -0.5 is 1.5 a - 0.5 b.
    const auto want = reference(graph, d, 128, combination(ParamVector(a.size(), 0.0f), 1.5, a, -0.5, b));
    QVERIFY(std::abs(line.values[0].loss - want.loss) <= 1e-4 * want.loss);
    QVERIFY(analysis::readParameters(net) == a);
  }

  void projectionReturnsPlaneCoordinates() {
    const size_t n = 3000;
    const auto o = randomDoubles(n, 1), d1 = randomDoubles(n, 2), r = randomDoubles(n, 3);
    std::vector<double> d2(n);
    for (size_t i = 0; i < n; ++i) d2[i] = 0.6 * d1[i] + 0.8 * r[i];  // not orthogonal to d1
    const analysis::Plane plane{toFloats(o), toFloats(d1), toFloats(d2)};
    // A direction off the plane: a random vector minus its least-squares part in the plane
    // (computed from the float directions the projection sees).
    auto off = randomDoubles(n, 4);
    for (int pass = 0; pass < 2; ++pass)
      for (const ParamVector* u : {&plane.first, &plane.second}) {
        double uu = 0, uo = 0;
        for (size_t i = 0; i < n; ++i) uu += double((*u)[i]) * (*u)[i], uo += double((*u)[i]) * off[i];
        for (size_t i = 0; i < n; ++i) off[i] -= uo / uu * (*u)[i];
      }
    double offNorm = 0;
    for (double v : off) offNorm += v * v;
    offNorm = std::sqrt(offNorm);
    const double coords[][2] = {{0, 0}, {1, 0}, {0, 1}, {-2.5, 0.75}, {3.25, -4}};
    std::vector<ParamVector> inPlane, offPlane;
    for (const auto& c : coords) {
      ParamVector p(n), q(n);
      for (size_t i = 0; i < n; ++i) {
        const double x = double(plane.origin[i]) + c[0] * plane.first[i] + c[1] * plane.second[i];
        p[i] = float(x);
        q[i] = float(x + 0.5 * off[i] / offNorm);
      }
      inPlane.push_back(p);
      offPlane.push_back(q);
    }
    const auto got = analysis::project(plane, inPlane), gotOff = analysis::project(plane, offPlane);
    for (size_t k = 0; k < std::size(coords); ++k) {
      QVERIFY2(std::abs(got[k].x - coords[k][0]) < 1e-5 && std::abs(got[k].y - coords[k][1]) < 1e-5,
               qPrintable(QString("%1: (%2, %3)").arg(k).arg(got[k].x).arg(got[k].y)));
      QVERIFY(got[k].distance < 1e-3);  // float rounding of the snapshot only
      QVERIFY(std::abs(gotOff[k].x - coords[k][0]) < 1e-4 && std::abs(gotOff[k].y - coords[k][1]) < 1e-4);
      QVERIFY2(std::abs(gotOff[k].distance - 0.5) < 1e-3, qPrintable(QString::number(gotOff[k].distance)));
    }
  }

  void pcaRecoversTrajectoryPlane() {
    const size_t n = 5000;
    const ParamVector o = toFloats(randomDoubles(n, 1));
    const auto u = randomDoubles(n, 2), r = randomDoubles(n, 3);
    std::vector<double> v(n);
    for (size_t i = 0; i < n; ++i) v[i] = 0.5 * u[i] + r[i];
    // Two curved runs in the plane span(u, v), ending near the origin.
    std::vector<std::vector<ParamVector>> runs(2);
    for (int run = 0; run < 2; ++run)
      for (int s = 0; s < 20; ++s) {
        const double t = (19 - s) / 19.0, a = t * std::cos(3 * t + run), b = t * std::sin(2 * t) * (run ? -1 : 1);
        ParamVector p(n);
        for (size_t i = 0; i < n; ++i) p[i] = float(o[i] + 0.1 * (a * u[i] + b * v[i]));
        runs[run].push_back(p);
      }
    const auto together = analysis::commonPlane(runs, o);
    const auto& pca = together.pca;
    QVERIFY2(pca.explained[0] + pca.explained[1] > 0.99999,
             qPrintable(QString("%1 + %2").arg(pca.explained[0]).arg(pca.explained[1])));
    QVERIFY(pca.explained[0] >= pca.explained[1] && pca.explained[1] > 0.01);
    // Unit, orthogonal directions spanning u and v.
    double n1 = 0, n2 = 0, cross = 0;
    for (size_t i = 0; i < n; ++i) {
      n1 += double(pca.plane.first[i]) * pca.plane.first[i];
      n2 += double(pca.plane.second[i]) * pca.plane.second[i];
      cross += double(pca.plane.first[i]) * pca.plane.second[i];
    }
    QVERIFY(std::abs(n1 - 1) < 1e-5 && std::abs(n2 - 1) < 1e-5 && std::abs(cross) < 1e-5);
    std::vector<ParamVector> spanning;
    const std::vector<double>* spans[] = {&u, &v};
    for (const auto* w : spans) {
      ParamVector p(n);
      for (size_t i = 0; i < n; ++i) p[i] = float(o[i] + (*w)[i]);
      spanning.push_back(p);
    }
    const auto sp = analysis::project(pca.plane, spanning);
    QVERIFY2(sp[0].distance < 1e-4 * std::sqrt(double(n)), qPrintable(QString::number(sp[0].distance)));
    QVERIFY2(sp[1].distance < 1e-4 * std::sqrt(double(n)), qPrintable(QString::number(sp[1].distance)));
    // Both runs' paths lie in the plane; their last points are at the origin.
    QCOMPARE(together.paths.size(), size_t(2));
    for (const auto& path : together.paths) {
      QCOMPARE(path.size(), size_t(20));
      for (const auto& p : path) QVERIFY(p.distance < 1e-3);
      QVERIFY(std::abs(path.back().x) < 1e-5 && std::abs(path.back().y) < 1e-5);
    }
    const auto spec = analysis::gridAround(together.paths, 0.1, 11);
    for (const auto& path : together.paths)
      for (const auto& p : path)
        QVERIFY(p.x > spec.alphaMin && p.x < spec.alphaMax && p.y > spec.betaMin && p.y < spec.betaMax);

    // A straight trajectory has one direction: the second is zero and explains nothing.
    std::vector<ParamVector> straight;
    for (int s = 0; s < 6; ++s) {
      ParamVector p(n);
      for (size_t i = 0; i < n; ++i) p[i] = float(o[i] + 0.2 * s * u[i]);
      straight.push_back(p);
    }
    const auto line = analysis::commonPlane({straight}, o);
    QVERIFY(line.pca.explained[0] > 0.99999);
    QCOMPARE(line.pca.explained[1], 0.0);
    QVERIFY(std::all_of(line.pca.plane.second.begin(), line.pca.plane.second.end(), [](float x) { return x == 0; }));
    const double length = std::sqrt(std::inner_product(u.begin(), u.end(), u.begin(), 0.0));  // from s = 0 to 5
    QVERIFY(std::abs(std::abs(line.paths[0][5].x - line.paths[0][0].x) - length) < 1e-5 * length);
    for (const auto& p : line.paths[0]) QCOMPARE(p.y, 0.0);
  }

  // Runs of a set trained for real on the toy network from one start (two and three of them): the
  // run set's plane passes through the start, every run's end lies on it but for what its
  // reported distance says (checked against the plane itself), that distance is a small part of
  // how far the run went, and the snapshots sit closer to it in total than to the textbook plane
  // (PCA about the snapshots' mean, moved to the start).
  void runSetPlaneHoldsEveryStartAndEnd() {
    const auto graph = test::graphOf(kToyNet);
    const auto d = data::makeToyDataset("spiral", {300, 0.1, 3, 5});
    train::TrainingOptions options;
    options.batch = 32;
    options.seed = 4;
    const auto race = analysis::raceOptimizers(
        *context_, graph, d, options, optim::parseOptimizerSpecs("sgd:lr=0.2; sgd:lr=0.05,momentum=0.9; adam:lr=0.01"),
        {40, 9});
    QCOMPARE(race.runs.size(), size_t(3));
    for (size_t count : {size_t(2), size_t(3)}) {
      std::vector<std::vector<ParamVector>> runs;
      for (size_t r = 0; r < count; ++r) runs.push_back(race.runs[r].path);
      const auto set = analysis::runSetPlane(runs);
      QVERIFY(set.pca.plane.origin == race.initial);
      QCOMPARE(set.paths.size(), count);
      double fitted = 0;
      for (size_t r = 0; r < count; ++r) {
        const auto& path = set.paths[r];
        QCOMPARE(path.size(), runs[r].size());
        QCOMPARE(path.front().x, 0.0);
        QCOMPARE(path.front().y, 0.0);
        QCOMPARE(path.front().distance, 0.0);
        const double went = distance(runs[r].back(), race.initial);
        QVERIFY(went > 0.1);
        const double off = residual(set.pca.plane, runs[r].back(), path.back());
        QVERIFY2(
            std::abs(off - path.back().distance) <= 1e-6 * went,
            qPrintable(QString("run %1: %2 off the plane, reported %3").arg(r).arg(off).arg(path.back().distance)));
        QVERIFY2(off <= 0.25 * went,
                 qPrintable(QString("%1 of %2 runs: run %3's end is %4 off the plane after going %5")
                                .arg(count)
                                .arg(count)
                                .arg(r)
                                .arg(off)
                                .arg(went)));
        for (const auto& p : path) fitted += p.distance * p.distance;
      }
      const auto textbook = analysis::commonPlane(runs, race.initial, analysis::PcaCentre::Mean);
      double meanCentred = 0;
      for (const auto& path : textbook.paths)
        for (const auto& p : path) meanCentred += p.distance * p.distance;
      // No plane through the start fits better; on these paths a third or so less is left out.
      QVERIFY2(fitted < 0.9 * meanCentred, qPrintable(QString("%1 vs %2").arg(fitted).arg(meanCentred)));
    }
    // Runs that start apart (another initialisation) are centred on their starts' mean.
    std::vector<std::vector<ParamVector>> apart = {race.runs[0].path, race.runs[1].path};
    for (float& w : apart[1].front()) w += 0.01f;
    const auto set = analysis::runSetPlane(apart);
    for (size_t i = 0; i < race.initial.size(); ++i)
      QVERIFY(std::abs(set.pca.plane.origin[i] - (race.initial[i] + 0.005f)) < 1e-6f);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analysis::runSetPlane({}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analysis::runSetPlane({race.runs[0].path, {}}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analysis::runSetPlane({race.runs[0].path, {ParamVector(3)}}));
  }

  void cancellationStopsEarly() {
    const auto graph = test::graphOf(kToyNet);
    const auto d = data::makeToyDataset("spiral", {600, 0.1, 3, 2});
    nn::Network net(*context_, graph, 64, 1);
    const ParamVector theta = analysis::readParameters(net);
    analysis::LossLandscape landscape(net, d, data::NormalizationTable::compute(d, data::Normalization::None), 600);
    landscape.setDirections(analysis::filterNormalizedDirection(net, theta, 1),
                            analysis::filterNormalizedDirection(net, theta, 2));
    // The callback says stop after its first report.
    std::vector<std::pair<size_t, size_t>> reports;
    analysis::RunControl control;
    control.progress = [&](size_t done, size_t total) {
      reports.push_back({done, total});
      return false;
    };
    auto grid = landscape.grid(analysis::GridSpec::square(1, 9), control);
    QVERIFY(grid.cancelled);
    QCOMPARE(reports.size(), size_t(1));
    QCOMPARE(reports[0].second, size_t(81));
    QCOMPARE(grid.values.size(), reports[0].first);
    QVERIFY(grid.values.size() < 81);
    QVERIFY(analysis::readParameters(net) == theta);
    // Cancelled from the flag before any work: nothing evaluated.
    std::atomic<bool> cancel{true};
    analysis::RunControl flagged;
    flagged.cancel = &cancel;
    grid = landscape.grid(analysis::GridSpec::square(1, 9), flagged);
    QVERIFY(grid.cancelled);
    QCOMPARE(grid.values.size(), size_t(0));
    // Reports count up to the total when not cancelled.
    reports.clear();
    control.progress = [&](size_t done, size_t total) {
      reports.push_back({done, total});
      return true;
    };
    grid = landscape.grid(analysis::GridSpec::square(1, 4), control);
    QVERIFY(!grid.cancelled);
    QCOMPARE(grid.values.size(), size_t(16));
    QCOMPARE(reports.back().first, size_t(16));
    for (size_t k = 1; k < reports.size(); ++k) QVERIFY(reports[k].first > reports[k - 1].first);
  }

  void badInputIsRefused() {
    const auto graph = test::graphOf(kToyNet);
    const auto d = data::makeToyDataset("moons", {100, 0.1, 2, 1});
    nn::Network net(*context_, graph, 16, 1);
    const auto norm = data::NormalizationTable::compute(d, data::Normalization::None);
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analysis::LossLandscape(net, d, norm, 0));
    const auto image = randomDataset(10, 4, 2, 1);
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        analysis::LossLandscape(net, image, data::NormalizationTable::compute(image, data::Normalization::None), 10));
    analysis::LossLandscape landscape(net, d, norm, 1000);
    QCOMPARE(landscape.samples(), 100u);  // all there are
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, landscape.setCenter(ParamVector(3)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, landscape.setDirections(ParamVector(3), ParamVector(3)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, landscape.grid(analysis::GridSpec::square(1, 0)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, landscape.grid({1, -1, 0, 1, 5, 5}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, landscape.grid(analysis::GridSpec::square(NAN, 5)));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument,
                             analysis::project({ParamVector(4), ParamVector(4), ParamVector(3)}, {}));
    QVERIFY_THROWS_EXCEPTION(std::invalid_argument, analysis::pcaPlane({}, ParamVector(4)));
  }
};

QTEST_APPLESS_MAIN(TestLossLandscape)
#include "test_loss_landscape.moc"

// The internals probes (train/internals.h) against double-precision references: the optimizer state
// summaries against optim/reference.h run on the same gradients (the "step" against the parameter
// change the reference makes), BatchNorm's batch statistics against the batch through the layer
// before it in double, its running statistics against their update rule, the train/eval gap
// against a double forward pass in both modes, and the distinct-unit count: one unit under a
// constant initialisation (however long it trains), every unit under a random one.
#include "data/toy_datasets.h"
#include "optim/optimizer.h"
#include "optim/reference.h"
#include "optim/settings.h"
#include "support/gpu_test.h"
#include "support/toy_networks.h"
#include "train/internals.h"
#include "train/training_session.h"

#include <QFile>
#include <QProcess>
#include <QTemporaryDir>
#include <QTest>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <map>

using namespace gradlab;

namespace {

struct Moments {
  double mean = 0, std = 0, min = 0, max = 0, norm = 0;
};

Moments momentsOf(const std::vector<double>& v) {
  Moments m{0, 0, v.at(0), v.at(0), 0};
  for (double x : v) m.mean += x, m.norm += x * x, m.min = std::min(m.min, x), m.max = std::max(m.max, x);
  m.mean /= double(v.size());
  m.norm = std::sqrt(m.norm);
  for (double x : v) m.std += (x - m.mean) * (x - m.mean);
  m.std = std::sqrt(m.std / double(v.size()));
  return m;
}

// Each statistic within `relative` of the largest magnitude in the tensor (float state, double
// reference).
void verifySummary(const train::OptimizerTensorInternals& tensor, const std::string& name,
                   const std::vector<double>& want, double relative, const std::string& where) {
  const train::StateSummary* got = tensor.find(name);
  QVERIFY2(got, (where + ": no " + name).c_str());
  const Moments m = momentsOf(want);
  const double scale = std::max(std::abs(m.min), std::abs(m.max)) + 1e-30;
  const std::pair<double, double> pairs[] = {
      {got->stats.mean, m.mean},
      {got->stats.std, m.std},
      {got->stats.min, m.min},
      {got->stats.max, m.max},
      {got->norm / std::sqrt(double(want.size())), m.norm / std::sqrt(double(want.size()))}};
  for (const auto& [g, w] : pairs)
    QVERIFY2(std::abs(g - w) <= relative * scale,
             (where + " " + name + ": " + std::to_string(g) + " vs " + std::to_string(w)).c_str());
  QCOMPARE(got->stats.count, uint64_t(want.size()));
  double binned = 0;
  for (float c : got->stats.histogram) binned += c;
  QCOMPARE(binned, double(want.size()));
}

// The device's summary (float, reduced by work groups) against the host's (double, in order):
// statistics within `relative` of the tensor's largest magnitude; the histogram's bins may differ
// only by values on a bin edge, which the two routes round to either side.
void verifySameSummary(const train::StateSummary& device, const train::StateSummary& host, double relative,
                       const std::string& where) {
  const std::string what = where + " " + host.name;
  QVERIFY2(device.name == host.name, (what + ": device has " + device.name).c_str());
  QCOMPARE(device.stats.count, host.stats.count);
  const double scale = std::max(std::abs(host.stats.min), std::abs(host.stats.max)) + 1e-30;
  const double rms = [&](const train::StateSummary& s) { return s.norm / std::sqrt(double(s.stats.count)); }(host);
  const std::pair<double, double> pairs[] = {{device.stats.mean, host.stats.mean},
                                             {device.stats.std, host.stats.std},
                                             {device.stats.min, host.stats.min},
                                             {device.stats.max, host.stats.max},
                                             {device.norm / std::sqrt(double(device.stats.count)), rms}};
  for (const auto& [d, h] : pairs)
    QVERIFY2(std::abs(d - h) <= relative * scale,
             (what + ": device " + std::to_string(d) + " vs host " + std::to_string(h)).c_str());
  QCOMPARE(device.stats.histogram.size(), size_t(train::kHistogramBins));
  QCOMPARE(host.stats.histogram.size(), size_t(train::kHistogramBins));
  double moved = 0, total = 0;
  for (uint32_t b = 0; b < train::kHistogramBins; ++b) {
    moved += std::abs(device.stats.histogram[b] - host.stats.histogram[b]);
    total += device.stats.histogram[b];
  }
  QCOMPARE(total, double(host.stats.count));
  QVERIFY2(moved <= 0.01 * double(host.stats.count) + 2,
           (what + ": histograms differ by " + std::to_string(moved)).c_str());
}

void verifySameInternals(const train::OptimizerInternals& device, const train::OptimizerInternals& host,
                         const std::string& where) {
  QCOMPARE(device.optimizer, host.optimizer);
  QCOMPARE(device.biasCorrection1, host.biasCorrection1);
  QCOMPARE(device.rectification, host.rectification);
  QCOMPARE(device.tensors.size(), host.tensors.size());
  for (size_t k = 0; k < host.tensors.size(); ++k) {
    const auto& d = device.tensors[k];
    const auto& h = host.tensors[k];
    QCOMPARE(d.parameter, h.parameter);
    QCOMPARE(d.states.size(), h.states.size());
    for (size_t q = 0; q < h.states.size(); ++q) {
      verifySameSummary(d.states[q], h.states[q], 2e-5, where + " " + h.parameter);
      if (QTest::currentTestFailed()) return;
    }
  }
}

// The four-layer network of the BatchNorm tests: Linear(2 -> 4), BatchNorm1d, Linear(4 -> 3).
constexpr const char* kBatchNormNet = R"(input x: 2
h = Linear(x, out_features=4)
bn = BatchNorm1d(h, momentum=0.3)
logits = Linear(bn, out_features=3)
loss = CrossEntropyLoss(logits)
)";

std::map<std::string, std::vector<double>> parameterValues(const nn::Network& net) {
  std::map<std::string, std::vector<double>> out;
  for (const auto& p : net.parameters()) {
    const auto v = p.readValues();
    out[p.name].assign(v.begin(), v.end());
  }
  for (const auto& s : net.runningStatistics()) {
    const auto v = s.buffer->read<float>(s.count);
    out[s.name].assign(v.begin(), v.end());
  }
  return out;
}

// h = x W^T + b for the batch, row by row.
std::vector<std::vector<double>> linear(const std::vector<std::vector<double>>& x, const std::vector<double>& w,
                                        const std::vector<double>& b) {
  std::vector<std::vector<double>> out;
  for (const auto& row : x) {
    std::vector<double> y(b);
    for (size_t o = 0; o < b.size(); ++o)
      for (size_t i = 0; i < row.size(); ++i) y[o] += w[o * row.size() + i] * row[i];
    out.push_back(y);
  }
  return out;
}

// kBatchNormNet's mean loss and accuracy in double, BatchNorm with the batch's statistics
// (training) or the running ones.
std::pair<double, double> batchNormNetLoss(std::map<std::string, std::vector<double>> p,
                                           const std::vector<std::vector<double>>& x,
                                           const std::vector<uint32_t>& labels, bool training) {
  auto h = linear(x, p["h.weight"], p["h.bias"]);
  const size_t n = h.size(), c = h[0].size();
  std::vector<double> mean = p["bn.running_mean"], var = p["bn.running_var"];
  if (training) {
    mean.assign(c, 0), var.assign(c, 0);
    for (const auto& row : h)
      for (size_t k = 0; k < c; ++k) mean[k] += row[k] / double(n);
    for (const auto& row : h)
      for (size_t k = 0; k < c; ++k) var[k] += (row[k] - mean[k]) * (row[k] - mean[k]) / double(n);
  }
  for (auto& row : h)
    for (size_t k = 0; k < c; ++k)
      row[k] = (row[k] - mean[k]) / std::sqrt(var[k] + 1e-5) * p["bn.weight"][k] + p["bn.bias"][k];
  const auto logits = linear(h, p["logits.weight"], p["logits.bias"]);
  double loss = 0, correct = 0;
  for (size_t b = 0; b < n; ++b) {
    const auto& z = logits[b];
    const double top = *std::max_element(z.begin(), z.end());
    double sum = 0;
    for (double v : z) sum += std::exp(v - top);
    loss += std::log(sum) + top - z[labels[b]];
    correct += size_t(std::max_element(z.begin(), z.end()) - z.begin()) == labels[b];
  }
  return {loss / double(n), correct / double(n)};
}

}  // namespace

class TestInternals : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  // Eight steps of random gradients: the summaries of m, v, sqrt(v), the friction, s and the
  // velocity equal the reference's state, and "step" the parameter change the reference makes.
  void optimizerStateMatchesReference_data() {
    QTest::addColumn<QString>("optimizer");
    for (const char* name : {"adam", "radam", "diffgrad", "adabelief", "sgd"}) QTest::newRow(name) << QString(name);
  }
  void optimizerStateMatchesReference() {
    QFETCH(QString, optimizer);
    const std::string name = optimizer.toStdString();
    const std::map<std::string, std::string> values =
        name == "sgd" ? std::map<std::string, std::string>{{"momentum", "0.9"}} : std::map<std::string, std::string>{};
    const uint32_t n = 200;
    const float lr = 0.01f;
    gpu::Buffer value(*context_, n * 4), grad(*context_, n * 4), control(*context_, 16, true), step(*context_, 4, true);
    auto initial = test::randomFloats(n, 5);
    value.upload(initial.data(), n * 4);
    uint32_t block[4] = {0, 0, 0, 0};
    std::memcpy(&block[3], &lr, 4);
    control.upload(block, 16);
    auto opt = optim::createOptimizer(*context_, name, values);
    gpu::Recording rec(*context_, 0, true);
    opt->recordUpdate(rec, {{"w", value, grad, n, true}}, {control, step});
    rec.finish();

    const optim::Settings settings = optim::resolveSettings(name, values);
    std::vector<double> param(initial.begin(), initial.end());
    optim::reference::TensorState state;
    for (uint32_t t = 1; t <= 8; ++t) {
      const auto g = test::randomFloats(n, 100 + t, -2, 2);
      grad.upload(g.data(), n * 4);
      const uint32_t counter = t - 1;
      step.upload(&counter, 4);
      context_->run(rec);
      const std::vector<double> before = param;
      optim::reference::step(settings, param, {g.begin(), g.end()}, state, t, lr, true);
      std::vector<double> change(n);
      for (uint32_t i = 0; i < n; ++i) change[i] = before[i] - param[i];

      const auto got = train::readOptimizerInternals(*context_, *opt, {{"w", n, 0, 0, n}}, t);
      const std::string where = name + " step " + std::to_string(t);
      QCOMPARE(got.tensors.size(), size_t(1));
      const auto& tensor = got.tensors[0];
      const auto kept = opt->stateNames();
      for (const auto& [key, vector] : state.vectors)  // the reference keeps AMSGrad's maximum regardless
        if (std::find(kept.begin(), kept.end(), key) != kept.end()) verifySummary(tensor, key, vector, 2e-5, where);
      if (name == "sgd") {
        QVERIFY(!got.biasCorrection1 && !got.rectification);
        QVERIFY(!tensor.find("step"));
        continue;
      }
      std::vector<double> root =
          state.vectors.count("exp_avg_sq") ? state.vectors["exp_avg_sq"] : state.vectors["exp_avg_var"];
      for (double& x : root) x = std::sqrt(x);
      verifySummary(tensor, state.vectors.count("exp_avg_sq") ? "sqrt_exp_avg_sq" : "sqrt_exp_avg_var", root, 2e-5,
                    where);
      verifySummary(tensor, "step", change, 2e-4, where);
      if (name == "radam") {
        QVERIFY(!tensor.find("uncorrected_step"));
      } else {  // lr m / (sqrt(v) + eps) with the reference's m and v (diffGrad: times its friction)
        std::vector<double> raw(n);
        for (uint32_t i = 0; i < n; ++i)
          raw[i] = lr * state.vectors["exp_avg"][i] / (root[i] + 1e-8) *
                   (name == "diffgrad" ? state.vectors["friction"][i] : 1.0);
        verifySummary(tensor, "uncorrected_step", raw, 2e-4, where);
      }
      QVERIFY(std::abs(*got.biasCorrection1 - (1 - std::pow(0.9, t))) < 1e-12);
      QVERIFY(std::abs(*got.biasCorrection2 - (1 - std::pow(0.999, t))) < 1e-12);
      QCOMPARE(got.rectification.has_value(), name == "radam");
      if (name == "radam")
        QVERIFY(std::abs(*got.rectification - optim::reference::radamRectification(0.999, t)) < 1e-6);
    }
  }

  // Every optimizer of the catalog (and the variants whose step reads other states) after each of
  // eight updates of random gradients: the device's summaries of two tensors sharing one state
  // buffer (the second from float 300 on, as around a frozen layer) equal the host's in double,
  // quantity by quantity in the same order, histograms included. RAdam is rectified from step 6.
  void deviceSummariesMatchTheHostReference_data() {
    QTest::addColumn<QString>("optimizer");
    QTest::addColumn<QString>("setting");
    for (const auto& name : optim::optimizerCatalog())
      QTest::newRow(name.name.c_str()) << QString::fromStdString(name.name) << QString();
    QTest::newRow("sgd momentum") << "sgd"
                                  << "momentum=0.9";
    QTest::newRow("adam amsgrad") << "adam"
                                  << "amsgrad=true";
    QTest::newRow("rmsprop centered") << "rmsprop"
                                      << "centered=true";
  }
  void deviceSummariesMatchTheHostReference() {
    QFETCH(QString, optimizer);
    QFETCH(QString, setting);
    const std::string name = optimizer.toStdString();
    std::map<std::string, std::string> values;
    if (!setting.isEmpty()) values[setting.section('=', 0, 0).toStdString()] = setting.section('=', 1).toStdString();
    const uint32_t n = 1000;
    const float lr = 0.01f;
    gpu::Buffer value(*context_, n * 4), grad(*context_, n * 4), control(*context_, 16, true), step(*context_, 4, true);
    const auto initial = test::randomFloats(n, 7);
    value.upload(initial.data(), n * 4);
    uint32_t block[4] = {0, 0, 0, 0};
    std::memcpy(&block[3], &lr, 4);
    control.upload(block, 16);
    auto opt = optim::createOptimizer(*context_, name, values);
    gpu::Recording rec(*context_, 0, true);
    opt->recordUpdate(rec, {{"w", value, grad, n, true}}, {control, step});
    rec.finish();
    const std::vector<train::UpdatedTensor> tensors{{"a", 300, 0, 0, n}, {"b", 700, 0, 300, n}};
    for (uint32_t t = 1; t <= 8; ++t) {
      const auto g = test::randomFloats(n, 200 + t, -2, 2);
      grad.upload(g.data(), n * 4);
      const uint32_t counter = t - 1;
      step.upload(&counter, 4);
      context_->run(rec);
      const auto device = train::readOptimizerInternals(*context_, *opt, tensors, t);
      const auto host = train::optimizerInternalsOnHost(*opt, tensors, t);
      verifySameInternals(device, host, name + " " + setting.toStdString() + " step " + std::to_string(t));
      if (QTest::currentTestFailed()) return;
      QVERIFY(!host.tensors.at(1).states.empty() || name == "sgd");
    }
  }

  // BatchNorm2d's batch statistics over batch x height x width and BatchNorm1d's over the batch,
  // reduced per channel on the device, equal the host's in double.
  void batchNormStatisticsOnTheDeviceMatchTheHost() {
    const auto data = data::makeToyDataset("blobs", {200, 0.5, 3, 2});
    train::TrainingOptions options;
    options.batch = 25;
    train::TrainingSession session(*context_, test::graphOf(kBatchNormNet), data, nullptr, options);
    session.train(3);
    const auto check = [](const std::vector<train::BatchNormInternals>& device,
                          const std::vector<train::BatchNormInternals>& host) {
      QCOMPARE(device.size(), host.size());
      for (size_t k = 0; k < host.size(); ++k) {
        QCOMPARE(device[k].node, host[k].node);
        QCOMPARE(device[k].samplesPerChannel, host[k].samplesPerChannel);
        QCOMPARE(device[k].runningVar, host[k].runningVar);
        QCOMPARE(device[k].batchMean.size(), host[k].batchMean.size());
        for (size_t c = 0; c < host[k].batchMean.size(); ++c) {
          const double spread = std::sqrt(host[k].batchVar[c]) + std::abs(host[k].batchMean[c]) + 1e-6;
          QVERIFY2(std::abs(device[k].batchMean[c] - host[k].batchMean[c]) <= 1e-5 * spread,
                   qPrintable(QString("%1 channel %2 mean").arg(host[k].node.c_str()).arg(c)));
          QVERIFY2(std::abs(device[k].batchVar[c] - host[k].batchVar[c]) <= 1e-4 * (host[k].batchVar[c] + 1e-6),
                   qPrintable(QString("%1 channel %2 var: %3 vs %4")
                                  .arg(host[k].node.c_str())
                                  .arg(c)
                                  .arg(device[k].batchVar[c])
                                  .arg(host[k].batchVar[c])));
        }
      }
    };
    check(train::readBatchNormInternals(session.network()), train::batchNormInternalsOnHost(session.network()));

    const char* conv = R"(input x: 3x6x6
c = Conv2d(x, out_channels=5, kernel_size=3)
bn = BatchNorm2d(c)
f = Flatten(bn)
h = Linear(f, out_features=6)
bn1 = BatchNorm1d(h)
logits = Linear(bn1, out_features=3)
loss = CrossEntropyLoss(logits)
)";
    std::vector<float> x = test::randomFloats(8 * 3 * 6 * 6, 11, 0.5f, 2.5f);  // off-centre: the mean matters
    nn::Network net(*context_, test::graphOf(conv), 8);
    net.input().upload(std::span<const float>(x));
    const std::vector<uint32_t> labels{0, 1, 2, 0, 1, 2, 0, 1};
    net.labels().upload(std::span<const uint32_t>(labels));
    gpu::Recording rec(*context_, 0);
    net.recordForward(rec, true);
    context_->run(rec);
    const auto device = train::readBatchNormInternals(net);
    QCOMPARE(device.size(), size_t(2));
    QCOMPARE(device[0].samplesPerChannel, 8u * 4 * 4);
    QCOMPARE(device[1].samplesPerChannel, 8u);
    check(device, train::batchNormInternalsOnHost(net));
  }

  // Two probes in a row: the second's batch statistics are those of the batch through h in double,
  // its running statistics the first's moved by momentum 0.3 towards them (unbiased variance), and
  // its train/eval gap the double forward pass of the same batch in both modes.
  void batchNormStatisticsAndModeGap() {
    const auto data = data::makeToyDataset("blobs", {200, 0.5, 3, 2});
    train::TrainingOptions options;
    options.batch = 25;
    options.learningRate = 0.2;
    train::TrainingSession session(*context_, test::graphOf(kBatchNormNet), data, nullptr, options);
    session.train(5);
    const auto first = session.probeStep();
    QVERIFY(first.internals);
    const auto weightsBefore = parameterValues(session.network());
    const auto second = session.probeStep();
    const auto& bn = second.internals->batchNorms.at(0);
    const auto& bnBefore = first.internals->batchNorms.at(0);
    QCOMPARE(bn.node, std::string("bn"));
    QCOMPARE(bn.samplesPerChannel, 25u);

    nn::Network& net = session.network();
    const auto input = net.input().read<float>(25 * 2);
    const auto labels = net.labels().read<uint32_t>(25);
    std::vector<std::vector<double>> x;
    for (uint32_t b = 0; b < 25; ++b) x.push_back({input[b * 2], input[b * 2 + 1]});
    auto before = weightsBefore;
    const auto h = linear(x, before["h.weight"], before["h.bias"]);
    for (size_t c = 0; c < 4; ++c) {
      double mean = 0, var = 0;
      for (const auto& row : h) mean += row[c] / 25;
      for (const auto& row : h) var += (row[c] - mean) * (row[c] - mean) / 25;
      const double scale = 1 + std::abs(mean);
      QVERIFY2(std::abs(bn.batchMean[c] - mean) <= 1e-5 * scale, qPrintable(QString::number(c)));
      QVERIFY(std::abs(bn.batchVar[c] - var) <= 1e-5 * (var + 1e-6));
      const double runningMean = 0.7 * bnBefore.runningMean[c] + 0.3 * mean;
      const double runningVar = 0.7 * bnBefore.runningVar[c] + 0.3 * var * 25 / 24;
      QVERIFY(std::abs(bn.runningMean[c] - runningMean) <= 1e-5 * (1 + std::abs(runningMean)));
      QVERIFY(std::abs(bn.runningVar[c] - runningVar) <= 1e-5 * runningVar);
    }

    const auto after = parameterValues(net);
    QCOMPARE(after.at("bn.running_mean")[0], bn.runningMean[0]);  // the gap's training pass left them
    const auto [trainLoss, trainAccuracy] = batchNormNetLoss(after, x, labels, true);
    const auto [evalLoss, evalAccuracy] = batchNormNetLoss(after, x, labels, false);
    const auto& gap = *second.internals->modeGap;
    QVERIFY2(std::abs(gap.trainLoss - trainLoss) <= 1e-4 * trainLoss, qPrintable(QString::number(gap.trainLoss)));
    QVERIFY2(std::abs(gap.evalLoss - evalLoss) <= 1e-4 * evalLoss, qPrintable(QString::number(gap.evalLoss)));
    QVERIFY(std::abs(gap.trainLoss - gap.evalLoss) > 1e-3);  // the modes differ on this batch
    QCOMPARE(gap.trainAccuracy, trainAccuracy);
    QCOMPARE(gap.evalAccuracy, evalAccuracy);

    QVERIFY(!train::TrainingSession(*context_, test::graphOf(test::kMoonsNet),
                                    data::makeToyDataset("moons", {200, 0.1, 2, 1}), nullptr, options)
                 .probeStep()
                 .internals->modeGap);  // no BatchNorm, no Dropout: one mode
  }

  void distinctUnitsCountsAgreeingRows() {
    // Rows a, a, b, c, c (within 1e-6), c; then the last c with another bias.
    const std::vector<float> w = {1, 2, 1, 2, 1, 3, 5, 5, 5, 5.0000001f, 5, 5};
    const auto none = train::countDistinctUnits("w", w, {}, 6);
    QCOMPARE(none.distinct, 3u);
    QCOMPARE(none.twinned, 5u);
    const auto biased = train::countDistinctUnits("w", w, {0, 0, 0, 0, 0, 1}, 6);
    QCOMPARE(biased.distinct, 4u);
    QCOMPARE(biased.twinned, 4u);
    QCOMPARE(train::countDistinctUnits("w", {1, 2, 1.01f, 2}, {}, 2).distinct, 2u);
  }

  // A constant initialisation gives every hidden unit of a layer the same gradient: after 30 steps
  // of Adam each hidden layer is still one unit. A random one: all distinct.
  void constantInitKeepsOneUnit() {
    const auto data = data::makeToyDataset("moons", {200, 0.1, 2, 1});
    train::TrainingOptions options;
    options.batch = 20;
    const auto run = [&](const std::string& init) {
      const std::string text =
          "input x: 2\nh = Linear(x, out_features=12" + init + ")\na = Tanh(h)\nh2 = Linear(a, out_features=6" + init +
          ")\na2 = Tanh(h2)\nlogits = Linear(a2, out_features=2" + init + ")\nloss = CrossEntropyLoss(logits)\n";
      train::TrainingSession session(*context_, test::graphOf(text), data, nullptr, options,
                                     optim::createOptimizer(*context_, "adam", {{"lr", "0.01"}}));
      session.train(29);
      return session.probeStep().internals->distinctUnits;
    };
    const auto constant = run(", init=constant, init_value=0.3, bias_init=zeros");
    QCOMPARE(constant.size(), size_t(3));
    QCOMPARE(constant[0].parameter, std::string("h.weight"));
    QCOMPARE(constant[0].units, 12u);
    QCOMPARE(constant[0].distinct, 1u);
    QCOMPARE(constant[0].twinned, 12u);
    QCOMPARE(constant[1].distinct, 1u);
    QCOMPARE(constant[2].distinct, 2u);  // the two classes' scores get different gradients
    const auto random = run("");
    for (const auto& layer : random) QCOMPARE(layer.distinct, layer.units);
    QCOMPARE(random[0].twinned, 0u);
  }

  // The optimizer never sees a frozen layer's tensors (the step hands it the rest as one run): the
  // state is named after the others, each its part of the run.
  void frozenLayersAreLeftOut() {
    const auto data = data::makeToyDataset("blobs", {200, 0.5, 3, 2});
    train::TrainingOptions options;
    options.batch = 25;
    options.layers.frozen = {"h"};
    train::TrainingSession session(*context_, test::graphOf(kBatchNormNet), data, nullptr, options,
                                   optim::createOptimizer(*context_, "adam"));
    const auto report = session.probeStep();
    std::vector<std::string> names;
    for (const auto& t : report.internals->optimizer.tensors) names.push_back(t.parameter);
    QCOMPARE(names, (std::vector<std::string>{"bn.weight", "bn.bias", "logits.weight", "logits.bias"}));
    const train::StateSummary* m = report.internals->optimizer.tensors[2].find("exp_avg");
    QVERIFY2(m, std::to_string(report.internals->optimizer.tensors[2].states.size()).c_str());
    QCOMPARE(m->stats.count, uint64_t(12));
    // After one step m = (1 - beta1) g: its slice of the shared state is logits.weight's own.
    int checked = 0;
    for (const auto& p : report.parameters)
      if (p.name == "logits.weight") {
        QVERIFY(std::abs(m->norm - 0.1 * p.gradNorm) <= 1e-5 * p.gradNorm);
        ++checked;
      }
    QCOMPARE(checked, 1);
  }

  // train --internals FILE: the rows of every probe step; a folder that does not exist is refused
  // in one line before training.
  void cliWritesInternals() {
    QTemporaryDir dir;
    const QString net = dir.filePath("bn.net"), csv = dir.filePath("internals.csv");
    QFile file(net);
    QVERIFY(file.open(QIODevice::WriteOnly));
    file.write(kBatchNormNet);
    file.close();
    QProcess cli;
    cli.setProcessChannelMode(QProcess::MergedChannels);
    cli.start(GRADLAB_CLI, {"train", net, "--dataset", "blobs", "--steps", "20", "--batch", "25", "--probe-every", "10",
                            "--optimizer", "adam", "--internals", csv, "--quiet"});
    QVERIFY(cli.waitForFinished(120000));
    QVERIFY2(cli.exitCode() == 0, cli.readAll().constData());
    QFile rows(csv);
    QVERIFY(rows.open(QIODevice::ReadOnly));
    const QString text = QString::fromUtf8(rows.readAll());
    QVERIFY(text.startsWith("step,quantity,of,value\n"));
    for (const char* row :
         {"10,rms step,h.weight,", "20,rms sqrt_exp_avg_sq,logits.bias,", "20,batch mean,bn channel 3,",
          "20,eval-mode loss,batch,", "20,distinct units,h.weight,4\n", "10,bias correction 2,optimizer,"})
      QVERIFY2(text.contains(row), row);
    QVERIFY(!text.contains("\n30,"));

    cli.start(GRADLAB_CLI, {"train", net, "--dataset", "blobs", "--steps", "5", "--internals",
                            dir.filePath("missing/internals.csv"), "--quiet"});
    QVERIFY(cli.waitForFinished(120000));
    const QString output = QString::fromUtf8(cli.readAll()).trimmed();
    QVERIFY2(cli.exitCode() != 0 && !output.contains('\n') && output.contains("--internals"), qPrintable(output));
  }
};

QTEST_GUILESS_MAIN(TestInternals)
#include "test_internals.moc"

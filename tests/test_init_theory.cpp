// The initialisation theory the by-depth view draws (analysis/init_theory.h) against computations
// in double precision: each initialisation's weight variance against the sample variance of the
// values nn::initialValues really draws, closed forms for ReLU and a small tanh, and a whole
// network's predicted std by depth against a forward pass in double with the network's own
// initial weights on Gaussian inputs.
#include "analysis/init_theory.h"
#include "nn/initializer.h"
#include "support/gpu_test.h"

#include <QFile>
#include <QProcess>
#include <QRegularExpression>
#include <QTemporaryDir>
#include <QTest>

#include <cmath>
#include <numbers>
#include <random>

using namespace gradlab;

namespace {

double sampleVariance(const std::vector<float>& v) {
  double mean = 0, square = 0;
  for (float x : v) mean += x, square += double(x) * x;
  mean /= double(v.size());
  return square / double(v.size()) - mean * mean;
}

// The variance of each layer's output over all units and samples, by a forward pass in double of
// `graph` (a chain of Linear layers and activations) with its initial weights for `seed`, on
// `batch` inputs drawn from N(mean, std^2).
std::vector<double> measuredVariance(const nn::Graph& graph, uint32_t seed, uint32_t batch, double mean, double std) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  const uint32_t width = graph.inputs[0].shape.dims[0];
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(mean, std);
  std::vector<std::vector<double>> x(batch, std::vector<double>(width));
  for (auto& row : x)
    for (double& v : row) v = normal(rng);
  std::vector<double> stds;
  for (const size_t i : analysis.order) {
    const nn::Node& node = graph.nodes[i];
    const nn::NodeInfo& info = analysis.nodes[i];
    if (node.type.ends_with("Loss")) break;
    if (node.type == "Linear") {
      std::vector<float> w, b;
      for (const nn::ParamTensor& p : info.shape.params)
        (p.role == nn::ParamRole::Weight ? w : b) = nn::initialValues(info.params, p, node.name, seed);
      const size_t in = x[0].size(), out = w.size() / in;
      for (auto& row : x) {
        std::vector<double> y(out, 0.0);
        for (size_t o = 0; o < out; ++o) {
          for (size_t k = 0; k < in; ++k) y[o] += double(w[o * in + k]) * row[k];
          if (!b.empty()) y[o] += b[o];
        }
        row = std::move(y);
      }
    } else {
      for (auto& row : x)
        for (double& v : row)
          v = node.type == "ReLU" ? std::max(v, 0.0) : node.type == "Tanh" ? std::tanh(v) : 1 / (1 + std::exp(-v));
    }
    double sum = 0, square = 0, n = 0;
    for (const auto& row : x)
      for (double v : row) sum += v, square += v * v, ++n;
    stds.push_back(square / n - (sum / n) * (sum / n));
  }
  return stds;
}

}  // namespace

class TestInitTheory : public QObject {
  Q_OBJECT

 private slots:
  // Each init's Var[w] against the sample variance of 131072 values the initializer draws.
  void weightVarianceMatchesTheInitializer() {
    const std::vector<std::string> inits{"default",        "normal",         "uniform",         "xavier_normal",
                                         "xavier_uniform", "kaiming_normal", "kaiming_uniform", "scaled_variance"};
    for (const std::string& init : inits) {
      const std::string extra = init == "scaled_variance" ? ", init_c=2" : init == "normal" ? ", init_std=0.03" : "";
      const nn::Graph graph = test::graphOf("input x: 256\nh = Linear(x, out_features=512, init=" + init + extra +
                                            ", bias_init=default)\nloss = MSELoss(h)\n");
      const nn::GraphAnalysis analysis = nn::analyze(graph);
      const nn::NodeInfo& info = analysis.nodes[0];
      for (const nn::ParamTensor& p : info.shape.params) {
        const double sampled = sampleVariance(nn::initialValues(info.params, p, "h", 3));
        const double predicted = p.role == nn::ParamRole::Weight
                                     ? analysis::initialWeightVariance(info.params, p.fanIn, p.fanOut)
                                     : analysis::initialBiasMoments(info.params, p.fanIn).meanSquare;
        // 131072 weights: the sample variance is within ~1% (4 standard errors); 512 biases ~12%.
        const double tolerance = p.role == nn::ParamRole::Weight ? 0.015 : 0.15;
        QVERIFY2(std::abs(sampled - predicted) <= tolerance * predicted,
                 qPrintable(QString("%1 %2: sampled %3, predicted %4")
                                .arg(QString::fromStdString(init), QString::fromStdString(p.name))
                                .arg(sampled)
                                .arg(predicted)));
      }
    }
  }

  // ReLU of N(0, s^2): mean s / sqrt(2 pi), E[y^2] = s^2 / 2. Tanh of N(0, s^2) for a small s: ~ s.
  // Sigmoid of N(0, s^2): mean 1/2 by symmetry.
  void activationClosedForms() {
    const nn::NodeParams none =
        nn::analyze(test::graphOf("input x: 2\na = ReLU(x)\nloss = MSELoss(a)\n")).nodes[0].params;
    analysis::Moments out;
    QVERIFY(analysis::activationMoments("ReLU", none, {0, 4}, &out));
    QVERIFY2(std::abs(out.mean - 2 / std::sqrt(2 * std::numbers::pi)) < 1e-5,
             qPrintable(QString::number(out.mean, 'g', 12)));
    QVERIFY2(std::abs(out.meanSquare - 2) < 1e-5, qPrintable(QString::number(out.meanSquare, 'g', 12)));
    QVERIFY(analysis::activationMoments("Tanh", none, {0, 1e-6}, &out));
    QVERIFY(std::abs(out.std() - 1e-3) < 1e-8);
    QVERIFY(analysis::activationMoments("Sigmoid", none, {0, 9}, &out));
    QVERIFY(std::abs(out.mean - 0.5) < 1e-9);
    QVERIFY(!analysis::activationMoments("MaxPool2d", none, {0, 1}, &out));
  }

  // Deep chains with Xavier (tanh: the std shrinks slowly), He (ReLU: it stays), N(0, 0.01) (it
  // vanishes) and PyTorch's default: the predicted std of every layer within 5% of double forward
  // passes with the network's own initial weights. One draw of 512 units strays by ~1 / sqrt(512)
  // per layer (a unit's weights are fixed over the samples): the variance is averaged over 8 seeds.
  void predictedStdByDepthMatchesAForwardPass() {
    struct Case {
      std::string activation, init, bias;
    };
    // PyTorch's default bias (uniform within 1/sqrt(512)) where the weights' term dominates: where it
    // dominates instead (after N(0, 0.01) weights), the sample variance of 512 biases strays by ~10%.
    for (const Case& c : {Case{"Tanh", "xavier_normal", "zeros"}, Case{"ReLU", "kaiming_normal", "default"},
                          Case{"Tanh", "normal", "zeros"}, Case{"Sigmoid", "default", "default"}}) {
      std::string text = "input x: 512\n", previous = "x";
      for (int i = 1; i <= 4; ++i) {
        const std::string h = "h" + std::to_string(i), a = "a" + std::to_string(i);
        text += h + " = Linear(" + previous + ", out_features=512, init=" + c.init + ", bias_init=" + c.bias + ")\n";
        text += a + " = " + c.activation + "(" + h + ")\n";
        previous = a;
      }
      text += "logits = Linear(" + previous + ", out_features=512)\nloss = MSELoss(logits)\n";
      const nn::Graph graph = test::graphOf(text);
      const double mean = 0.3, std = 1.2;
      const auto predicted = analysis::predictActivations(graph, {mean, mean * mean + std * std});
      std::vector<double> measured(predicted.size(), 0.0);
      for (uint32_t seed = 1; seed <= 8; ++seed) {
        const auto variances = measuredVariance(graph, seed, 64, mean, std);
        for (size_t i = 0; i < measured.size(); ++i) measured[i] += variances.at(i) / 8;
      }
      for (double& v : measured) v = std::sqrt(v);
      QCOMPARE(predicted.size(), size_t(9));  // four Linear + activation pairs and the logits
      for (size_t i = 0; i < predicted.size(); ++i)
        QVERIFY2(std::abs(predicted[i].output.std() - measured[i]) <= 0.05 * measured[i],
                 qPrintable(QString("%1 %2, %3: predicted %4, measured %5")
                                .arg(QString::fromStdString(c.activation), QString::fromStdString(c.init),
                                     QString::fromStdString(predicted[i].node))
                                .arg(predicted[i].output.std())
                                .arg(measured[i])));
    }
  }

  // gradlab-cli probe prints the theory's std beside the std the device measured (one forward
  // pass, 4096 gaussian samples): within 8% at every layer of a Xavier tanh chain 512 wide (one
  // draw of the weights strays by ~1 / sqrt(512) a layer); "-" where the theory stops (the loss).
  void probeCommandPrintsTheTheory() {
    QTemporaryDir dir;
    const QString net = dir.filePath("tanh.net");
    QFile file(net);
    QVERIFY(file.open(QIODevice::WriteOnly));
    std::string text = "input x: 512\n", previous = "x";
    for (int i = 1; i <= 4; ++i) {
      const std::string h = "h" + std::to_string(i), a = "a" + std::to_string(i);
      text += h + " = Linear(" + previous + ", out_features=512, init=xavier_normal)\n" + a + " = Tanh(" + h + ")\n";
      previous = a;
    }
    file.write(
        (text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n").c_str());
    file.close();
    QProcess cli;
    cli.start(GRADLAB_CLI, {"probe", net, "--batch", "4096"});
    QVERIFY(cli.waitForFinished(120000));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput());
    QCOMPARE(cli.exitCode(), 0);
    int rows = 0;
    for (const QString& line : out.split('\n')) {
      const QStringList cells = line.simplified().split(' ');
      if (cells.size() < 9 || !(cells[0].startsWith('h') || cells[0].startsWith('a'))) continue;
      const double measured = cells[3].toDouble(), theory = cells.last().toDouble();
      QVERIFY2(std::abs(theory - measured) <= 0.08 * measured, qPrintable(line));
      ++rows;
    }
    QCOMPARE(rows, 8);
    QVERIFY2(out.contains(QRegularExpression("\\nloss .* -\\n")), qPrintable(out));
  }

  // A layer without a rule ends the prediction; a loss is never predicted.
  void stopsWhereTheTheoryDoes() {
    const auto pooled = analysis::predictActivations(
        test::graphOf("input x: 1x8x8\nc = Conv2d(x, out_channels=4, kernel_size=3, padding=1)\nr = ReLU(c)\n"
                      "p = MaxPool2d(r, kernel_size=2)\nf = Flatten(p)\nlogits = Linear(f, out_features=2)\n"
                      "loss = CrossEntropyLoss(logits)\n"),
        {0, 1});
    QCOMPARE(pooled.size(), size_t(2));
    QCOMPARE(pooled[1].node, std::string("r"));
    const auto constant = analysis::predictActivations(
        test::graphOf("input x: 3\nh = Linear(x, out_features=3, init=constant, init_value=0.5)\nloss = MSELoss(h)\n"),
        {0, 1});
    QVERIFY(constant.empty());
    const auto normalised = analysis::predictActivations(
        test::graphOf("input x: 3\nh = Linear(x, out_features=3)\nb = BatchNorm1d(h)\nd = Dropout(b, p=0.5)\n"
                      "logits = Linear(d, out_features=2)\nloss = MSELoss(logits)\n"),
        {0, 1});
    QCOMPARE(normalised.size(), size_t(4));
    QVERIFY(std::abs(normalised[2].output.meanSquare - 2) < 1e-12);  // E[x^2] = 1 / (1 - p)
  }
};

QTEST_GUILESS_MAIN(TestInitTheory)
#include "test_init_theory.moc"

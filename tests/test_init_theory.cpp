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

// The mean square of the loss's gradient with respect to each layer's output, by a forward and a
// backward pass in double of `graph` (a chain of Linear layers and activations, the loss last) with
// its initial weights for `seed`, on `batch` inputs from N(0, 1) and a gradient from N(0, 1) at the
// loss's input: independent of the weights, as the Xavier / He argument assumes.
std::vector<double> measuredGradientMeanSquare(const nn::Graph& graph, uint32_t seed, uint32_t batch) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> normal(0, 1);
  using Rows = std::vector<std::vector<double>>;
  Rows x(batch, std::vector<double>(graph.inputs[0].shape.dims[0]));
  for (auto& row : x)
    for (double& v : row) v = normal(rng);
  struct Step {
    const nn::Node* node;
    std::vector<float> w;
    Rows in;
  };
  std::vector<Step> steps;
  for (const size_t i : analysis.order) {
    const nn::Node& node = graph.nodes[i];
    if (node.type.ends_with("Loss")) break;
    Step step{&node, {}, x};
    if (node.type == "Linear") {
      std::vector<float> b;
      for (const nn::ParamTensor& p : analysis.nodes[i].shape.params)
        (p.role == nn::ParamRole::Weight ? step.w : b) =
            nn::initialValues(analysis.nodes[i].params, p, node.name, seed);
      const size_t in = x[0].size(), out = step.w.size() / in;
      for (auto& row : x) {
        std::vector<double> y(out, 0.0);
        for (size_t o = 0; o < out; ++o)
          for (size_t k = 0; k < in; ++k) y[o] += double(step.w[o * in + k]) * row[k];
        row = std::move(y);
      }
    } else {
      for (auto& row : x)
        for (double& v : row) v = node.type == "ReLU" ? std::max(v, 0.0) : std::tanh(v);
    }
    steps.push_back(std::move(step));
  }
  for (auto& row : x)
    for (double& v : row) v = normal(rng);
  std::vector<double> meanSquares(steps.size());
  for (size_t s = steps.size(); s-- > 0;) {
    double square = 0, n = 0;
    for (const auto& row : x)
      for (double v : row) square += v * v, ++n;
    meanSquares[s] = square / n;
    const Step& step = steps[s];
    for (size_t r = 0; r < x.size(); ++r) {
      const std::vector<double>& in = step.in[r];
      std::vector<double> dx(in.size(), 0.0);
      for (size_t k = 0; k < in.size(); ++k)
        if (step.node->type == "Linear")
          for (size_t o = 0; o < x[r].size(); ++o) dx[k] += double(step.w[o * in.size() + k]) * x[r][o];
        else if (step.node->type == "ReLU")
          dx[k] = in[k] > 0 ? x[r][k] : 0;
        else
          dx[k] = (1 - std::tanh(in[k]) * std::tanh(in[k])) * x[r][k];
      x[r] = std::move(dx);
    }
  }
  return meanSquares;
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

  // Deep chains at Xavier (tanh: the gradient shrinks towards the input) and He (ReLU: it keeps):
  // the predicted gradient std of every layer, back from a gradient of std 1 at the logits, within
  // 12% of double backward passes averaged over 6 seeds (one draw of 256 units strays ~6% a layer).
  void predictedGradientStdByDepthMatchesABackwardPass() {
    for (const auto& [activation, init] : {std::pair{"Tanh", "xavier_normal"}, std::pair{"ReLU", "kaiming_normal"}}) {
      std::string text = "input x: 256\n", previous = "x";
      for (int i = 1; i <= 5; ++i) {
        const std::string h = "h" + std::to_string(i), a = "a" + std::to_string(i);
        text += h + " = Linear(" + previous + ", out_features=256, init=" + init + ", bias_init=zeros)\n";
        text += a + " = " + std::string(activation) + "(" + h + ")\n";
        previous = a;
      }
      text += "logits = Linear(" + previous + ", out_features=256, init=" + init + ", bias_init=zeros)\n" +
              "loss = MSELoss(logits)\n";
      const nn::Graph graph = test::graphOf(text);
      const auto layers = analysis::predictActivations(graph, {0, 1});
      const auto predicted = analysis::predictGradients(layers, "logits", 1.0);
      QCOMPARE(predicted.size(), size_t(11));  // every layer: the graph's input has no layer
      std::vector<double> measured(predicted.size(), 0.0);
      for (uint32_t seed = 1; seed <= 6; ++seed) {
        const auto meanSquares = measuredGradientMeanSquare(graph, seed, 32);
        for (size_t i = 0; i < measured.size(); ++i) measured[i] += meanSquares.at(i) / 6;
      }
      for (size_t i = 0; i < predicted.size(); ++i)
        QVERIFY2(std::abs(predicted[i].std - std::sqrt(measured[i])) <= 0.12 * std::sqrt(measured[i]),
                 qPrintable(QString("%1, %2: predicted %3, measured %4")
                                .arg(activation, QString::fromStdString(predicted[i].node))
                                .arg(predicted[i].std)
                                .arg(std::sqrt(measured[i]))));
      // Xavier tanh loses gradient towards the input; He ReLU keeps it within the 12%.
      if (std::string(activation) == "Tanh") QVERIFY(predicted.front().std < 0.8 * predicted.back().std);
    }
  }

  // Two Linear layers, N(0, 0.5^2) then N(0, 0.2^2) weights, 3 -> 4 -> 2: the gradient at the first
  // layer's output has E[dx^2] = n_out Var[w] E[dy^2] = 2 * 0.04 * E[dy^2]; the graph's input has none.
  // The activations' derivative moments: ReLU 1/2 (the trapezoid rule steps over its kink: ~5e-4),
  // tanh ~1 and sigmoid ~1/16 near 0.
  void gradientClosedForms() {
    const nn::Graph graph = test::graphOf(
        "input x: 3\nh1 = Linear(x, out_features=4, init=normal, init_std=0.5)\n"
        "h2 = Linear(h1, out_features=2, init=normal, init_std=0.2)\nloss = MSELoss(h2)\n");
    const auto layers = analysis::predictActivations(graph, {0, 1});
    QCOMPARE(layers.size(), size_t(2));
    QCOMPARE(layers[0].gradientGain, 0.0);
    QVERIFY(std::abs(layers[1].gradientGain - 2 * 0.04) < 1e-12);
    const auto gradients = analysis::predictGradients(layers, "h2", 3.0);
    QCOMPARE(gradients.size(), size_t(2));
    QCOMPARE(gradients[0].node, std::string("h1"));
    QVERIFY2(std::abs(gradients[0].std - 3.0 * std::sqrt(0.08)) < 1e-12, qPrintable(QString::number(gradients[0].std)));
    QCOMPARE(gradients[1].std, 3.0);
    QVERIFY(analysis::predictGradients(layers, "loss", 1.0).empty());
    const nn::NodeParams none =
        nn::analyze(test::graphOf("input x: 2\na = ReLU(x)\nloss = MSELoss(a)\n")).nodes[0].params;
    QVERIFY(std::abs(analysis::activationDerivativeMeanSquare("ReLU", none, {0, 4}) - 0.5) < 1e-3);
    QVERIFY(std::abs(analysis::activationDerivativeMeanSquare("Tanh", none, {0, 1e-6}) - 1) < 1e-4);
    QVERIFY(std::abs(analysis::activationDerivativeMeanSquare("Sigmoid", none, {0, 1e-6}) - 1.0 / 16) < 1e-5);
    QVERIFY(analysis::activationDerivativeMeanSquare("MaxPool2d", none, {0, 1}) < 0);
  }

  // gradlab-cli probe --gradients: the theory's gradient std beside the measured one, back from
  // the logits' measured gradient, within 15% on a Xavier tanh chain.
  void probeCommandPrintsTheGradientTheory() {
    QTemporaryDir dir;
    const QString net = dir.filePath("tanh.net");
    QFile file(net);
    QVERIFY(file.open(QIODevice::WriteOnly));
    std::string text = "input x: 256\n", previous = "x";
    for (int i = 1; i <= 4; ++i) {
      const std::string h = "h" + std::to_string(i), a = "a" + std::to_string(i);
      text += h + " = Linear(" + previous + ", out_features=256, init=xavier_normal)\n" + a + " = Tanh(" + h + ")\n";
      previous = a;
    }
    file.write(
        (text + "logits = Linear(" + previous + ", out_features=10)\nloss = CrossEntropyLoss(logits)\n").c_str());
    file.close();
    QProcess cli;
    cli.start(GRADLAB_CLI, {"probe", net, "--batch", "1024", "--gradients"});
    QVERIFY(cli.waitForFinished(120000));
    const QString out = QString::fromUtf8(cli.readAllStandardOutput());
    QCOMPARE(cli.exitCode(), 0);
    QVERIFY2(out.contains("theory grad std"), qPrintable(out));
    int rows = 0;
    for (const QString& line : out.split('\n')) {
      const QStringList cells = line.simplified().split(' ');
      if (cells.size() < 11 || !(cells[0].startsWith('h') || cells[0].startsWith('a'))) continue;
      const double measured = cells[8].toDouble(), theory = cells.last().toDouble();
      QVERIFY2(std::abs(theory - measured) <= 0.15 * measured, qPrintable(line));
      ++rows;
    }
    QCOMPARE(rows, 8);
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

// Receptive fields: the theoretical table against hand-computed fields (conv stacks, dilation,
// strides, LeNet-5, a residual network) and against an exact dependency propagation on random
// small CNNs; the effective receptive field's seeded backward pass against finite differences of
// the double-precision reference, and bad units explained.
#include "analysis/effective_receptive_field.h"
#include "analysis/receptive_field.h"
#include "nn/network.h"
#include "nn/network_text.h"
#include "support/gpu_test.h"

#include <QTest>

#include <map>
#include <random>

using namespace gradlab;
using analysis::ReceptiveField;

namespace {

// A graph from its layers, closed by a classifier so that it is valid.
nn::Graph withHead(const std::string& input, const std::string& layers, const std::string& last) {
  return test::graphOf("input x: " + input + "\n" + layers + "flat = Flatten(" + last +
                       ")\nlogits = Linear(flat, out_features=3)\nloss = CrossEntropyLoss(logits)\n");
}

const ReceptiveField& fieldOf(const std::vector<ReceptiveField>& fields, const std::string& node) {
  for (const auto& f : fields)
    if (f.node == node) return f;
  throw std::runtime_error("no field for " + node);
}

// Checks size, jump and start on both axes.
#define CHECK_FIELD(fields, node, size_, jump_, start_) \
  do {                                                  \
    const ReceptiveField& f_ = fieldOf(fields, node);   \
    QVERIFY2(!f_.whole, node);                          \
    QCOMPARE(f_.rows.size, double(size_));              \
    QCOMPARE(f_.rows.jump, double(jump_));              \
    QCOMPARE(f_.rows.start, double(start_));            \
    QCOMPARE(f_.cols.size, double(size_));              \
    QCOMPARE(f_.cols.jump, double(jump_));              \
    QCOMPARE(f_.cols.start, double(start_));            \
  } while (0)

// Which input pixels one unit can depend on, propagated exactly from output positions back to
// input positions through each layer's index arithmetic (channels are dense, so positions suffice).
std::vector<bool> dependencies(const nn::Graph& graph, size_t node, uint32_t y, uint32_t x) {
  const nn::GraphAnalysis a = nn::analyze(graph);
  std::map<std::string, std::vector<bool>> mask;
  auto shapeOf = [&](const std::string& name) { return a.shapes.at(name); };
  auto maskOf = [&](const std::string& name) -> std::vector<bool>& {
    auto& m = mask[name];
    if (m.empty()) m.assign(shapeOf(name).height() * shapeOf(name).width(), false);
    return m;
  };
  const nn::Shape& out = a.nodes[node].shape.output;
  maskOf(graph.nodes[node].name)[y * out.width() + x] = true;
  for (auto it = a.order.rbegin(); it != a.order.rend(); ++it) {
    const nn::Node& n = graph.nodes[*it];
    if (!mask.count(n.name)) continue;
    const std::vector<bool> mine = mask[n.name];
    const nn::NodeParams& p = a.nodes[*it].params;
    const uint32_t outW = a.nodes[*it].shape.output.width(), outH = a.nodes[*it].shape.output.height();
    for (const auto& inName : n.inputs) {
      std::vector<bool>& theirs = maskOf(inName);
      const int inH = int(shapeOf(inName).height()), inW = int(shapeOf(inName).width());
      auto mark = [&](int iy, int ix) {
        if (iy >= 0 && iy < inH && ix >= 0 && ix < inW) theirs[iy * inW + ix] = true;
      };
      for (uint32_t oy = 0; oy < outH; ++oy)
        for (uint32_t ox = 0; ox < outW; ++ox) {
          if (!mine[oy * outW + ox]) continue;
          if (n.type == "Conv2d" || n.type == "MaxPool2d" || n.type == "AvgPool2d") {
            const int k = int(p.integer("kernel_size")), pad = int(p.integer("padding"));
            const int s = p.integer("stride") ? int(p.integer("stride")) : k;
            const int d = n.type == "Conv2d" ? int(p.integer("dilation")) : 1;
            for (int i = 0; i < k; ++i)
              for (int j = 0; j < k; ++j) mark(int(oy) * s - pad + i * d, int(ox) * s - pad + j * d);
          } else if (n.type == "ConvTranspose2d") {  // out = in * s - pad + tap * d
            const int k = int(p.integer("kernel_size")), s = int(p.integer("stride")), pad = int(p.integer("padding")),
                      d = int(p.integer("dilation"));
            for (int i = 0; i < k; ++i)
              for (int j = 0; j < k; ++j) {
                const int ry = int(oy) + pad - i * d, rx = int(ox) + pad - j * d;
                if (ry >= 0 && rx >= 0 && ry % s == 0 && rx % s == 0) mark(ry / s, rx / s);
              }
          } else {  // element-wise and Add: the same position
            mark(int(oy), int(ox));
          }
        }
    }
  }
  return maskOf(graph.inputs[0].name);
}

// A random small CNN: convolutions (stride, padding, dilation), pools, activations, residual
// blocks, and with `transposed` a transposed convolution.
nn::Graph randomCnn(std::mt19937& rng, bool transposed) {
  for (;;) {
    auto pick = [&](int lo, int hi) { return lo + int(rng() % uint32_t(hi - lo + 1)); };
    const int size = pick(14, 22);
    std::string text, last = "x";
    const int layers = pick(2, 5);
    for (int l = 0; l < layers; ++l) {
      const std::string name = "l" + std::to_string(l);
      const int kind = pick(0, transposed ? 5 : 4);
      if (kind <= 1) {
        const int k = pick(1, 4), d = pick(1, 2);
        text += name + " = Conv2d(" + last + ", out_channels=2, kernel_size=" + std::to_string(k) +
                ", stride=" + std::to_string(pick(1, 2)) + ", padding=" + std::to_string(pick(0, k / 2)) +
                ", dilation=" + std::to_string(d) + ")\n";
      } else if (kind == 2) {
        const int k = pick(2, 3);
        text += name + " = " + (rng() % 2 ? "MaxPool2d" : "AvgPool2d") + "(" + last +
                ", kernel_size=" + std::to_string(k) + ", stride=" + std::to_string(pick(1, 2)) +
                ", padding=" + std::to_string(pick(0, k / 2)) + ")\n";
      } else if (kind == 3) {
        text += name + " = ReLU(" + last + ")\n";
      } else if (kind == 4) {  // residual block: a shape-keeping convolution added to its input
        const int k = 2 * pick(0, 2) + 1, d = pick(1, 2);
        text += name + "_c = Conv2d(" + last + ", out_channels=2, kernel_size=" + std::to_string(k) +
                ", padding=" + std::to_string((k - 1) / 2 * d) + ", dilation=" + std::to_string(d) + ")\n";
        text += name + " = Add(" + name + "_c, " + last + ")\n";
      } else {
        text += name + " = ConvTranspose2d(" + last + ", out_channels=2, kernel_size=" + std::to_string(pick(1, 4)) +
                ", stride=" + std::to_string(pick(1, 3)) + ", padding=" + std::to_string(pick(0, 1)) +
                ", dilation=" + std::to_string(pick(1, 2)) + ")\n";
      }
      last = name;
    }
    // The first layer reads the input's 2 channels: Add needs matching channels, so the input has 2.
    nn::Graph g;
    try {
      g = withHead("2x" + std::to_string(size) + "x" + std::to_string(size), text, last);
    } catch (const std::exception&) {
      continue;
    }
    if (nn::analyze(g).ok()) return g;
  }
}

size_t indexOf(const nn::Graph& g, const std::string& name) {
  for (size_t i = 0; i < g.nodes.size(); ++i)
    if (g.nodes[i].name == name) return i;
  throw std::runtime_error("no node " + name);
}

}  // namespace

class TestReceptiveField : public QObject {
  Q_OBJECT
  std::unique_ptr<gpu::Context> context_;

 private slots:
  void initTestCase() { context_ = test::makeContext(); }
  void cleanup() { test::verifyNoValidationMessages(*context_); }

  void stackedConvolutionsGrowTheField() {
    auto f = analysis::receptiveFields(withHead("1x16x16",
                                                "c1 = Conv2d(x, out_channels=2, kernel_size=3)\n"
                                                "c2 = Conv2d(c1, out_channels=2, kernel_size=3)\n"
                                                "c3 = Conv2d(c2, out_channels=2, kernel_size=3)\n",
                                                "c3"));
    CHECK_FIELD(f, "x", 1, 1, 0);
    CHECK_FIELD(f, "c1", 3, 1, 0);
    CHECK_FIELD(f, "c2", 5, 1, 0);
    CHECK_FIELD(f, "c3", 7, 1, 0);
    QVERIFY(fieldOf(f, "flat").whole);
    QVERIFY(fieldOf(f, "logits").whole);

    f = analysis::receptiveFields(
        withHead("1x16x16", "c1 = Conv2d(x, out_channels=2, kernel_size=3, dilation=2)\n", "c1"));
    CHECK_FIELD(f, "c1", 5, 1, 0);

    f = analysis::receptiveFields(withHead("1x16x16",
                                           "c1 = Conv2d(x, out_channels=2, kernel_size=3, stride=2, padding=1)\n"
                                           "c2 = Conv2d(c1, out_channels=2, kernel_size=3)\n",
                                           "c2"));
    CHECK_FIELD(f, "c1", 3, 2, -1);
    CHECK_FIELD(f, "c2", 7, 2, -1);
    // Unit (2, 3) of c2 covers input rows [-1 + 4, -1 + 4 + 6] and columns [-1 + 6, -1 + 6 + 6].
    const auto box = analysis::inputBox(fieldOf(f, "c2"), 2, 3, nn::Shape{1, 16, 16});
    QCOMPARE(box.top, 3);
    QCOMPARE(box.bottom, 9);
    QCOMPARE(box.left, 5);
    QCOMPARE(box.right, 11);
  }

  void lenetByHand() {
    const auto f = analysis::receptiveFields(nn::loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/lenet5.net"));
    CHECK_FIELD(f, "c1", 5, 1, -2);   // 5x5, padding 2
    CHECK_FIELD(f, "a1", 5, 1, -2);   // tanh keeps it
    CHECK_FIELD(f, "s2", 6, 2, -2);   // 2x2 average, stride 2: 5 + 1
    CHECK_FIELD(f, "c3", 14, 2, -2);  // 5x5 at jump 2: 6 + 4 * 2
    CHECK_FIELD(f, "s4", 16, 4, -2);  // 14 + 1 * 2
    for (const char* dense : {"flat", "f5", "a5", "f6", "a6", "logits", "loss"})
      QVERIFY2(fieldOf(f, dense).whole, dense);
    // The centre of c3's unit (0, 0) is input pixel 4.5: (−2 + 11) / 2.
    QCOMPARE(fieldOf(f, "c3").rows.centre(0), 4.5);
  }

  void residualBlocksTakeTheUnion() {
    const auto f = analysis::receptiveFields(nn::loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/residual_cnn.net"));
    CHECK_FIELD(f, "stem_act", 3, 1, -1);
    CHECK_FIELD(f, "b1_c2", 7, 1, -3);
    CHECK_FIELD(f, "b1_bn2", 7, 1, -3);  // batch norm: element-wise at evaluation
    CHECK_FIELD(f, "b1_sum", 7, 1, -3);  // hull of 7 (from -3) and 3 (from -1)
    CHECK_FIELD(f, "b2_c1", 9, 2, -4);
    CHECK_FIELD(f, "b2_c2", 13, 2, -6);
    CHECK_FIELD(f, "b2_skip", 7, 2, -3);  // 1x1, stride 2
    CHECK_FIELD(f, "b2_sum", 13, 2, -6);  // [-6, 6] contains [-3, 3]
    QVERIFY(fieldOf(f, "b2_sum").note.find("union") != std::string::npos);
    QVERIFY(fieldOf(f, "pool").whole);

    // Two paths whose fields are shifted against each other: the union reaches past both.
    const auto g =
        analysis::receptiveFields(withHead("1x12x12",
                                           "a = Conv2d(x, out_channels=1, kernel_size=3, stride=3)\n"
                                           "b = Conv2d(x, out_channels=1, kernel_size=3, stride=3, padding=1)\n"
                                           "s = Add(a, b)\n",
                                           "s"));
    CHECK_FIELD(g, "a", 3, 3, 0);
    CHECK_FIELD(g, "b", 3, 3, -1);
    CHECK_FIELD(g, "s", 4, 3, -1);  // [0, 2] and [-1, 1]
  }

  void otherLayersAreDocumented() {
    const auto f = analysis::receptiveFields(
        withHead("1x10x10",
                 "u = ConvTranspose2d(x, out_channels=1, kernel_size=3, stride=2, padding=1)\n"
                 "n = GroupNorm(u, num_groups=1)\n"
                 "g = GlobalAvgPool2d(n)\n",
                 "g"));
    const ReceptiveField& u = fieldOf(f, "u");
    QCOMPARE(u.rows.jump, 0.5);
    QCOMPARE(u.rows.size, 2.0);    // 1 + 2 / 2
    QCOMPARE(u.rows.start, -0.5);  // (1 - 2) / 2
    // Output 0 = input 0 * 2 - 1 + tap 1: only input 0; output 1: inputs 0 and 1.
    auto box = analysis::inputBox(u, 0, 1, nn::Shape{1, 10, 10});
    QCOMPARE(box.top, 0);
    QCOMPARE(box.bottom, 0);
    QCOMPARE(box.left, 0);
    QCOMPARE(box.right, 1);
    QVERIFY(fieldOf(f, "n").whole);  // per-sample statistics
    QVERIFY(fieldOf(f, "g").whole);

    const auto flat =
        analysis::receptiveFields(test::graphOf("input x: 5\nh = Linear(x, out_features=3)\nloss = MSELoss(h)\n"));
    QVERIFY(fieldOf(flat, "h").whole);
    QVERIFY_THROWS_EXCEPTION(
        std::invalid_argument,
        analysis::receptiveFields(test::graphOf("input x: 1x4x4\nh = Linear(x, out_features=3)\n")));
  }

  // The theoretical box holds every pixel a unit depends on, and (when it lies inside the image and
  // no transposed convolution rounds it) each of its four edges holds one.
  void randomNetworksMatchExactDependencies() {
    std::mt19937 rng(5);
    int touching = 0;
    for (int trial = 0; trial < 60; ++trial) {
      const bool transposed = trial % 3 == 2;
      const nn::Graph g = randomCnn(rng, transposed);
      const auto fields = analysis::receptiveFields(g);
      const nn::Shape& in = g.inputs[0].shape;
      for (size_t n = 0; n < g.nodes.size(); ++n) {
        const ReceptiveField& field = fields[n + 1];
        if (field.whole) continue;
        const uint32_t y = uint32_t(rng() % field.shape.height()), x = uint32_t(rng() % field.shape.width());
        const auto deps = dependencies(g, n, y, x);
        const auto box = analysis::inputBox(field, y, x, in);
        bool top = false, bottom = false, left = false, right = false;
        for (int py = 0; py < int(in.height()); ++py)
          for (int px = 0; px < int(in.width()); ++px) {
            if (!deps[py * in.width() + px]) continue;
            QVERIFY2(box.contains(py, px), qPrintable(QString("%1 unit (%2, %3): pixel (%4, %5) outside the box\n%6")
                                                          .arg(field.node.c_str())
                                                          .arg(y)
                                                          .arg(x)
                                                          .arg(py)
                                                          .arg(px)
                                                          .arg(nn::printNetwork(g).c_str())));
            top |= py == box.top, bottom |= py == box.bottom, left |= px == box.left, right |= px == box.right;
          }
        const bool inside = field.rows.first(y) >= 0 && field.cols.first(x) >= 0 &&
                            field.rows.last(y) <= in.height() - 1 && field.cols.last(x) <= in.width() - 1;
        if (transposed || !inside) continue;
        QVERIFY2(top && bottom && left && right,
                 qPrintable(QString("%1 unit (%2, %3) does not reach its box's edges\n%4")
                                .arg(field.node.c_str())
                                .arg(y)
                                .arg(x)
                                .arg(nn::printNetwork(g).c_str())));
        ++touching;
      }
    }
    QVERIFY2(touching > 40, qPrintable(QString::number(touching)));  // the edge check really ran
  }

  // The seeded backward pass gives each sample's d unit / d input: compared with central finite
  // differences of the double-precision reference (evaluation mode), and zero outside the box.
  void effectiveFieldMatchesReference() {
    const nn::Graph g = withHead("2x9x9",
                                 "c1 = Conv2d(x, out_channels=3, kernel_size=3, padding=1)\n"
                                 "b1 = BatchNorm2d(c1)\n"
                                 "a1 = Tanh(b1)\n"
                                 "d1 = Dropout(a1, p=0.5)\n"
                                 "c2 = Conv2d(d1, out_channels=3, kernel_size=3, stride=2, dilation=1)\n"
                                 "a2 = ELU(c2)\n"
                                 "s = Add(a2, c2)\n",
                                 "s");
    const uint32_t batch = 3;
    nn::Network net(*context_, g, batch, 4);
    const auto input = test::randomFloats(batch * 2 * 81, 9);
    net.input().upload(input.data(), input.size() * 4);
    const analysis::Unit unit{"s", 1, 2, 1};
    const auto erf = analysis::effectiveReceptiveField(net, unit);
    const auto got = net.inputGradient().read<float>(input.size());

    std::vector<nn::RefTensor> params;
    for (auto& p : net.parameters()) {
      const auto v = p.readValues();
      params.emplace_back(v.begin(), v.end());
    }
    const size_t node = indexOf(g, "s");
    const size_t outIndex = (size_t(unit.channel) * 4 + unit.y) * 4 + unit.x;  // s is 3x4x4
    const std::vector<uint32_t> labels(batch, 0);
    nn::RefTensor x(input.begin(), input.end());
    std::vector<double> want(input.size());
    double top = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const size_t b = i / (2 * 81), per = 3 * 16;
      const double saved = x[i], h = 1e-6;
      x[i] = saved + h;
      const double up = net.reference(x, labels, params, false, 0).activations[node][b * per + outIndex];
      x[i] = saved - h;
      const double down = net.reference(x, labels, params, false, 0).activations[node][b * per + outIndex];
      x[i] = saved;
      want[i] = (up - down) / (2 * h);
      top = std::max(top, std::abs(want[i]));
    }
    QVERIFY(top > 0.01);
    std::vector<double> scale(want.size(), top);
    QVERIFY2(test::maxScaledError(got, want, scale) < 1e-4, "seeded gradient differs from the reference");

    // Unit (2, 1) of s: rows [-1 + 4, 3 + 4] = [3, 7], columns [1, 5].
    QCOMPARE(erf.box.top, 3);
    QCOMPARE(erf.box.bottom, 7);
    QCOMPARE(erf.box.left, 1);
    QCOMPARE(erf.box.right, 5);
    double inside = 0;
    for (uint32_t py = 0; py < 9; ++py)
      for (uint32_t px = 0; px < 9; ++px) {
        if (erf.box.contains(int(py), int(px)))
          inside += erf.at(py, px);
        else
          QCOMPARE(erf.at(py, px), 0.0);
      }
    QVERIFY(inside > 0);
    // The heat is the batch and channel mean of |gradient|.
    double corner = 0;
    for (uint32_t b = 0; b < batch; ++b)
      for (uint32_t c = 0; c < 2; ++c) corner += std::abs(got[(b * 2 + c) * 81 + 3 * 9 + 1]) / (batch * 2);
    QVERIFY(std::abs(erf.at(3, 1) - corner) <= 1e-6 * std::max(corner, 1e-3));
  }

  // Through Flatten and Linear, one hidden unit's field is its weight row, whatever the input.
  void effectiveFieldOfADenseUnitIsItsWeights() {
    nn::Network net(*context_,
                    test::graphOf("input x: 1x4x5\nf = Flatten(x)\nh = Linear(f, out_features=3)\n"
                                  "a = ReLU(h)\nlogits = Linear(a, out_features=2)\nloss = CrossEntropyLoss(logits)\n"),
                    2, 1);
    const auto noise = test::randomFloats(40, 2);
    net.input().upload(noise.data(), noise.size() * 4);
    const auto erf = analysis::effectiveReceptiveField(net, {"h", 2, 0, 0});
    const auto w = net.parameters()[0].readValues();
    QCOMPARE(erf.height, 4u);
    QCOMPARE(erf.width, 5u);
    for (uint32_t p = 0; p < 20; ++p) QVERIFY(std::abs(erf.heat[p] - std::abs(w[40 + p])) <= 1e-6);
    QVERIFY(erf.theoretical.whole);
    QCOMPARE(erf.box.bottom, 3);
    QCOMPARE(erf.box.right, 4);
  }

  void badUnitsAreExplained() {
    nn::Network net(*context_, withHead("1x6x6", "c = Conv2d(x, out_channels=2, kernel_size=3)\n", "c"), 1);
    auto message = [&](const analysis::Unit& unit) {
      try {
        analysis::effectiveReceptiveField(net, unit);
      } catch (const std::invalid_argument& e) {
        return std::string(e.what());
      }
      return std::string("no error");
    };
    QVERIFY(message({"nope"}).find("no layer named 'nope'") != std::string::npos);
    QVERIFY(message({"loss"}).find("choose a layer before it") != std::string::npos);
    const std::string range = message({"c", 0, 4, 0});
    QVERIFY2(range.find("2x4x4") != std::string::npos && range.find("y below 4") != std::string::npos, range.c_str());
    QVERIFY(message({"c", 2, 0, 0}).find("channel below 2") != std::string::npos);
  }
};

QTEST_GUILESS_MAIN(TestReceptiveField)
#include "test_receptive_field.moc"

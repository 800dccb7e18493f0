// Networks as graphs: the text form round-trips, shapes and parameter counts are right, and every
// kind of invalid network gets a message on the right node (and line) before any GPU work.
#include "nn/graph.h"
#include "nn/network_text.h"

#include <QDir>
#include <QTest>

#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

using namespace gradlab::nn;

namespace {

std::string readFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

GraphAnalysis analyzeText(const std::string& text) {
  const ParsedNetwork parsed = parseNetwork(text);
  if (!parsed.ok()) qWarning("%s", parsed.errors.front().text().c_str());
  return analyze(parsed.graph);
}

// The first error's text, or "" when the graph is fine.
std::string firstError(const std::string& text) {
  const ParsedNetwork parsed = parseNetwork(text);
  if (!parsed.ok()) return parsed.errors.front().text();
  const GraphAnalysis a = analyze(parsed.graph);
  for (const auto& issue : a.issues)
    if (issue.severity == GraphIssue::Error) return issue.text();
  return "";
}

const char* kMlp = R"(network "tiny"
input x: 4
h = Linear(x, out_features=3)
a = ReLU(h)
o = Linear(a, out_features=2)
loss = CrossEntropyLoss(o)
)";

}  // namespace

class TestNetworkGraph : public QObject {
  Q_OBJECT

 private slots:
  // Every layer type comes from its file's registration with a GPU factory, once, and the
  // catalog finds each by name.
  void everyLayerTypeIsRegisteredWithItsFactory() {
    std::set<std::string> seen;
    for (const auto& def : layerCatalog()) {
      QVERIFY2(def.create, def.type.c_str());
      QVERIFY2(def.infer, def.type.c_str());
      QVERIFY2(seen.insert(def.type).second, def.type.c_str());
      QCOMPARE(findLayer(def.type), &def);
    }
    QVERIFY(seen.size() >= 24);
  }

  void examplesParseCheckAndRoundTrip() {
    const std::filesystem::path dir(GRADLAB_NETWORKS);
    int count = 0;
    for (const auto& entry : std::filesystem::directory_iterator(dir)) {
      if (entry.path().extension() != ".net") continue;
      ++count;
      const std::string text = readFile(entry.path());
      const ParsedNetwork parsed = parseNetwork(text);
      QVERIFY2(parsed.ok(), qPrintable(QString::fromStdString(entry.path().string() + ": " +
                                                              (parsed.ok() ? "" : parsed.errors[0].text()))));
      const GraphAnalysis a = analyze(parsed.graph);
      QVERIFY2(a.ok() && a.issues.empty(),
               qPrintable(QString::fromStdString(entry.path().string() + ":\n" + a.errorText())));
      // graph -> text -> graph is exact, and the printed text is a fixed point.
      const std::string printed = printNetwork(parsed.graph);
      const ParsedNetwork again = parseNetwork(printed);
      QVERIFY(again.ok());
      QVERIFY(again.graph == parsed.graph);
      QCOMPARE(printNetwork(again.graph), printed);
      QVERIFY_THROWS_NO_EXCEPTION(loadNetworkFile(entry.path().string()));
    }
    QVERIFY(count >= 6);
  }

  void shapesAndParameterCounts() {
    const GraphAnalysis lenet = analyze(loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/lenet5.net"));
    QCOMPARE(lenet.paramCount, uint64_t(61706));  // the published LeNet-5 count for this layout
    QCOMPARE(lenet.shapes.at("c1").text(), std::string("6x28x28"));
    QCOMPARE(lenet.shapes.at("s4").text(), std::string("16x5x5"));
    QCOMPARE(lenet.shapes.at("flat").text(), std::string("400"));
    QCOMPARE(lenet.lossNode, std::string("loss"));

    const GraphAnalysis mlp = analyze(loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/mlp_784_256_256_10.net"));
    QCOMPARE(mlp.paramCount, uint64_t(784 * 256 + 256 + 256 * 256 + 256 + 256 * 10 + 10));

    const GraphAnalysis res = analyze(loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/residual_cnn.net"));
    QCOMPARE(res.shapes.at("b2_sum").text(), std::string("32x14x14"));
    QCOMPARE(res.shapes.at("pool").text(), std::string("32"));
    // Topological order: every node after its inputs.
    std::map<std::string, size_t> position;
    const Graph g = loadNetworkFile(std::string(GRADLAB_NETWORKS) + "/residual_cnn.net");
    for (size_t k = 0; k < res.order.size(); ++k) position[g.nodes[res.order[k]].name] = k;
    for (const auto& n : g.nodes)
      for (const auto& in : n.inputs)
        if (position.count(in)) QVERIFY(position[in] < position[n.name]);
  }

  void convolutionArithmetic() {
    auto shapeOf = [](const std::string& layer, const std::string& input) {
      const auto a = analyzeText("input x: " + input + "\ny = " + layer +
                                 "\nf = Flatten(y)\no = Linear(f, out_features=2)\nloss = CrossEntropyLoss(o)\n");
      return a.ok() ? a.shapes.at("y").text() : a.errorText();
    };
    QCOMPARE(shapeOf("Conv2d(x, out_channels=4, kernel_size=3)", "3x32x32"), std::string("4x30x30"));
    QCOMPARE(shapeOf("Conv2d(x, out_channels=4, kernel_size=3, stride=2, padding=1)", "3x32x32"),
             std::string("4x16x16"));
    QCOMPARE(shapeOf("Conv2d(x, out_channels=4, kernel_size=3, dilation=2)", "1x10x12"), std::string("4x6x8"));
    QCOMPARE(shapeOf("ConvTranspose2d(x, out_channels=2, kernel_size=4, stride=2, padding=1)", "3x7x7"),
             std::string("2x14x14"));
    QCOMPARE(shapeOf("MaxPool2d(x, kernel_size=3, stride=2, padding=1)", "8x15x15"), std::string("8x8x8"));
    QCOMPARE(shapeOf("AvgPool2d(x, kernel_size=2)", "8x15x15"), std::string("8x7x7"));
  }

  void syntaxErrorsNameTheLine() {
    auto error = [](const std::string& text) { return parseNetwork(text).errors.at(0).text(); };
    QCOMPARE(error("input x: 4\nh = Linear(x out_features=3)\n").substr(0, 8), std::string("line 2: "));
    QVERIFY(error("input x 4\n").find("expected ':'") != std::string::npos);
    QVERIFY(error("input x: 28by28\n").find("not a shape") != std::string::npos);
    QVERIFY(error("h Linear(x)\n").find("expected '='") != std::string::npos);
    QVERIFY(error("h = Linear(out_features=3, x)\n").find("list inputs first") != std::string::npos);
    QVERIFY(error("network \"unclosed\n").find("not closed") != std::string::npos);
    QVERIFY(error("h = Linear(x))\n").find("unexpected") != std::string::npos);
  }

  void invalidGraphsAreRejectedPerNode() {
    const std::string head = "input x: 4\n";
    QVERIFY(firstError(kMlp).empty());
    // Unknown type, unknown or bad hyper-parameter, missing required one.
    QVERIFY(firstError(head + "h = Dense(x, out_features=3)\nloss = CrossEntropyLoss(h)\n")
                .find("unknown layer type 'Dense'") != std::string::npos);
    QVERIFY(firstError(head + "h = Linear(x, outputs=3)\nloss = CrossEntropyLoss(h)\n")
                .find("unknown hyper-parameter 'outputs'") != std::string::npos);
    QVERIFY(firstError(head + "h = Linear(x, out_features=-3)\nloss = CrossEntropyLoss(h)\n")
                .find("out_features = -3 is outside") != std::string::npos);
    QVERIFY(firstError(head + "h = Linear(x)\nloss = CrossEntropyLoss(h)\n").find("needs out_features") !=
            std::string::npos);
    QVERIFY(firstError(head + "h = Linear(x, out_features=3, out_features=4)\nloss = CrossEntropyLoss(h)\n")
                .find("given twice") != std::string::npos);
    // Dangling input, wrong arity, duplicate names.
    QVERIFY(firstError(head + "h = Linear(y, out_features=3)\nloss = CrossEntropyLoss(h)\n")
                .find("input 'y' does not exist") != std::string::npos);
    QVERIFY(firstError(head + "h = ReLU(x, x)\nloss = CrossEntropyLoss(h)\n").find("takes 1 input, got 2") !=
            std::string::npos);
    QVERIFY(firstError(head + "h = ReLU(x)\nh = ReLU(h)\nloss = CrossEntropyLoss(h)\n").find("used twice") !=
            std::string::npos);
    // A cycle.
    const std::string cycle =
        firstError(head + "a = Add(x, b)\nb = ReLU(a)\no = Linear(b, out_features=2)\nloss = CrossEntropyLoss(o)\n");
    QVERIFY2(cycle.find("cycle") != std::string::npos, cycle.c_str());
    // Shapes: Linear on an image, conv on a vector, Add of different shapes, a kernel too big.
    QVERIFY(firstError("input x: 1x28x28\nh = Linear(x, out_features=3)\nloss = CrossEntropyLoss(h)\n")
                .find("add a Flatten") != std::string::npos);
    QVERIFY(
        firstError(head + "c = Conv2d(x, out_channels=2, kernel_size=3)\nf = Flatten(c)\nloss = CrossEntropyLoss(f)\n")
            .find("expects an image") != std::string::npos);
    QVERIFY(firstError(head + "h = Linear(x, out_features=3)\ns = Add(x, h)\nloss = CrossEntropyLoss(s)\n")
                .find("one shape, got 4 and 3") != std::string::npos);
    QVERIFY(firstError("input x: 1x4x4\nc = Conv2d(x, out_channels=2, kernel_size=7)\nf = Flatten(c)\nloss = "
                       "CrossEntropyLoss(f)\n")
                .find("does not fit") != std::string::npos);
    // No loss, two losses, a loss in the middle.
    QVERIFY(firstError(head + "h = Linear(x, out_features=3)\n").find("no loss") != std::string::npos);
    QVERIFY(firstError(head + "a = CrossEntropyLoss(x)\nb = MSELoss(x)\n").find("2 losses") != std::string::npos);
    QVERIFY(firstError(head + "l = MSELoss(x)\nh = ReLU(l)\n").find("last layer") != std::string::npos);
    // Absurd sizes.
    QVERIFY(firstError(
                head +
                "h = Linear(x, out_features=1000000)\nh2 = Linear(h, out_features=1000)\nloss = CrossEntropyLoss(h2)\n")
                .find("parameters; a layer may have at most") != std::string::npos);
    QVERIFY(firstError("input x: 0\nh = Linear(x, out_features=2)\nloss = CrossEntropyLoss(h)\n").find("has shape 0") !=
            std::string::npos);
    QVERIFY(firstError("h = ReLU(x)\n").find("no input") != std::string::npos);
  }

  void errorsCarryNodeAndLine() {
    const GraphAnalysis a = analyzeText(
        "input x: 4\n\nh = Linear(x, out_features=3)\nbad = Conv2d(h, out_channels=2, kernel_size=3)\nloss = "
        "CrossEntropyLoss(bad)\n");
    QVERIFY(!a.ok());
    QCOMPARE(a.issues.at(0).line, 4);
    QVERIFY(a.issues.at(0).node.find("bad (Conv2d)") != std::string::npos);
    // Downstream nodes are not reported again.
    for (const auto& issue : a.issues) QVERIFY(issue.node.find("loss") == std::string::npos);
  }

  void unusedOutputIsAWarningOnly() {
    const GraphAnalysis a =
        analyzeText("input x: 4\nh = Linear(x, out_features=3)\nstray = ReLU(h)\nloss = CrossEntropyLoss(h)\n");
    QVERIFY(a.ok());
    QCOMPARE(a.issues.size(), size_t(1));
    QCOMPARE(a.issues[0].severity, GraphIssue::Warning);
  }

  void canonicalValuesAndTitles() {
    const ParsedNetwork p = parseNetwork(
        "network \"A \\\"quoted\\\" name\"  # comment\ninput x: 4\nh = LeakyReLU(x, negative_slope=0.10)\no = "
        "Linear(h, out_features=2)\nloss = CrossEntropyLoss(o)\n");
    QVERIFY(p.ok());
    QCOMPARE(p.graph.title, std::string("A \"quoted\" name"));
    const GraphAnalysis a = analyze(p.graph);
    QVERIFY(a.ok());
    QCOMPARE(a.nodes[0].params.real("negative_slope"), 0.1);
    QCOMPARE(a.nodes[0].params.values().at("negative_slope").text(), std::string("0.1"));
    QCOMPARE(parseNetwork(printNetwork(p.graph)).graph, p.graph);
  }

  void fileErrorsListEveryProblem() {
    const QString path = QDir::temp().filePath("gradlab-broken.net");
    {
      std::ofstream out(path.toStdString());
      out << "input x: 4\nh = Linear(x)\nloss = CrossEntropyLoss(h)\nz = Bogus(h)\n";
    }
    try {
      loadNetworkFile(path.toStdString());
      QFAIL("a broken file loaded");
    } catch (const std::runtime_error& e) {
      const std::string m = e.what();
      QVERIFY2(m.find(":2: h (Linear): needs out_features") != std::string::npos, m.c_str());
      QVERIFY2(m.find(":4: z (Bogus): unknown layer type") != std::string::npos, m.c_str());
    }
    QVERIFY_THROWS_EXCEPTION(std::runtime_error, loadNetworkFile("/nonexistent/file.net"));
  }
};

QTEST_APPLESS_MAIN(TestNetworkGraph)
#include "test_network_graph.moc"

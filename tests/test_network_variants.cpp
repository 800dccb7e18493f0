// Network variants for comparisons (nn/graph_variants.h): a layer inserted after every Linear but
// the last or after every activation, every layer of a type removed; new names are deterministic,
// the result checks, and what cannot be done is refused in one line.
#include "nn/graph_variants.h"
#include "nn/network_text.h"

#include <QTest>

#include <functional>

using namespace gradlab::nn;

namespace {

const char* kMlp = R"(network "MLP 2-16-16-3"
input x: 2
h1 = Linear(x, out_features=16)
a1 = ReLU(h1)
h2 = Linear(a1, out_features=16)
a2 = Tanh(h2)
logits = Linear(a2, out_features=3)
loss = CrossEntropyLoss(logits)
)";

Graph parsed(const std::string& text) {
  const ParsedNetwork p = parseNetwork(text);
  if (!p.ok()) qFatal("%s", p.errors.front().text().c_str());
  return p.graph;
}

std::vector<std::string> names(const Graph& g) {
  std::vector<std::string> out;
  for (const Node& n : g.nodes) out.push_back(n.name);
  return out;
}

std::string refusal(const std::function<void()>& f) {
  try {
    f();
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

class TestNetworkVariants : public QObject {
  Q_OBJECT

 private slots:
  // BatchNorm1d goes between each hidden Linear and what read it; the classifier keeps its input.
  void batchNormAfterEveryLinearButTheLast() {
    const Graph base = parsed(kMlp);
    const LayerInsertion bn{"BatchNorm1d", {}, LayerInsertion::After::EveryLinearButLast};
    const Graph g = insertLayers(base, bn);
    QCOMPARE(names(g), (std::vector<std::string>{"h1", "bn1", "a1", "h2", "bn2", "a2", "logits", "loss"}));
    QCOMPARE(g.find("bn1")->inputs, std::vector<std::string>{"h1"});
    QCOMPARE(g.find("a1")->inputs, std::vector<std::string>{"bn1"});
    QCOMPARE(g.find("a2")->inputs, std::vector<std::string>{"bn2"});
    QCOMPARE(g.find("logits")->inputs, std::vector<std::string>{"a2"});
    const GraphAnalysis a = analyze(g);
    QVERIFY2(a.ok(), a.errorText().c_str());
    QCOMPARE(a.paramCount, analyze(base).paramCount + 2 * (16 + 16));  // a scale and a shift per feature
    QVERIFY(parseNetwork(printNetwork(g)).graph == g);                 // it prints as a network file
    QVERIFY(insertLayers(base, bn) == g);                              // deterministic
    QCOMPARE(describe(bn), std::string("BatchNorm1d after every Linear but the last"));
    // The inserted layers go again: the base comes back.
    QVERIFY(removeLayers(g, "BatchNorm1d") == base);
  }

  void dropoutAfterEveryActivation() {
    const Graph base = parsed(kMlp);
    const LayerInsertion drop{"Dropout", {{"p", "0.5"}}, LayerInsertion::After::EveryActivation};
    const Graph g = insertLayers(base, drop);
    QCOMPARE(names(g), (std::vector<std::string>{"h1", "a1", "drop1", "h2", "a2", "drop2", "logits", "loss"}));
    QCOMPARE(g.find("h2")->inputs, std::vector<std::string>{"drop1"});
    QCOMPARE(g.find("logits")->inputs, std::vector<std::string>{"drop2"});
    QVERIFY((g.find("drop2")->params == std::vector<std::pair<std::string, std::string>>{{"p", "0.5"}}));
    QVERIFY(analyze(g).ok());
    QCOMPARE(describe(drop), std::string("Dropout(p=0.5) after every activation"));
    QVERIFY(removeLayers(g, "Dropout") == base);
    QCOMPARE(describeRemoval("Dropout"), std::string("without Dropout"));
  }

  // A name the network already has is skipped, so nothing is renamed or shadowed.
  void newNamesSkipTakenOnes() {
    std::string text = kMlp;
    text.replace(text.find("a1 = ReLU(h1)"), 13, "bn1 = ReLU(h1)");
    text.replace(text.find("Linear(a1"), 9, "Linear(bn1");
    const Graph g = insertLayers(parsed(text), {"BatchNorm1d", {}, LayerInsertion::After::EveryLinearButLast});
    QCOMPARE(names(g), (std::vector<std::string>{"h1", "bn2", "bn1", "h2", "bn3", "a2", "logits", "loss"}));
    QCOMPARE(g.find("bn1")->inputs, std::vector<std::string>{"bn2"});
    QVERIFY(analyze(g).ok());
  }

  // A branch: both Linears that feed the sum get their own layer; the one after the sum is last.
  void everyBranchIsCovered() {
    const Graph base = parsed(R"(network "branches"
input x: 4
left = Linear(x, out_features=8)
right = Linear(x, out_features=8)
sum = Add(left, right)
act = ReLU(sum)
logits = Linear(act, out_features=2)
loss = CrossEntropyLoss(logits)
)");
    const Graph g = insertLayers(base, {"BatchNorm1d", {}, LayerInsertion::After::EveryLinearButLast});
    QCOMPARE(g.find("sum")->inputs, (std::vector<std::string>{"bn1", "bn2"}));
    QVERIFY(analyze(g).ok());
    QCOMPARE(refusal([&] { removeLayers(base, "Add"); }),
             std::string("without Add: sum has 2 inputs, so nothing takes its place"));
  }

  void whatCannotBeDoneIsRefused() {
    const Graph base = parsed(kMlp);
    QCOMPARE(refusal([&] { removeLayers(base, "Dropout"); }),
             std::string("without Dropout: the network has no Dropout layer"));
    QCOMPARE(refusal([&] {
               insertLayers(base, {"Batchnorm", {}, LayerInsertion::After::EveryActivation});
             }),
             std::string("'Batchnorm' is not a layer type"));
    const Graph single =
        parsed("network \"linear\"\ninput x: 2\nlogits = Linear(x, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    QCOMPARE(refusal([&] {
               insertLayers(single, {"BatchNorm1d", {}, LayerInsertion::After::EveryLinearButLast});
             }),
             std::string("BatchNorm1d after every Linear but the last: the network has no such layer to insert after"));
    // A value the layer refuses is named by the graph checker, on one line.
    const std::string m = refusal([&] {
      insertLayers(base, {"Dropout", {{"p", "1.5"}}, LayerInsertion::After::EveryActivation});
    });
    QVERIFY2(
        contains(m, "Dropout(p=1.5) after every activation gives a network that does not check") && !contains(m, "\n"),
        m.c_str());
    // BatchNorm1d after a convolution's image output is the checker's to refuse, not a crash.
    const Graph conv = parsed(R"(network "conv"
input x: 1x8x8
c1 = Conv2d(x, out_channels=2, kernel_size=3)
a1 = ReLU(c1)
f = Flatten(a1)
logits = Linear(f, out_features=2)
loss = CrossEntropyLoss(logits)
)");
    const std::string bn = refusal([&] {
      insertLayers(conv, {"BatchNorm1d", {}, LayerInsertion::After::EveryActivation});
    });
    QVERIFY2(contains(bn, "does not check") && !contains(bn, "\n"), bn.c_str());
  }
};

QTEST_APPLESS_MAIN(TestNetworkVariants)
#include "test_network_variants.moc"

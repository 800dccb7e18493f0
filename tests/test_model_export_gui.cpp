// The lab's side of models out and in: File > Export Model writes the experiment's network and
// weights as ONNX or as a PyTorch module with its .npz, and the lab opens ONNX models (with their
// weights) and network files as it opens experiments, as a double-click on one hands it over.
#include "export/model.h"
#include "main_window.h"
#include "model_export.h"
#include "nn/network_text.h"
#include "persist/experiment_file.h"

#include <QAction>
#include <QApplication>
#include <QFile>
#include <QMenu>
#include <QMenuBar>
#include <QTemporaryDir>
#include <QTest>

using namespace gradlab;
using gradlab::ui::MainWindow;

namespace {

const char* kNetwork = R"(network "Small classifier"
input x: 1x6x6
c = Conv2d(x, out_channels=3, kernel_size=3)
bn = BatchNorm2d(c)
r = ReLU(bn)
f = Flatten(r)
d = Dropout(f, p=0.2)
logits = Linear(d, out_features=4)
loss = CrossEntropyLoss(logits)
)";

// An experiment as the lab saves one after training: the network and weights for every tensor.
persist::Experiment trainedExperiment() {
  const exporting::Model model = exporting::initialModel(nn::parseNetwork(kNetwork).graph, 5);
  persist::Experiment e = exporting::modelExperiment(model);
  for (auto& [name, tensor] : e.weights)
    for (size_t k = 0; k < tensor.values.size(); ++k) tensor.values[k] += 0.01f * float(k % 7) + 0.5f;
  return e;
}

QAction* menuAction(QMainWindow& window, const QString& menu, const QString& text) {
  for (QAction* top : window.menuBar()->actions())
    if (top->text() == menu && top->menu())
      for (QAction* a : top->menu()->actions())
        if (a->text() == text) return a;
  return nullptr;
}

}  // namespace

class TestModelExportGui : public QObject {
  Q_OBJECT
  QTemporaryDir dir_;
  QString path(const QString& name) const { return dir_.filePath(name); }

 private slots:
  void exportWritesTheExperimentsWeights() {
    const persist::Experiment e = trainedExperiment();
    QString error;
    QVERIFY2(ui::exportModelTo(e, path("model.onnx"), &error), qPrintable(error));
    const exporting::Model back = exporting::loadModel(path("model.onnx").toStdString());
    QCOMPARE(nn::printNetwork(back.graph), e.network);
    QVERIFY(back.tensors == e.weights);

    QVERIFY2(ui::exportModelTo(e, path("model.py"), &error), qPrintable(error));
    QVERIFY(QFile::exists(path("model.py")));
    QVERIFY(QFile::exists(path("model.npz")));

    QVERIFY(!ui::exportModelTo(e, path("model.txt"), &error));
    QVERIFY2(error.contains(".onnx") && error.contains(".py"), qPrintable(error));
    persist::Experiment layerNorm = e;
    layerNorm.network = "input x: 4\nln = LayerNorm(x)\nh = Linear(ln, out_features=2)\nloss = CrossEntropyLoss(h)\n";
    layerNorm.weights.clear();
    QVERIFY(!ui::exportModelTo(layerNorm, path("ln.onnx"), &error));
    QVERIFY2(error.contains("ln (LayerNorm)") && !error.contains('\n'), qPrintable(error));
  }

  // A set of runs: one model per run, named by its letter, each with its own network and weights
  // (run B's, not run A's again); a run alone keeps the name given.
  void aSetExportsEveryRun() {
    persist::Experiment e = trainedExperiment();
    persist::RunVariant b;
    b.label = "B";
    std::string network = kNetwork;
    network.replace(network.find("p=0.2"), 5, "p=0.3");
    b.network = nn::printNetwork(nn::parseNetwork(network).graph);
    b.weights = e.weights;
    for (auto& [name, tensor] : b.weights)
      for (float& v : tensor.values) v = -v;
    e.comparisons.push_back(b);
    for (const QString& suffix : {".onnx", ".py"}) {
      QString error;
      QStringList written;
      QVERIFY2(ui::exportModelTo(e, path("set" + suffix), &error, &written), qPrintable(error));
      QCOMPARE(written, QStringList({path("set_A" + suffix), path("set_B" + suffix)}));
      QVERIFY(!QFile::exists(path("set" + suffix)));
    }
    QVERIFY(QFile::exists(path("set_A.npz")) && QFile::exists(path("set_B.npz")));
    const exporting::Model a = exporting::loadModel(path("set_A.onnx").toStdString()),
                           second = exporting::loadModel(path("set_B.onnx").toStdString());
    QVERIFY(a.tensors == e.weights);
    QVERIFY2(second.tensors == b.weights, "run B's file does not hold run B's weights");
    QCOMPARE(nn::printNetwork(a.graph), e.network);
    QCOMPARE(nn::printNetwork(second.graph), b.network);
  }

  void theLabHasTheMenuEntryAndOpensOnnxAndNetworkFiles() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    QVERIFY(menuAction(window, tr("&File"), tr("Export &Model…")));

    QString error;
    QVERIFY2(ui::exportModelTo(trainedExperiment(), path("opened.onnx"), &error), qPrintable(error));
    QVERIFY2(window.openFile(path("opened.onnx"), &error), qPrintable(error));
    const persist::Experiment fromOnnx = window.experiment();
    QCOMPARE(fromOnnx.network, trainedExperiment().network);
    QVERIFY2(fromOnnx.weights == trainedExperiment().weights,
             "the experiment opened from ONNX lacks its weights, which its run starts from");

    QFile net(path("small.net"));
    QVERIFY(net.open(QIODevice::WriteOnly));
    net.write(kNetwork);
    net.close();
    QVERIFY2(window.openFile(path("small.net"), &error), qPrintable(error));
    QCOMPARE(window.experiment().network, nn::printNetwork(nn::parseNetwork(kNetwork).graph));
  }
};

QTEST_MAIN(TestModelExportGui)
#include "test_model_export_gui.moc"

// Fine-tuning in the lab: the layer inspector's frozen and lr × fields edit the run's settings (a
// frozen layer then stays as it was while the others train), a bad multiplier is named and not
// applied, and File > Initialise from Experiment copies the matching layers and says which.
#include "data/idx_file.h"
#include "editor/layer_inspector.h"
#include "editor/network_editor.h"
#include "main_window.h"
#include "persist/experiment_file.h"
#include "support/gpu_test.h"
#include "support/ui_test.h"
#include "training_panel.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDockWidget>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTemporaryDir>
#include <QTest>
#include <QUndoStack>

#include <filesystem>

using namespace gradlab;
using namespace gradlab::ui;

namespace {

constexpr const char* kNet = R"(input x: 2
h1 = Linear(x, out_features=12)
a1 = Tanh(h1)
h2 = Linear(a1, out_features=12)
a2 = Tanh(h2)
logits = Linear(a2, out_features=2)
loss = CrossEntropyLoss(logits)
)";

persist::Experiment moonsExperiment() {
  persist::Experiment e;
  e.title = "fine-tuning";
  e.network = kNet;
  e.training.dataset = "moons";
  e.training.toySamples = 256;
  e.training.batch = 32;
  e.training.epochs = 20;  // 6 steps an epoch: room to train
  e.training.optimizerValues = {{"lr", "0.3"}};
  return e;
}

// The window opened on `e`, its run built.
struct Lab {
  QTemporaryDir autosave;
  MainWindow window{{}, autosave.path()};
  explicit Lab(const persist::Experiment& e) {
    window.resize(1400, 900);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
  }
};

// The form row label of `field`, whole (not elided) at its width.
void verifyLabelWhole(QWidget* field, const QString& text) {
  auto* form = qobject_cast<QFormLayout*>(field->parentWidget()->layout()->itemAt(2)->layout());
  QVERIFY(form);
  auto* label = qobject_cast<QLabel*>(form->labelForField(field));
  QVERIFY(label);
  QCOMPARE(label->text(), text);
  QVERIFY2(label->width() >= label->fontMetrics().horizontalAdvance(text), qPrintable(text + " is cut"));
  QVERIFY(test::elided({label->text()}).isEmpty());
}

}  // namespace

class TestTransferGui : public QObject {
  Q_OBJECT

 private slots:
  // Frozen h1 and h2 at lr x0.1 from the inspector: the run's settings say so (the run they build
  // trains as test_transfer checks); a multiplier of 2000 is named and not applied.
  void inspectorFreezesAndScalesLayers() {
    Lab lab(moonsExperiment());
    MainWindow& window = lab.window;
    auto* inspector = window.findChild<LayerInspector*>();
    QVERIFY(inspector);
    window.dock("inspector")->raise();
    window.editor().select({"a1"});
    QVERIFY(!inspector->frozenField());  // an activation has no parameters to freeze
    window.editor().select({"h1"});
    QVERIFY(inspector->frozenField() && inspector->lrMultiplierField());
    QVERIFY(!inspector->frozenField()->isChecked());
    inspector->frozenField()->click();
    QCOMPARE(window.trainingPanel().settings().frozenLayers, std::vector<std::string>{"h1"});
    QVERIFY(!inspector->lrMultiplierField()->isEnabled());  // frozen: no rate to scale

    window.editor().select({"h2"});
    QLineEdit* lr = inspector->lrMultiplierField();
    lr->setFocus();
    QTest::keyClicks(lr, "2000");
    QTest::keyClick(lr, Qt::Key_Return);
    QCOMPARE(inspector->messageText(), QString("lr ×: 2000 is out of range [0, 1000]"));
    QVERIFY(window.trainingPanel().settings().lrMultipliers.empty());
    lr->selectAll();
    QTest::keyClicks(lr, "0.1");
    QTest::keyClick(lr, Qt::Key_Return);
    QCOMPARE(inspector->messageText(), QString());
    QCOMPARE(window.trainingPanel().settings().lrMultipliers, (std::map<std::string, std::string>{{"h2", "0.1"}}));
    verifyLabelWhole(inspector->frozenField(), "frozen");
    verifyLabelWhole(lr, "lr ×");
    test::screenshot(*window.dock("inspector"), "transfer_inspector", 200);

    QCOMPARE(window.experiment().training.frozenLayers, std::vector<std::string>{"h1"});  // what Save keeps

    window.editor().select({"h1"});  // unfrozen again from the inspector
    inspector->frozenField()->click();
    QVERIFY(window.trainingPanel().settings().frozenLayers.empty());
  }

  // The run the lab builds for a frozen layer trains the others and keeps it bit for bit.
  void labTrainsAroundAFrozenLayer() {
    persist::Experiment e = moonsExperiment();
    e.training.frozenLayers = {"h1"};
    Lab lab(e);
    MainWindow& window = lab.window;
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Ready, 60000);
    const persist::Experiment before = window.experiment();
    QVERIFY(before.weights.count("h1.weight"));
    window.controller().play();
    QTRY_VERIFY2_WITH_TIMEOUT(window.step() >= 20,
                              qPrintable(QString("at step %1, %2: %3")
                                             .arg(window.step())
                                             .arg(train::runStateName(window.controller().state()))
                                             .arg(window.bannerText())),
                              60000);
    window.controller().pause();
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Paused, 60000);
    QTest::qWait(100);  // the paused run's parameters reach the window
    const persist::Experiment after = window.experiment();
    QVERIFY(after.weights.at("h1.weight") == before.weights.at("h1.weight"));
    QVERIFY(after.weights.at("h2.weight") != before.weights.at("h2.weight"));
  }

  // The frozen layers and multipliers name layers: renaming a frozen layer moves its setting to the
  // new name and undoing the rename moves it back; deleting a layer with a multiplier drops the
  // multiplier and says so. A stale name would refuse the run ("--freeze: no layer 'h1'").
  void layerTrainingFollowsTheLayersNames() {
    persist::Experiment e = moonsExperiment();
    e.training.frozenLayers = {"h1"};
    e.training.lrMultipliers = {{"h2", "0.5"}};
    Lab lab(e);
    MainWindow& window = lab.window;
    QCOMPARE(window.editor().renameLayer("h1", "hidden1"), QString());
    QCOMPARE(window.trainingPanel().settings().frozenLayers, std::vector<std::string>{"hidden1"});
    QCOMPARE(window.trainingPanel().settings().lrMultipliers, (std::map<std::string, std::string>{{"h2", "0.5"}}));
    window.editor().undoStack()->undo();
    QCOMPARE(window.trainingPanel().settings().frozenLayers, std::vector<std::string>{"h1"});
    window.editor().removeLayers({"h2"});
    QVERIFY(window.trainingPanel().settings().lrMultipliers.empty());
    QCOMPARE(window.trainingPanel().settings().frozenLayers, std::vector<std::string>{"h1"});
    QCOMPARE(window.statusBar()->currentMessage(),
             QString("h2 left the network: its frozen or lr × setting is dropped"));
  }

  // The Training tab's classes field keeps part of an image set, in the dataset's name as gradlab-cli
  // takes it; a file's subset shows there, its dataset in the chooser.
  void classesFieldKeepsPartOfADataset() {
    TrainingPanel panel;
    persist::TrainingSettings s;
    s.dataset = "fashion-mnist,classes=5-9";
    panel.setSettings(s);
    auto* dataset = panel.findChild<QComboBox*>("dataset");
    auto* classes = panel.findChild<QLineEdit*>("classes");
    QVERIFY(dataset && classes);
    QCOMPARE(dataset->currentData().toString(), QString("fashion-mnist"));
    QCOMPARE(classes->text(), QString("5-9"));
    classes->setText("0;2");
    emit classes->editingFinished();
    QCOMPARE(panel.settings().dataset, std::string("fashion-mnist,classes=0;2"));
    classes->clear();
    emit classes->editingFinished();
    QCOMPARE(panel.settings().dataset, std::string("fashion-mnist"));
  }

  // Demos > Fine-tuning as the lab trains it: after 10 steps B's c1 and c3 are still the built-in
  // pretrained file's, bit for bit (its weights were applied, and c1, c3 stayed frozen), while C,
  // which starts from the same file but trains them, and A, from scratch, hold other values.
  void fineTuningDemoTrainsFromThePretrainedWeights() {
    if (!std::filesystem::exists(data::kFashionMnistDirectory)) QSKIP("no Fashion-MNIST");
    const Demo* demo = nullptr;
    for (const Demo& d : demos())
      if (d.menu.startsWith("Fine-tuning")) demo = &d;
    QVERIFY(demo);
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDemo(*demo);
    QVERIFY(ready.wait(120000));
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Ready, 60000);
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 10, 60000);
    window.controller().pause();
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Paused, 60000);
    QTest::qWait(100);  // the paused runs' parameters reach the window
    const persist::Experiment e = window.experiment();
    const persist::Experiment pretrained = builtInPretrained("lenet5_fashion_0-4");
    QCOMPARE(e.comparisons.size(), size_t(2));
    for (const char* tensor : {"c1.weight", "c3.weight", "c3.bias"}) {
      QVERIFY2(e.comparisons[0].weights.at(tensor) == pretrained.weights.at(tensor), tensor);
      QVERIFY2(e.comparisons[1].weights.at(tensor) != pretrained.weights.at(tensor), tensor);
      QVERIFY2(e.weights.at(tensor) != pretrained.weights.at(tensor), tensor);
    }
    QVERIFY(e.comparisons[0].weights.at("f5.weight") != pretrained.weights.at("f5.weight"));  // B trains f5
  }

  // A saved run of another network: its h1 (same name and shape) starts the run, the others keep
  // their initialisation, and the status bar says which and why.
  void initialiseFromExperimentCopiesMatchingLayers() {
    QTemporaryDir dir;
    persist::Experiment source = moonsExperiment();
    source.weights["h1.weight"] = {{12, 2}, test::randomFloats(24, 7)};
    source.weights["h1.bias"] = {{12}, test::randomFloats(12, 8)};
    source.weights["logits.weight"] = {{3, 12}, test::randomFloats(36, 9)};
    source.weights["logits.bias"] = {{3}, test::randomFloats(3, 10)};
    const QString path = dir.filePath("pretrained.gradlab");
    persist::saveExperiment(source, path.toStdString());

    Lab lab(moonsExperiment());
    MainWindow& window = lab.window;
    QCOMPARE(window.initialiseFrom(path),
             QString("Copied h1 from pretrained.gradlab; kept the initialisation of h2 (no weight in the file); "
                     "logits (weight 3x12 there, 2x12 here)"));
    const persist::Experiment started = window.experiment();  // what the rebuilt run starts from
    QVERIFY(started.weights.at("h1.weight") == source.weights.at("h1.weight"));
    QVERIFY(started.weights.at("h1.bias") == source.weights.at("h1.bias"));
    QVERIFY(!started.weights.count("logits.weight"));  // initialised from the seed

    QCOMPARE(window.initialiseFrom(dir.filePath("missing.gradlab")).left(12), QString("Cannot open "));
    persist::saveExperiment(moonsExperiment(), dir.filePath("untrained.gradlab").toStdString());
    QCOMPARE(window.initialiseFrom(dir.filePath("untrained.gradlab")),
             QString("untrained.gradlab holds no weights (saved before training): train it and save it again"));
  }
};

QTEST_MAIN(TestTransferGui)
#include "test_transfer_gui.moc"

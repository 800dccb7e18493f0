// Runs side by side in the lab window: a comparison of three runs trains in lockstep, the run list
// shows each run with what it changes, every run's colour is on the loss chart's pixels, the status
// bar gives each run's step rate, the set saves and reopens with every run's curves and weights,
// and a run that diverges stops alone with its banner line in its colour while the others go on.
// Screenshots at 1280x720 and 1920x1080 go to build/screenshots/.
#include "analysis/landscape_view.h"
#include "compare_dialog.h"
#include "demos.h"
#include "editor/network_editor.h"
#include "main_window.h"
#include "nn/network_text.h"
#include "persist/experiment_file.h"
#include "run_list_dock.h"
#include "support/ui_test.h"
#include "training_charts.h"
#include "training_controller.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/layer_histograms_view.h"
#include "views/run_style.h"

#include <QAction>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileInfo>
#include <QLabel>
#include <QRegularExpression>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>

using gradlab::ui::MainWindow;

namespace {

// A network with no Linear before its classifier: "BatchNorm1d after every Linear but the last"
// has no place in it.
const char* kOneLinear = "input x: 2\nlogits = Linear(x, out_features=2)\nloss = CrossEntropyLoss(logits)\n";

// Two moons and a small MLP: a set of three builds and trains in moments on lavapipe.
gradlab::persist::Experiment toySet(const std::vector<std::map<std::string, std::string>>& changes) {
  auto e = gradlab::ui::defaultExperiment();
  e.title = "Moons, three ways";
  e.training.dataset = "moons";
  e.training.probeInterval = 10;
  e.training.epochs = 1000;  // the tests pause runs, never finish them
  e.network = gradlab::ui::builtInNetwork("toy_mlp_2d");
  for (const auto& c : changes) {
    gradlab::persist::RunVariant run;
    run.label = std::string(1, char('B' + e.comparisons.size()));
    run.colour = uint32_t(e.comparisons.size() + 1);
    run.changes = c;
    e.comparisons.push_back(run);
  }
  return e;
}

struct Lab {
  QTemporaryDir autosave;
  MainWindow window{{}, autosave.path()};
  explicit Lab(const gradlab::persist::Experiment& e, QSize size = {1280, 720}) {
    window.resize(size);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
  }
};

void train(MainWindow& window, uint64_t steps) {
  window.controller().play();
  QTRY_VERIFY_WITH_TIMEOUT(window.step() >= steps, 120000);
  window.controller().pause();
  QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() != gradlab::train::RunState::Running, 10000);
  QTest::qWait(300);  // the last snapshots reach the views
}

// What the probe views still show of any run: by depth, histograms and decision boundary.
QStringList probesShown(MainWindow& window) {
  QStringList shown;
  auto* depth = window.findChild<gradlab::ui::DepthStatsView*>();
  depth->refresh();
  for (int run = 0; run < depth->runCount(); ++run)
    if (!depth->activationStd(run).isEmpty()) shown << QString("by depth of run %1").arg(run);
  auto* histograms = window.findChild<gradlab::ui::LayerHistogramsView*>();
  histograms->refresh();
  for (int i = 0; i < histograms->panelCount(); ++i)
    if (histograms->panel(i).sampleCount()) shown << QString("histogram panel %1").arg(i);
  for (int panel = 0; panel < window.boundary().panelCount(); ++panel)
    if (window.boundary().boundary(panel)) shown << QString("boundary panel %1").arg(panel);
  return shown;
}

// This process's threads' nice values (Linux's /proc), by thread id.
std::map<int, int> threadNiceValues() {
  std::map<int, int> out;
  for (const QFileInfo& task : QDir("/proc/self/task").entryInfoList(QDir::Dirs | QDir::NoDotAndDotDot)) {
    QFile stat(task.filePath() + "/stat");
    if (!stat.open(QIODevice::ReadOnly)) continue;
    const QByteArray line = stat.readAll();
    const QList<QByteArray> fields = line.mid(line.lastIndexOf(')') + 2).split(' ');  // from field 3, the state
    if (fields.size() > 16) out[task.fileName().toInt()] = fields[16].toInt();        // field 19: nice
  }
  return out;
}

QString statusText(MainWindow& window) {
  QStringList texts;
  for (QLabel* label : window.statusBar()->findChildren<QLabel*>()) texts << label->text();
  return texts.join(" | ");
}

}  // namespace

class TestComparisonGui : public QObject {
  Q_OBJECT
 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  // The run list edits the set as the buttons do: at most four runs, the first never removed, the
  // others relabelled by place and keeping their colours; each row's swatch is its style's colour.
  void runListEditsTheSet() {
    gradlab::ui::RunListDock list;
    QSignalSpy edited(&list, &gradlab::ui::RunListDock::runsEdited);
    QSignalSpy looks(&list, &gradlab::ui::RunListDock::looksChanged);
    for (const char* seed : {"1", "2", "3"}) {
      gradlab::persist::RunVariant run;
      run.changes["seed"] = seed;
      QVERIFY(list.addRun(run));
    }
    gradlab::persist::RunVariant fifth;
    QVERIFY(!list.addRun(fifth));  // a set holds four
    QCOMPARE(edited.count(), 3);
    QVERIFY(!list.removeRun(0));
    QVERIFY(list.recolourRun(3, 5));
    QVERIFY(list.removeRun(1));
    QCOMPARE(list.runCount(), size_t(3));
    QCOMPARE(list.comparisons()[1].label, std::string("C"));
    QCOMPARE(list.comparisons()[1].changes.at("seed"), std::string("3"));
    const auto styles = list.styles();
    QCOMPARE(styles[2].color, gradlab::ui::runColor(5));  // the re-coloured run kept its colour
    QCOMPARE(styles[2].pen, gradlab::ui::runPenStyle(2));
    QVERIFY(list.setRunVisible(1, false));
    QVERIFY(!list.styles()[1].visible);
    QVERIFY(looks.count() >= 2);
    QVERIFY(list.renameRun(2, "high seed"));
    QCOMPARE(list.cellText(2, 1), QString("C high seed"));
  }

  // Compare… offers each setting on the base's value, checks the value as a file's run is checked,
  // and offers the network variants the base can have.
  void compareDialogChecksWhatItAdds() {
    auto base = toySet({});
    gradlab::ui::CompareDialog dialog(base, "B");
    QVERIFY(dialog.choose("init"));
    QVERIFY(dialog.setValue("xavier_normal"));
    QString error;
    auto run = dialog.run(&error);
    QVERIFY2(run, qPrintable(error));
    QCOMPARE(run->changes, (std::map<std::string, std::string>{{"init", "xavier_normal"}}));
    QVERIFY2(dialog.preview().contains("xavier_normal"), qPrintable(dialog.preview()));
    QVERIFY(dialog.setValue("sideways"));
    QVERIFY(!dialog.run(&error));
    QVERIFY2(!error.isEmpty() && !error.contains('\n'), qPrintable(error));
    QVERIFY(dialog.choose("network"));
    QVERIFY2(dialog.networkChoices().join(",").contains("BatchNorm1d"), qPrintable(dialog.networkChoices().join(",")));
    QVERIFY(dialog.setValue(dialog.networkChoices().front()));
    run = dialog.run(&error);
    QVERIFY2(run, qPrintable(error));
    QVERIFY(run->network.find("BatchNorm1d") != std::string::npos);
    QVERIFY(dialog.choose("lr"));
    QVERIFY(dialog.setValue("0.5"));
    QCOMPARE(dialog.run(&error)->changes.at("lr"), std::string("0.5"));
    QVERIFY(!dialog.choose("colour"));
  }

  void everyRunIsListedTrainedAndDrawn() {
    Lab lab(toySet({{{"lr", "0.02"}}, {{"init", "xavier_normal"}}}));
    MainWindow& window = lab.window;
    QCOMPARE(window.controller().members(), size_t(3));
    const auto& list = window.runList();
    QCOMPARE(list.table()->rowCount(), 3);
    QCOMPARE(list.cellText(0, 1), QString("A"));
    QCOMPARE(list.cellText(1, 1), QString("B"));
    QVERIFY2(list.cellText(1, 2).contains("lr"), qPrintable(list.cellText(1, 2)));
    QVERIFY2(list.cellText(2, 2).contains("xavier_normal"), qPrintable(list.cellText(2, 2)));

    window.controller().play();
    // While the set trains, the status bar gives each run's step rate.
    QTRY_VERIFY_WITH_TIMEOUT(QRegularExpression("A \\d+/s · B \\d+/s · C \\d+/s").match(statusText(window)).hasMatch(),
                             120000);
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 60, 120000);
    window.controller().pause();
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() != gradlab::train::RunState::Running, 10000);
    QTest::qWait(400);
    for (uint32_t member = 0; member < 3; ++member)
      QVERIFY2(window.charts().lossPoints(member) >= 60, qPrintable(QString::number(member)));

    window.dock("loss")->raise();
    for (const QSize size : {QSize(1280, 720), QSize(1920, 1080)}) {
      window.resize(size);
      gradlab::test::screenshot(window, QString("comparison_lab_%1x%2").arg(size.width()).arg(size.height()), 400);
      const QImage image = window.grab().toImage();
      const QRectF chart = gradlab::test::rectIn(*window.dock("loss")->widget(), window);
      for (const gradlab::ui::RunStyle& style : list.styles())
        QVERIFY2(gradlab::test::countPixels(image, chart, style.color, 30) > 40,
                 qPrintable(QString("%1 at %2x%3").arg(style.label).arg(size.width()).arg(size.height())));
    }
    // Each row's text is whole at the lab's size: nothing elided.
    window.resize(1280, 720);
    QTest::qWait(200);
    const QTableWidget* table = list.table();
    for (int row = 0; row < table->rowCount(); ++row) {
      const QRect cell = table->visualItemRect(table->item(row, 2));
      QVERIFY2(table->viewport()->rect().contains(cell), qPrintable(QString("row %1 out of sight").arg(row)));
      const QString name = table->item(row, 1)->text();
      QVERIFY2(table->fontMetrics().horizontalAdvance(name) <= table->columnWidth(1), qPrintable(name));
    }
    // Step acts on the whole set: every run advances one step.
    std::vector<size_t> before;
    for (uint32_t member = 0; member < 3; ++member) before.push_back(window.charts().lossPoints(member));
    window.controller().step();
    for (uint32_t member = 0; member < 3; ++member)
      QTRY_COMPARE_WITH_TIMEOUT(window.charts().lossPoints(member), before[member] + 1, 20000);
    // Unticking a run hides it in the views, and the document keeps that.
    auto& editable = window.runList();
    QVERIFY(editable.setRunVisible(1, false));
    bool drawn = false;
    for (const auto& style : window.charts().runStyles()) drawn = drawn || (style.member == 1 && style.visible);
    QVERIFY(!drawn);
    QVERIFY(!window.experiment().comparisons[0].visible);
  }

  // Built, and reset, a set's probe views show every run at step 0 before any step: each run's
  // colour is in the by-depth curves and in the histogram grid.
  void probeViewsShowEveryRunBeforeTheFirstStep() {
    Lab lab(toySet({{{"lr", "0.02"}}, {{"init", "xavier_normal"}}}));
    MainWindow& window = lab.window;
    QAction* reset = nullptr;
    for (QAction* a : window.findChildren<QAction*>())
      if (a->text() == "Reset") reset = a;
    QVERIFY(reset);
    for (const QString life : {"built", "reset"}) {
      if (life == "reset") {
        reset->trigger();
        QCOMPARE(probesShown(window).join(", "), QString());  // the reset run's probes are on their way
      }
      QTRY_COMPARE_WITH_TIMEOUT(probesShown(window).filter("by depth").size(), 3, 30000);
      QVERIFY(!probesShown(window).filter("histogram").isEmpty());
      QCOMPARE(window.step(), uint64_t(0));
      for (const QString view : {"depth", "histograms"}) {
        window.dock(view)->raise();
        probesShown(window);  // the views take their reports now
        gradlab::test::screenshot(window, QString("comparison_step_zero_%1_%2").arg(view, life), 300);
        const QImage image = window.grab().toImage();
        const QRectF area = gradlab::test::rectIn(*window.dock(view)->widget(), window);
        for (const gradlab::ui::RunStyle& style : window.runList().styles()) {
          const int pixels = gradlab::test::countPixels(image, area, style.color, 30);
          QVERIFY2(pixels > 40,
                   qPrintable(QString("%1 %2: run %3 has %4 pixels").arg(view, life, style.label).arg(pixels)));
        }
      }
      QCOMPARE(window.step(), uint64_t(0));  // all of it without a step
    }
  }

  // Each comparison demo in the lab: every run's colour in the histogram grid before any step (its
  // probes at step 0) and in the loss chart after a few ticks. The landscape plane is left to
  // theSetsLandscapeStartsAtStepZero: computing one per demo would take minutes here.
  void everyComparisonDemoShowsEachRun_data() {
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < gradlab::ui::demos().size(); ++i)
      if (!gradlab::ui::demos()[i].experiment.comparisons.empty())
        QTest::newRow(qPrintable(gradlab::ui::demos()[i].menu)) << int(i);
  }
  void everyComparisonDemoShowsEachRun() {
    QFETCH(int, index);
    const gradlab::ui::Demo& demo = gradlab::ui::demos()[size_t(index)];
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDemo(demo);
    QVERIFY(ready.wait(120000));
    const auto styles = window.runList().styles();
    QCOMPARE(styles.size(), demo.experiment.comparisons.size() + 1);
    const auto coloursIn = [&](const QString& view, int atLeast) {
      window.dock(view)->raise();
      probesShown(window);  // the probe views take their reports now
      QTest::qWait(300);
      const QImage image = window.grab().toImage();
      const QRectF area = gradlab::test::rectIn(*window.dock(view)->widget(), window);
      QStringList missing;
      for (const gradlab::ui::RunStyle& style : styles) {
        const int pixels = gradlab::test::countPixels(image, area, style.color, 30);
        if (pixels < atLeast) missing << QString("%1 (%2 pixels)").arg(style.label).arg(pixels);
      }
      return missing.join(", ");
    };
    QTRY_COMPARE_WITH_TIMEOUT(probesShown(window).filter("by depth").size(), int(styles.size()), 30000);
    QCOMPARE(coloursIn("histograms", 40), QString());
    train(window, 15);
    QCOMPARE(coloursIn("loss", 40), QString());
    const QString name = QString(demo.menu).replace(QRegularExpression("[^A-Za-z0-9]+"), "_").toLower();
    gradlab::test::screenshot(window, "comparison_demo_" + name, 100);
  }

  // Training runs below the UI thread's priority: the threads a set trains on (the run's worker and
  // those the CPU device computes on) are niced, the UI thread is not, so input and drawing do not
  // wait behind a chunk of steps.
  void trainingThreadsYieldToTheUiThread() {
    if (!QFileInfo::exists("/proc/self/task")) QSKIP("thread priorities are read from Linux's /proc");
    const int ui = int(QCoreApplication::applicationPid());  // the main thread's id
    const auto before = threadNiceValues();
    if (before.at(ui) >= 10) QSKIP("the test itself runs niced: training cannot go below it");
    Lab lab(toySet({{{"lr", "0.02"}}}));
    train(lab.window, 5);
    const auto after = threadNiceValues();
    QCOMPARE(after.at(ui), before.at(ui));
    QStringList niced;
    for (const auto& [thread, nice] : after)
      if (!before.count(thread) && nice > after.at(ui)) niced << QString::number(thread);
    QVERIFY2(niced.size() >= 2, qPrintable(QString("niced threads: %1").arg(niced.join(", "))));
  }

  // Reset, removing a run and opening a race leave nothing of any run in the probe views, not
  // only of the first: the new runs' probes have not come yet, and when they come they are the
  // new set's at step 0.
  void noRunsProbesOutliveResetRemovalOrARace() {
    Lab lab(toySet({{{"lr", "0.02"}}, {{"init", "xavier_normal"}}}));
    MainWindow& window = lab.window;
    train(window, 20);
    QCOMPARE(window.findChild<gradlab::ui::DepthStatsView*>()->runCount(), 3);
    QCOMPARE(probesShown(window).filter("by depth").size(), 3);
    QAction* reset = nullptr;
    for (QAction* a : window.findChildren<QAction*>())
      if (a->text() == "Reset") reset = a;
    QVERIFY(reset);
    reset->trigger();  // the reset run's snapshots wait in the event queue
    QCOMPARE(probesShown(window).join(", "), QString());

    QTRY_VERIFY_WITH_TIMEOUT(window.step() == 0, 20000);  // the reset run's
    train(window, 20);
    QCOMPARE(probesShown(window).filter("by depth").size(), 3);
    QVERIFY(window.runList().removeRun(1));  // C becomes member 1; the rebuilt set has not trained
    QTRY_VERIFY_WITH_TIMEOUT(
        window.controller().members() == 2 && window.controller().state() == gradlab::train::RunState::Ready, 120000);
    // Its ready snapshots bring the two runs' probes at step 0, no third (they follow the rebuilt
    // set's run count, and may come a moment after it).
    QTRY_COMPARE_WITH_TIMEOUT(window.findChild<gradlab::ui::DepthStatsView*>()->runCount(), 2, 20000);
    QTRY_COMPARE_WITH_TIMEOUT(probesShown(window).filter("by depth").size(), 2, 20000);
    QCOMPARE(window.findChild<gradlab::ui::DepthStatsView*>()->runCount(), 2);

    train(window, 20);
    QVERIFY(!probesShown(window).isEmpty());
    const gradlab::ui::Demo* race = nullptr;
    for (const auto& d : gradlab::ui::demos())
      if (d.race) race = &d;
    QVERIFY(race);
    window.openDemo(*race);
    QCOMPARE(probesShown(window).join(", "), QString());
  }

  // A removed run leaves the status bar at once, not when the rebuilt set's first snapshot comes.
  void aRemovedRunLeavesTheStatusBarAtOnce() {
    Lab lab(toySet({{{"lr", "0.02"}}, {{"seed", "7"}}}));
    MainWindow& window = lab.window;
    const QRegularExpression rateOfC("\\bC \\d+/s");
    window.controller().play();
    QTRY_VERIFY2_WITH_TIMEOUT(statusText(window).contains(rateOfC), qPrintable(statusText(window)), 60000);
    QVERIFY(window.runList().removeRun(2));
    QVERIFY2(!statusText(window).contains(rateOfC), qPrintable(statusText(window)));
    QTest::qWait(200);  // the old set's snapshots still on their way
    QVERIFY2(!statusText(window).contains(rateOfC), qPrintable(statusText(window)));
  }

  void aSetSavesAndReopensWithEveryRunsCurvesAndWeights() {
    QTemporaryDir dir;
    const QString path = dir.filePath("set.gradlab");
    std::vector<size_t> points;
    {
      Lab lab(toySet({{{"lr", "0.02"}}, {{"seed", "7"}}}));
      train(lab.window, 40);
      // Run A's look is saved as B's and C's are.
      QVERIFY(lab.window.runList().renameRun(0, "baseline"));
      QVERIFY(lab.window.runList().recolourRun(0, 6));
      QVERIFY(lab.window.runList().setRunVisible(0, false));
      QString error;
      QVERIFY2(lab.window.saveFile(path, &error), qPrintable(error));
      for (uint32_t member = 0; member < 3; ++member) points.push_back(lab.window.charts().lossPoints(member));
    }
    const auto saved = gradlab::persist::loadExperiment(path.toStdString());
    QCOMPARE(saved.comparisons.size(), size_t(2));
    QCOMPARE(saved.trainingHistory.size(), points[0]);
    for (size_t i = 0; i < 2; ++i) {
      QCOMPARE(saved.comparisons[i].trainingHistory.size(), points[i + 1]);
      QVERIFY(!saved.comparisons[i].weights.empty());
      QVERIFY(saved.comparisons[i].progress.step > 0);
    }
    QCOMPARE(saved.comparisons[0].changes.at("lr"), std::string("0.02"));
    QVERIFY((saved.look == gradlab::persist::RunLook{"baseline", 6, false}));

    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    QString error;
    QVERIFY2(window.openFile(path, &error), qPrintable(error));
    QVERIFY(ready.wait(120000));
    QCOMPARE(window.runList().table()->rowCount(), 3);
    QCOMPARE(window.controller().members(), size_t(3));
    QCOMPARE(window.runList().cellText(0, 1), QString("A baseline"));
    QCOMPARE(window.runList().styles()[0].color, gradlab::ui::runColor(6));
    QVERIFY(!window.runList().styles()[0].visible);
    QCOMPARE(window.runList().table()->item(0, 0)->checkState(), Qt::Unchecked);
    for (uint32_t member = 0; member < 3; ++member) QCOMPARE(window.charts().lossPoints(member), points[member]);
    const auto again = window.experiment();
    QCOMPARE(again.comparisons.size(), size_t(2));
    QCOMPARE(again.comparisons[1].weights, saved.comparisons[1].weights);
    QVERIFY(again.look == saved.look);
  }

  // A set whose second run has a network of its own (Dropout inserted) reopens and continues.
  void aNetworkVariantSetReopens() {
    const gradlab::ui::Demo* demo = nullptr;
    for (const auto& d : gradlab::ui::demos())
      if (d.menu.contains("Dropout")) demo = &d;
    QVERIFY(demo);
    auto e = demo->experiment;
    e.training.sampleLimit = 2000;
    e.training.epochs = 1000;
    QTemporaryDir dir;
    const QString path = dir.filePath("dropout.gradlab");
    {
      Lab lab(e);
      train(lab.window, 12);
      QString error;
      QVERIFY2(lab.window.saveFile(path, &error), qPrintable(error));
    }
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    QSignalSpy failed(&window, &MainWindow::demoFailed);
    QString error;
    QVERIFY2(window.openFile(path, &error), qPrintable(error));
    QTRY_VERIFY_WITH_TIMEOUT(ready.count() + failed.count() > 0, 120000);
    QVERIFY2(failed.isEmpty(), qPrintable(window.bannerText()));
    QCOMPARE(window.controller().members(), size_t(2));
  }

  // A run that is a network variant of the first (BatchNorm1d inserted) stays that variant of the
  // first run's network when the user edits it.
  void aNetworkVariantFollowsAnEditOfTheFirstRun() {
    auto e = toySet({});
    const auto variants = gradlab::ui::networkVariants(gradlab::nn::parseNetwork(e.network).graph);
    QVERIFY(!variants.empty());
    gradlab::persist::RunVariant run;
    run.label = "B";
    run.changes["network"] = variants.front().first;
    run.network = variants.front().second;
    e.comparisons.push_back(run);
    Lab lab(e);
    QSignalSpy ready(&lab.window, &MainWindow::demoReady);
    QString text = QString::fromStdString(e.network);
    text.replace("out_features=16", "out_features=24");
    lab.window.editor().setGraph(gradlab::nn::parseNetwork(text.toStdString()).graph);
    QVERIFY(ready.wait(120000));
    const std::string variant = lab.window.experiment().comparisons.at(0).network;
    QVERIFY2(variant.find("out_features=24") != std::string::npos && variant.find("BatchNorm1d") != std::string::npos,
             variant.c_str());
    QCOMPARE(lab.window.controller().members(), size_t(2));
    QCOMPARE(lab.window.runList().notice(), QString());

    // An edit the variant cannot follow (no Linear before the classifier): B keeps its network and
    // the run list says so in one line.
    lab.window.editor().setGraph(gradlab::nn::parseNetwork(kOneLinear).graph);
    QVERIFY(ready.wait(120000));
    QCOMPARE(lab.window.experiment().comparisons.at(0).network, variant);
    const QString notice = lab.window.runList().notice();
    QVERIFY2(notice.startsWith("Run B keeps its network from before the edit") && !notice.contains('\n'),
             qPrintable(notice));
    QLabel* shown = nullptr;
    for (QLabel* label : lab.window.runList().findChildren<QLabel*>())
      if (label->text() == notice) shown = label;
    QVERIFY(shown && shown->isVisibleTo(&lab.window.runList()));
    lab.window.dock("runs")->raise();
    gradlab::test::screenshot(lab.window, "comparison_variant_kept", 300);
    QVERIFY2(shown->isVisible() && shown->height() >= shown->heightForWidth(shown->width()),
             "the line is cut off in the Runs dock");
    QCOMPARE(lab.window.controller().members(), size_t(2));
  }

  // After an edit of the first run's network, a variant run is made again from it; one the edited
  // network cannot have, and one with a network of its own, keep theirs, each with a line saying so.
  void variantsFollowTheEditOrSayWhyNot() {
    const auto e = toySet({});
    const auto graph = gradlab::nn::parseNetwork(e.network).graph;
    const auto variants = gradlab::ui::networkVariants(graph);
    QCOMPARE(variants.front().first, std::string("BatchNorm1d after every Linear but the last"));
    gradlab::persist::RunVariant b, c;
    b.label = "B";
    b.changes["network"] = variants.front().first;
    b.network = variants.front().second;
    c.label = "C";
    c.network = e.network + "# my own\n";
    std::vector<gradlab::persist::RunVariant> runs{b, c};
    bool changed = true;
    QStringList kept = gradlab::ui::rebuildVariants(gradlab::nn::parseNetwork(kOneLinear).graph, runs, &changed);
    QVERIFY(!changed);
    QCOMPARE(runs[0].network, b.network);  // nothing lost
    QCOMPARE(runs[1].network, c.network);
    QCOMPARE(kept.size(), 2);
    QCOMPARE(kept[0], QString("Run B keeps its network from before the edit: the edited network cannot have "
                              "\"BatchNorm1d after every Linear but the last\"."));
    QCOMPARE(kept[1], QString("Run C keeps its own network, which does not follow edits of run A's."));
    // An edit the variant can follow: B is that variant of the edited network.
    QString wider = QString::fromStdString(e.network);
    wider.replace("out_features=16", "out_features=24");
    const auto edited = gradlab::nn::parseNetwork(wider.toStdString()).graph;
    kept = gradlab::ui::rebuildVariants(edited, runs, &changed);
    QVERIFY(changed);
    QCOMPARE(runs[0].network, gradlab::ui::networkVariants(edited).front().second);
    QCOMPARE(kept.size(), 1);
  }

  // The set's landscape: every run's path starts at its step-0 weights (the Ready snapshot's),
  // not at its first probe, so runs of one network and seed start together at the plane's origin.
  // The race tab has no race to draw for a set: it is disabled.
  void theSetsLandscapeStartsAtStepZero() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    std::map<uint32_t, gradlab::ui::ParameterMap> stepZero;
    connect(&window.controller(), &gradlab::ui::TrainingController::snapshot, this,
            [&](std::shared_ptr<const gradlab::train::Snapshot> s) {
              if (s->state != gradlab::train::RunState::Ready || !s->parameters || s->step != 0) return;
              for (const auto& w : *s->parameters) stepZero[s->member][w.name] = w.values;
            });
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(toySet({{{"lr", "0.02"}}}));
    QVERIFY(ready.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(stepZero.size(), size_t(2), 20000);
    QVERIFY(stepZero[0] == stepZero[1]);  // one network, one seed: one start
    train(window, 30);                    // probes at steps 10, 20, 30

    auto* view = window.findChild<gradlab::ui::LandscapeView*>();
    window.dock("landscape")->show();
    window.dock("landscape")->raise();
    QTRY_VERIFY_WITH_TIMEOUT(view->source() && view->source()->runs.size() == 2, 20000);
    for (uint32_t member = 0; member < 2; ++member) {
      const gradlab::ui::RunAnalysis& run = view->source()->runs[member];
      QVERIFY2(run.initial == stepZero[member], qPrintable(QString("run %1's start is not its step 0").arg(member)));
      QVERIFY(run.current != stepZero[member]);
    }
    view->setPlane(gradlab::ui::LandscapePlane::RunSet);
    view->setGridPoints(5);
    view->setSamples(64);
    QSignalSpy finished(view, &gradlab::ui::LandscapeView::finished);
    view->compute();
    QVERIFY(finished.wait(120000));
    QVERIFY2(view->result(), qPrintable(view->statusText()));
    QVERIFY(view->result()->sharedStart);
    QCOMPARE(view->result()->race.size(), size_t(2));
    for (const auto& path : view->result()->race) {
      QCOMPARE(path.points.front().x, 0.0);
      QCOMPARE(path.points.front().y, 0.0);
      QVERIFY(path.points.size() >= 4);  // step 0, the probes, the current weights
    }
    QVERIFY(!view->tabs()->isTabEnabled(2));
  }

  void aDivergingRunStopsAloneInItsColour() {
    // The lab's divergence case (a ReLU MLP on three spirals) with B's learning rate far too high.
    auto e = toySet({{{"lr", "10000"}}});
    e.network =
        "input x: 2\nh1 = Linear(x, out_features=32)\na1 = ReLU(h1)\nh2 = Linear(a1, out_features=32)\n"
        "a2 = ReLU(h2)\nlogits = Linear(a2, out_features=3)\nloss = CrossEntropyLoss(logits)\n";
    e.training.dataset = "spiral";
    e.training.toyClasses = 3;
    e.training.batch = 32;
    Lab lab(e);
    MainWindow& window = lab.window;
    window.controller().play();
    QTRY_VERIFY2_WITH_TIMEOUT(window.runList().cellText(1, 3) == "Diverged",
                              qPrintable(window.runList().cellText(1, 3) + " | " + statusText(window)), 120000);
    const uint64_t when = window.step();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= when + 30, 60000);  // A goes on
    QCOMPARE(window.controller().state(), gradlab::train::RunState::Running);
    QVERIFY(window.runList().cellText(0, 3).startsWith("Training"));
    const QColor b = window.runList().styles()[1].color;
    QVERIFY2(window.bannerText().contains("Run B") && window.bannerText().contains(b.name()),
             qPrintable(window.bannerText()));
    QVERIFY2(statusText(window).contains("B diverged"), qPrintable(statusText(window)));
    window.controller().pause();
    gradlab::test::screenshot(window, "comparison_lab_diverged", 300);
    // The banner's line is drawn in B's colour.
    const QImage image = window.grab().toImage();
    const auto* banner =
        window.findChildren<QLabel*>().size() ? window.centralWidget()->findChildren<QLabel*>().first() : nullptr;
    QVERIFY(banner && banner->isVisible());
    QVERIFY(gradlab::test::countPixels(image, gradlab::test::rectIn(*banner, window), b, 40) > 20);
  }
};

QTEST_MAIN(TestComparisonGui)
#include "test_comparison_gui.moc"

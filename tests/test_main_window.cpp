// The lab window as a user meets it: it opens at once, finds the device without blocking, loads
// the default experiment, trains when Play is pressed with every view following, pauses, steps,
// resets, explains a run that went NaN, refuses to train a broken network and says why, saves and
// reopens an experiment exactly (trained weights included), asks before unsaved changes go,
// autosaves off the UI thread, and shrugs off a corrupt file. Every demo opens and runs.
// Screenshots are written for people to look at.
#include "analysis/gradient_check_dialog.h"
#include "analysis/heatmap_plot.h"
#include "analysis/landscape_view.h"
#include "analysis/receptive_field_view.h"
#include "demos.h"
#include "editor/layer_style.h"
#include "editor/network_editor.h"
#include "editor/node_item.h"
#include "editor/param_fields.h"
#include "gpu/context.h"
#include "main_window.h"
#include "nn/network_text.h"
#include "persist/autosave.h"
#include "persist/experiment_file.h"
#include "support/ui_test.h"
#include "training_charts.h"
#include "training_panel.h"
#include "util/printable.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/layer_histograms_view.h"
#include "views/surface_race_panel.h"
#include "views/surface_view.h"

#include <sys/wait.h>
#include <unistd.h>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QDockWidget>
#include <QDoubleSpinBox>
#include <QElapsedTimer>
#include <QFile>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QPushButton>
#include <QRegularExpression>
#include <QSettings>
#include <QSignalSpy>
#include <QSpinBox>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QUndoStack>
#include <QWheelEvent>

#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <cmath>
#include <filesystem>
#include <thread>

using gradlab::ui::MainWindow;

namespace {

QAction* action(MainWindow& w, const QString& text) {
  for (QAction* a : w.findChildren<QAction*>())
    if (a->text() == text) return a;
  return nullptr;
}

std::string builtInToyNetwork() { return gradlab::ui::builtInNetwork("toy_mlp_2d"); }

bool haveFashionMnist() { return std::filesystem::exists("/usr/share/datasets/fashion-mnist"); }

// The default experiment on a subset, so the test stays quick; a toy set when Fashion-MNIST is absent.
gradlab::persist::Experiment quickExperiment() {
  auto e = gradlab::ui::defaultExperiment();
  e.training.sampleLimit = 3000;
  e.training.probeInterval = 10;
  // Runs the tests pause, never finish: an epoch of a toy set is a few steps, and fast steps used
  // to finish all of them between two polls of trainSteps (the run was then "finished", not paused).
  e.training.epochs = 1000;
  if (!haveFashionMnist()) {
    e.training.dataset = "spiral";
    e.network =
        "input x: 2\nh = Linear(x, out_features=32)\na = ReLU(h)\nlogits = Linear(a, out_features=2)\n"
        "loss = CrossEntropyLoss(logits)\n";
  }
  return e;
}

// A window whose autosave goes to a folder of its own, opened on `e` and ready to train.
struct Lab {
  QTemporaryDir autosave;
  MainWindow window{{}, autosave.path()};
  explicit Lab(const gradlab::persist::Experiment& e) {
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(e);
    QVERIFY(ready.wait(120000));
  }
};

// The default experiment's settings on a 2-D toy set and a small MLP: builds and trains in moments.
gradlab::persist::Experiment toyExperiment() {
  auto e = quickExperiment();
  e.training.dataset = "moons";
  e.network = builtInToyNetwork();
  return e;
}

// Answers the next modal box with `button` once it shows (a modal box runs its own event loop, so
// the answer comes from a timer). Any other modal dialog (a file dialog) is rejected and noted,
// so that a wrong turn fails the test instead of hanging it.
class ModalAnswer {
 public:
  explicit ModalAnswer(QMessageBox::StandardButton button) {
    QObject::connect(&timer_, &QTimer::timeout, &timer_, [this, button] {
      QWidget* modal = QApplication::activeModalWidget();
      if (!modal) return;
      timer_.stop();
      if (auto* box = qobject_cast<QMessageBox*>(modal)) {
        asked = box->text();
        box->button(button)->click();
      } else {
        unexpected = modal->metaObject()->className();
        if (auto* dialog = qobject_cast<QDialog*>(modal)) dialog->reject();
      }
    });
    timer_.start(20);
  }
  QString asked;       // the box's question; empty when none showed
  QString unexpected;  // the class of another modal dialog that showed
 private:
  QTimer timer_;
};

void trainSteps(MainWindow& window, uint64_t steps) {
  window.controller().play();
  QTRY_VERIFY_WITH_TIMEOUT(window.step() >= steps, 120000);
  window.controller().pause();
  // Generous: on a loaded 2-core machine with no pipeline cache the chunk in flight may still be
  // compiling its kernels (seen once at 10 s with test_gemm compiling beside it).
  QTRY_VERIFY2_WITH_TIMEOUT(window.controller().state() == gradlab::train::RunState::Paused,
                            qPrintable(QString("still %1 at step %2 (asked to pause at step %3)")
                                           .arg(gradlab::train::runStateName(window.controller().state()))
                                           .arg(window.step())
                                           .arg(steps)),
                            60000);
  QTest::qWait(100);  // the last snapshot reaches the views
}

// Opens the learning-rate-too-high demo in `window` and trains it until it diverges.
void openDivergedDemo(MainWindow& window) {
  const gradlab::ui::Demo* demo = nullptr;
  for (const auto& d : gradlab::ui::demos())
    if (d.menu.contains("too high")) demo = &d;
  QVERIFY(demo);
  QSignalSpy ready(&window, &MainWindow::demoReady);
  window.openDemo(*demo);
  QVERIFY(ready.wait(120000));
  action(window, "Play")->trigger();
  QTRY_VERIFY_WITH_TIMEOUT(window.bannerText().contains("diverged"), 60000);
}

// The loss chart's view and one of its series by name ("training (each step)").
QChartView* lossChart(const MainWindow& window) {
  for (QChartView* view : window.charts().findChildren<QChartView*>())
    if (view->chart()->title() == "Loss") return view;
  return nullptr;
}
QLineSeries* lossSeries(const MainWindow& window, const QString& name) {
  for (QAbstractSeries* s : lossChart(window)->chart()->series())
    if (s->name() == name || s->name() == "A " + name)
      return qobject_cast<QLineSeries*>(s);  // alone, or run A of a set
  return nullptr;
}

// Every node of the editor's network is drawn inside its canvas, once Fit to View shows the whole
// network (a network opens at 100%, where a long one runs past the canvas): its family's colour
// along its box.
void verifyEditorShowsEveryNode(MainWindow& window) {
  auto& editor = window.editor();
  editor.fitToView();
  const QImage image = window.grab().toImage();
  const QRectF canvas = gradlab::test::rectIn(*editor.view()->viewport(), window);
  for (const auto& node : editor.graph().nodes) {
    const gradlab::ui::NodeItem* item = editor.nodeItem(QString::fromStdString(node.name));
    QVERIFY2(item, node.name.c_str());
    const QRectF box = gradlab::test::sceneRectIn(*editor.view(), item->sceneBoundingRect(), window);
    QVERIFY2(canvas.contains(box), node.name.c_str());
    const int accent = gradlab::test::countPixels(image, box, gradlab::ui::familyAccent(item->content().category), 30);
    QVERIFY2(accent > box.height(), qPrintable(QString("%1: %2 pixels").arg(node.name.c_str()).arg(accent)));
  }
}

// What the loss chart shows, read off it: the per-step series holds `records` (the run's own, one
// point per step, the same losses) and its average one point per step; both series' colours are
// drawn inside the plot; the axes are finite and span the data; no label is shortened.
void verifyLossChartShows(MainWindow& window, const std::vector<gradlab::train::StepRecord>& records) {
  QLineSeries* raw = lossSeries(window, "training (each step)");
  QLineSeries* average = lossSeries(window, "training (average)");
  QVERIFY(raw && average && !records.empty());
  QCOMPARE(raw->count(), qsizetype(records.size()));  // short runs: every step drawn
  QCOMPARE(average->count(), qsizetype(records.size()));
  double lo = INFINITY, hi = -INFINITY;
  for (size_t i = 0; i < records.size(); ++i) {
    QCOMPARE(raw->at(qsizetype(i)), QPointF(double(records[i].step + 1), records[i].loss));
    lo = std::min(lo, records[i].loss), hi = std::max(hi, records[i].loss);
  }
  QVERIFY(!window.charts().lossAxisIsLog());
  const auto [yMin, yMax] = window.charts().lossAxisRange();
  QVERIFY2(std::isfinite(yMin) && std::isfinite(yMax) && yMin <= lo && yMax >= hi,
           qPrintable(QString("loss axis %1..%2 for losses %3..%4").arg(yMin).arg(yMax).arg(lo).arg(hi)));
  QChartView* view = lossChart(window);
  const auto* x = qobject_cast<QValueAxis*>(view->chart()->axes(Qt::Horizontal).front());
  QVERIFY2(std::isfinite(x->max()) && x->min() <= 1 && x->max() >= double(records.back().step + 1),
           qPrintable(QString("step axis %1..%2").arg(x->min()).arg(x->max())));
  const QImage image = view->grab().toImage();
  const QRectF plot = view->chart()->plotArea();
  const int bold = gradlab::test::countPixels(image, plot, QColor(31, 119, 180), 60);
  const int faint = gradlab::test::countPixels(image, plot, QColor(193, 218, 234), 30);
  QVERIFY2(bold > 3 * plot.width() / 4 && faint > 20,
           qPrintable(QString("%1 average, %2 per-step pixels").arg(bold).arg(faint)));
  const QStringList shortened = gradlab::test::elided(gradlab::test::sceneTexts(*view->scene()));
  QVERIFY2(shortened.isEmpty(), qPrintable(shortened.join(" | ")));
}

// The By-depth view raised in `window` and laid out at the window's size: every chart text whole.
// A tabbed dock behind another can report itself visible, so this waits until it is on screen.
void verifyDepthViewReadable(MainWindow& window, const QString& screenshot) {
  QDockWidget* dock = window.dock("depth");
  QVERIFY(dock);
  dock->raise();
  auto* view = dock->findChild<gradlab::ui::DepthStatsView*>();
  QVERIFY(view);
  QTRY_VERIFY_WITH_TIMEOUT(!view->visibleRegion().isEmpty(), 5000);
  QTest::qWait(300);  // the charts redraw at 30 Hz and lay out their labels
  gradlab::test::screenshot(window, screenshot, 150);
  QVERIFY(QRectF(window.rect()).contains(gradlab::test::rectIn(*view, window)));
  const QStringList shortened = gradlab::test::elided(view->chartTexts());
  QVERIFY2(shortened.isEmpty(),
           qPrintable(QString("%1x%2: ").arg(window.width()).arg(window.height()) + shortened.join(" | ")));
}

// The banner shows `text` whole: visible in the window's picture, its red background and dark
// text drawn, and tall enough for its wrapped lines.
void verifyBannerShows(MainWindow& window, const QString& text) {
  QVERIFY2(window.bannerText().contains(text), qPrintable(window.bannerText()));
  QLabel* banner = nullptr;
  for (QLabel* label : window.findChildren<QLabel*>())
    if (label->isVisible() && label->text() == window.bannerText()) banner = label;
  QVERIFY(banner);
  const QImage image = window.grab().toImage();
  const QRectF area = gradlab::test::rectIn(*banner, window);
  QVERIFY(QRectF(window.rect()).contains(area));
  QVERIFY(gradlab::test::countPixels(image, area, QColor(0xfd, 0xec, 0xea), 12) > area.width() * area.height() / 2);
  QVERIFY(gradlab::test::countPixels(image, area, QColor(0x61, 0x1a, 0x15), 60) > 100);  // the words
  QVERIFY2(
      banner->heightForWidth(banner->width()) <= banner->height(),
      qPrintable(QString("%1 pixels high for %2").arg(banner->height()).arg(banner->heightForWidth(banner->width()))));
}

// Lets the run's snapshots pile up in the UI thread's queue while it trains, as a busy UI thread
// does, so that some are still on their way when the next action (Reset, another demo) comes.
void letSnapshotsQueueUp(MainWindow& window) {
  window.controller().play();
  QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == gradlab::train::RunState::Running, 60000);
  std::this_thread::sleep_for(std::chrono::milliseconds(400));  // no events processed meanwhile
}

// The window shows and exports exactly the current run: steps 0 .. n-1 once each, in order, n the
// run's step; the average restarts with the run; the loss chart draws nothing right of step n.
void verifyOnlyTheCurrentRun(MainWindow& window, const QString& when) {
  const uint64_t n = window.step();
  const auto history = window.experiment().trainingHistory;
  QVERIFY2(history.size() == n, qPrintable(when + QString(": %1 points for %2 steps").arg(history.size()).arg(n)));
  for (size_t i = 0; i < history.size(); ++i)
    QVERIFY2(history[i].step == i, qPrintable(when + QString(": point %1 is step %2").arg(i).arg(history[i].step)));
  for (const auto& p : window.experiment().validationHistory) QVERIFY2(p.step <= n, qPrintable(when));

  QTemporaryDir dir;
  QString error;
  QVERIFY2(window.exportMetricsTo(dir.filePath("metrics.csv"), &error), qPrintable(error));
  QFile csv(dir.filePath("metrics.csv"));
  QVERIFY(csv.open(QIODevice::ReadOnly));
  QCOMPARE(csv.readLine(), QByteArray("step,split,loss,accuracy\n"));
  uint64_t next = 0;
  while (!csv.atEnd()) {
    const QList<QByteArray> row = csv.readLine().trimmed().split(',');
    QCOMPARE(row.size(), qsizetype(4));
    if (row[1] == "train")
      QVERIFY2(row[0].toULongLong() == next++, qPrintable(when + ": CSV row " + row.join(',')));
    else
      QVERIFY2(row[0].toULongLong() <= n, qPrintable(when + ": CSV row " + row.join(',')));
  }
  QCOMPARE(next, n);

  QLineSeries* raw = lossSeries(window, "training (each step)");
  QLineSeries* average = lossSeries(window, "training (average)");
  QVERIFY(raw && average);
  const QList<QPointF> points = raw->points();
  QCOMPARE(points.size(), qsizetype(n));  // short runs: every step drawn
  for (qsizetype i = 0; i < points.size(); ++i) QCOMPARE(points[i].x(), double(i + 1));
  QCOMPARE(average->points().front().y(), points.front().y());  // the average starts at the first step's value
  const auto* x = qobject_cast<QValueAxis*>(lossChart(window)->chart()->axes(Qt::Horizontal).front());
  QVERIFY2(x->max() >= double(n) && x->max() <= 1.25 * std::max<double>(10, n) + 1e-9,
           qPrintable(when + QString(": x axis to %1 for %2 steps").arg(x->max()).arg(n)));

  QChartView* view = lossChart(window);
  const QImage image = view->grab().toImage();
  gradlab::test::screenshot(*view, "run_state_" + when, 0);
  const QRectF plot = view->chart()->plotArea();
  const double right = view->chart()->mapToPosition(QPointF(double(n), 0), raw).x() + 6;
  const QRectF beyond(QPointF(right, plot.top()), plot.bottomRight());
  const int ghost = gradlab::test::countPixels(image, beyond, QColor(31, 119, 180), 60) +
                    gradlab::test::countPixels(image, beyond, QColor(193, 218, 234), 30);
  QVERIFY2(ghost == 0, qPrintable(when + QString(": %1 series pixels right of step %2").arg(ghost).arg(n)));
  QVERIFY(gradlab::test::countPixels(image, plot, QColor(31, 119, 180), 60) > 20);  // the run's own line is drawn
}

// Every text the window shows as words: its title, the status bar, labels, dock titles, combo
// box choices, buttons, actions and tooltips. What a file can make the lab show is among them.
QStringList shownTexts(MainWindow& window) {
  QStringList texts{window.windowTitle(), window.statusBar()->currentMessage()};
  for (QWidget* w : window.findChildren<QWidget*>()) {
    texts << w->toolTip() << w->windowTitle();
    if (auto* label = qobject_cast<QLabel*>(w)) texts << label->text();
    if (auto* button = qobject_cast<QAbstractButton*>(w)) texts << button->text();
    if (auto* box = qobject_cast<QComboBox*>(w))
      for (int i = 0; i < box->count(); ++i) texts << box->itemText(i);
  }
  for (QAction* a : window.findChildren<QAction*>()) texts << a->text() << a->toolTip();
  texts.removeAll(QString());
  return texts;
}

// A control character a terminal or window manager acts on: C0 (a line break aside), DEL, C1.
bool holdsControlCharacter(const QString& text) {
  return std::any_of(text.begin(), text.end(), [](QChar c) {
    return (c.unicode() < 0x20 && c != QChar('\n')) || (c.unicode() >= 0x7f && c.unicode() < 0xa0);
  });
}

// `text` quotable in a test's failure message.
QByteArray shown(const QString& text) {
  return QByteArray::fromStdString(gradlab::util::printable(text.toStdString(), 400));
}

// File > Open on a file cut short inside its header, under folders whose names hold escape
// sequences and run long: the dialog refusing it names the file escaped and cut short, and its
// message is escaped and bounded.
void verifyOpenDialogIsEscaped(MainWindow& window, const QTemporaryDir& dir) {
  const QString hostile = QString::fromStdString("\x1b]0;owned\x07\x1b[2J");
  QString folder = dir.path();
  for (int i = 0; i < 6; ++i) folder += "/" + hostile + QString(200, 'B');
  QVERIFY(QDir().mkpath(folder));
  const QString broken = folder + "/" + hostile + ".gradlab";
  QFile file(broken);
  QVERIFY(file.open(QIODevice::WriteOnly));
  file.write("GRADLAB\n0123");
  file.close();
  QString title, message, unexpected;
  QTimer answer;
  QObject::connect(&answer, &QTimer::timeout, &answer, [&] {
    QWidget* modal = QApplication::activeModalWidget();
    if (auto* box = qobject_cast<QMessageBox*>(modal); box && box->button(QMessageBox::Ok)) {
      title = box->windowTitle(), message = box->text();
      box->button(QMessageBox::Ok)->click();
    } else if (modal) {
      unexpected = modal->metaObject()->className();
      modal->close();
    }
  });
  answer.start(20);
  // What File > Open does with the path its dialog returns (Qt's own file dialog is not driven:
  // offscreen, selecting a file in it can loop on its asynchronous directory model).
  window.openChosenFile(broken);
  answer.stop();
  QVERIFY2(unexpected.isEmpty(), qPrintable(unexpected));
  QCOMPARE(title, QString("Cannot open \\x1b]0;owned\\x07\\x1b[2J.gradlab"));
  QVERIFY2(
      message.contains("\\x1b]0;owned\\x07\\x1b[2JBBB") && message.endsWith("more bytes)") && message.size() < 1100,
      shown(message));
  QVERIFY2(!holdsControlCharacter(title) && !holdsControlCharacter(message), shown(title + message));
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }
  // A window closed by a test keeps its dock layout for the next start, which restores it as the
  // user left it: each test starts from none.
  void init() { QSettings().remove("window"); }

  void opensAndShowsTheDevice() {
    QElapsedTimer timer;
    timer.start();
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    QSignalSpy ready(&window, &MainWindow::deviceReady);
    window.show();
    // The window is up before the device is known: the probe runs off the UI thread.
    QVERIFY(window.isVisible());
    QVERIFY(timer.elapsed() < 3000);
    QVERIFY(ready.wait(30000) || ready.count() == 1);
    QVERIFY2(window.deviceText().startsWith("Device: "), qPrintable(window.deviceText()));
    for (const char* menu : {"&File", "&Edit", "&Run", "&View", "&Demos", "&Help"}) {
      bool found = false;
      for (QAction* a : window.menuBar()->actions()) found = found || a->text() == menu;
      QVERIFY2(found, qPrintable(menu));
    }
    for (const char* view : {"palette", "training", "loss", "histograms", "depth", "filters", "boundary", "surface"})
      QVERIFY2(window.dock(view), view);
  }

  void defaultExperimentTrainsAndEveryViewFollows() {
    Lab lab(quickExperiment());
    MainWindow& window = lab.window;
    QAction* play = action(window, "Play");
    QVERIFY(play && play->isEnabled());
    gradlab::test::screenshot(window, "main_window_default", 150);
    verifyEditorShowsEveryNode(window);
    if (QTest::currentTestFailed()) return;
    QCOMPARE(lossSeries(window, "training (each step)")->count(), qsizetype(0));
    std::vector<gradlab::train::StepRecord> records;  // the run's own, as the controller passes them on
    QObject::connect(&window.controller(), &gradlab::ui::TrainingController::snapshot, &window,
                     [&](std::shared_ptr<const gradlab::train::Snapshot> s) {
                       records.insert(records.end(), s->records.begin(), s->records.end());
                     });
    QTest::keyClick(&window, Qt::Key_Space);  // Play, as a user would
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 40, 120000);
    QVERIFY(action(window, "Pause"));
    action(window, "Pause")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(action(window, "Play") != nullptr, 10000);
    QTest::qWait(200);
    const uint64_t paused = window.step();
    QTest::qWait(200);
    QCOMPARE(window.step(), paused);
    QVERIFY(window.charts().lossPoints() >= 40);
    // Every layer's histogram received data: one panel per layer, each with counts.
    const auto& histograms = window.histograms();
    const int layers = int(window.editor().graph().nodes.size());
    QVERIFY2(histograms.panelCount() >= layers - 1 && histograms.panelCount() <= layers,
             qPrintable(QString::number(histograms.panelCount())));
    for (int i = 0; i < histograms.panelCount(); ++i) {
      QVERIFY2(histograms.panel(i).sampleCount() > 0, qPrintable(histograms.panel(i).title()));
      QCOMPARE(histograms.panel(i).binCount(), int(gradlab::train::kHistogramBins));
    }
    if (haveFashionMnist()) QVERIFY(window.filters().tileCount() == 256);  // h1's 256 units as 28x28 images
    window.dock("loss")->raise();
    QTest::qWait(200);
    verifyLossChartShows(window, records);
    if (QTest::currentTestFailed()) return;
    window.dock("histograms")->raise();
    gradlab::test::screenshot(window, "main_window_training", 150);
    action(window, "Step")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.step(), paused + 1, 10000);
    action(window, "Reset")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.step(), uint64_t(0), 10000);
    QCOMPARE(window.charts().lossPoints(), size_t(0));
  }

  void divergenceShowsABannerAndResetRecovers() {
    auto e = quickExperiment();
    e.title = "ReLU MLP, learning rate far too high";
    e.network =
        "input x: 2\nh1 = Linear(x, out_features=32)\na1 = ReLU(h1)\nh2 = Linear(a1, out_features=32)\n"
        "a2 = ReLU(h2)\nlogits = Linear(a2, out_features=3)\nloss = CrossEntropyLoss(logits)\n";
    e.training.dataset = "spiral";
    e.training.toyClasses = 3;
    e.training.batch = 32;
    e.training.epochs = 1000;
    e.training.optimizerValues = {{"lr", "10000"}};
    Lab lab(e);
    MainWindow& window = lab.window;
    action(window, "Play")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.bannerText().isEmpty(), 30000);
    QVERIFY2(window.bannerText().contains("learning rate"), qPrintable(window.bannerText()));
    QVERIFY(window.bannerText().contains("Training stopped at step"));
    QVERIFY(!action(window, "Step")->isEnabled());
    gradlab::test::screenshot(window, "main_window_nan", 150);
    verifyBannerShows(window, "Training stopped at step");
    if (QTest::currentTestFailed()) return;
    action(window, "Reset")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.bannerText().isEmpty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(action(window, "Step")->isEnabled(), 10000);
  }

  void brokenNetworkDisablesPlayWithTheReason() {
    Lab lab(quickExperiment());
    MainWindow& window = lab.window;
    QVERIFY(action(window, "Play")->isEnabled());
    // h1 reads 784 features; a Linear that expects 10 does not fit behind it.
    auto& editor = window.editor();
    const QString first = QString::fromStdString(editor.graph().nodes.front().name);
    editor.setParam("logits", "out_features", "0");
    QVERIFY(!editor.problem().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(!action(window, "Play")->isEnabled(), 5000);
    QVERIFY2(action(window, "Play")->toolTip().contains(editor.problem()),
             qPrintable(action(window, "Play")->toolTip()));
    // The network opened at 100%: its last layers may be a scroll away, as for a user.
    editor.view()->ensureVisible(editor.nodeItem("logits"));
    gradlab::test::screenshot(window, "main_window_shape_error", 150);
    {  // the node in error is outlined red where the canvas shows it
      const QImage image = window.grab().toImage();
      const gradlab::ui::NodeItem* logits = editor.nodeItem("logits");
      QVERIFY(logits && !logits->content().errors.isEmpty());
      const QRectF box = gradlab::test::sceneRectIn(*editor.view(), logits->sceneBoundingRect(), window);
      QVERIFY(QRectF(gradlab::test::rectIn(*editor.view()->viewport(), window)).contains(box));
      QVERIFY(gradlab::test::countPixels(image, box, QColor(214, 39, 40), 60) > box.width());
    }
    editor.undoStack()->undo();
    QVERIFY(editor.problem().isEmpty());
    QTRY_VERIFY_WITH_TIMEOUT(action(window, "Play")->isEnabled(), 60000);
    Q_UNUSED(first);
  }

  // A network that passes the shape check but not the device: the layer is marked with the
  // reason, Play says why it cannot train, and the batch it suggests brings the run back. 4096
  // samples of 262144 floats (4 GiB) are over any device's binding (under 4 GiB).
  void layerBeyondTheDeviceIsMarkedAndBlocksPlay() {
    auto e = toyExperiment();
    e.training.toySamples = 3000;
    e.training.batch = 2048;
    Lab lab(e);
    MainWindow& window = lab.window;
    auto& editor = window.editor();
    QVERIFY(action(window, "Play")->isEnabled());
    auto* batch = window.findChild<QSpinBox*>("batch");
    QVERIFY(batch);
    editor.setParam("h1", "out_features", "262144");
    batch->setValue(4096);
    emit batch->editingFinished();
    QTRY_VERIFY2_WITH_TIMEOUT(editor.problem().contains("4.0 GiB"), qPrintable(window.bannerText()), 60000);
    const QString problem = editor.problem();
    QVERIFY2(problem.contains("h1 (Linear)") && problem.contains("its output needs 4.0 GiB, over the ") &&
                 problem.contains("use a batch of at most "),
             qPrintable(problem));
    bool marked = false;  // the node shows it as an error of its own
    for (const auto& issue : editor.analysis().issues)
      marked = marked || (issue.node == "h1 (Linear)" && issue.severity == gradlab::nn::GraphIssue::Error);
    QVERIFY(marked);
    QTRY_VERIFY_WITH_TIMEOUT(!action(window, "Play")->isEnabled(), 5000);
    QVERIFY2(action(window, "Play")->toolTip().contains("its output needs 4.0 GiB"),
             qPrintable(action(window, "Play")->toolTip()));
    QVERIFY2(window.bannerText().contains("layer h1 (Linear 2-&gt;262144)"), qPrintable(window.bannerText()));
    gradlab::test::screenshot(window, "main_window_device_fit", 150);
    // The batch it suggests builds a run, the layer as it is.
    batch->setValue(problem.section("use a batch of at most ", 1).section('.', 0, 0).toInt());
    emit batch->editingFinished();
    QTRY_VERIFY2_WITH_TIMEOUT(action(window, "Play")->isEnabled(), qPrintable(window.bannerText()), 60000);
    QVERIFY(editor.problem().isEmpty());
    QCOMPARE(editor.graph().nodes.front().params.front().second, std::string("262144"));
  }

  // The device lost under a running run (a fault injected at a submission): the run stops with
  // the driver's message and what to do, and the document (network, layout, settings) is as it
  // was and still saves.
  void deviceLostStopsTheRunAndKeepsTheDocument() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    const gradlab::persist::Experiment before = window.experiment();
    gradlab::gpu::injectSubmitFaultForTesting(VK_ERROR_DEVICE_LOST, 2);
    action(window, "Play")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.bannerText().contains("lost the device"), 30000);
    gradlab::gpu::injectSubmitFaultForTesting(VK_SUCCESS);
    QVERIFY2(window.bannerText().contains("Training failed") && window.bannerText().contains("restart the run"),
             qPrintable(window.bannerText()));
    QTRY_VERIFY_WITH_TIMEOUT(!action(window, "Step")->isEnabled(), 5000);
    const gradlab::persist::Experiment after = window.experiment();
    QCOMPARE(after.network, before.network);
    QVERIFY(after.layout == before.layout);
    QVERIFY(after.training == before.training);
    QTemporaryDir dir;
    QString error;
    QVERIFY2(window.saveFile(dir.filePath("kept.gradlab"), &error), qPrintable(error));
    QVERIFY(QFile(dir.filePath("kept.gradlab")).size() > 0);
  }

  // Run > Check Gradients compares the run's backward pass with finite differences, and the
  // analysis docks receive the run's parameters.
  void checkGradientsAndAnalysisViews() {
    Lab lab(toyExperiment());
    trainSteps(lab.window, 20);
    QAction* check = action(lab.window, "Check &Gradients…");
    QVERIFY(check);
    check->trigger();
    auto* dialog = lab.window.findChild<gradlab::ui::GradientCheckDialog*>();
    QVERIFY(dialog && dialog->isVisible());
    QTRY_VERIFY_WITH_TIMEOUT(dialog->result() != nullptr, 120000);
    QVERIFY2(dialog->result()->report.passed(), qPrintable(dialog->verdictText()));
    gradlab::test::screenshot(*dialog, "main_window_gradient_check", 150);
    for (int row = 0; row < dialog->table()->rowCount(); ++row)  // every tensor's row in sight
      QVERIFY2(
          dialog->table()->viewport()->rect().contains(dialog->table()->visualItemRect(dialog->table()->item(row, 0))),
          qPrintable(QString("row %1 of %2").arg(row).arg(dialog->table()->rowCount())));
    for (QLabel* label : dialog->findChildren<QLabel*>())  // the verdict whole
      if (label->isVisible() && label->text() == dialog->verdictText())
        QVERIFY(label->heightForWidth(label->width()) <= label->height());
    dialog->close();
    for (const char* view : {"landscape", "receptive"}) {
      lab.window.dock(view)->raise();
      QTest::qWait(200);
      gradlab::test::screenshot(lab.window, QString("main_window_") + view, 150);
      QWidget* shown = lab.window.dock(view)->widget();
      QVERIFY(shown->isVisible());
      QVERIFY(QRectF(lab.window.rect()).contains(gradlab::test::rectIn(*shown, lab.window)));
    }
    {  // the landscape's plot says what to do, unshortened; the receptive field's table lists every layer
      auto* landscape = lab.window.findChild<gradlab::ui::LandscapeView*>();
      QVERIFY(landscape && !landscape->statusText().isEmpty());
      QVERIFY2(landscape->plot()->elidedLabels().isEmpty(), qPrintable(landscape->plot()->elidedLabels().join(" | ")));
      auto* receptive = lab.window.findChild<gradlab::ui::ReceptiveFieldView*>();
      QVERIFY(receptive);
      QCOMPARE(receptive->table()->rowCount(),
               int(gradlab::analysis::receptiveFields(lab.window.editor().graph()).size()));
    }
  }

  void saveAndReopenGiveTheSameExperiment() {
    QTemporaryDir dir;
    const QString path = dir.filePath("mlp.gradlab");
    gradlab::persist::Experiment saved;
    {
      Lab lab(quickExperiment());
      trainSteps(lab.window, 20);
      lab.window.editor().setParam("h1", "out_features", "128");  // an edit, so the file is not the preset
      QTest::qWait(50);
      QString error;
      QVERIFY2(lab.window.saveFile(path, &error), qPrintable(error));
      saved = lab.window.experiment();
      QVERIFY(lab.window.windowTitle().startsWith("mlp"));
    }
    QTemporaryDir autosave;
    MainWindow reopened({}, autosave.path());
    QString error;
    QVERIFY2(reopened.openFile(path, &error), qPrintable(error));
    const auto back = reopened.experiment();
    QCOMPARE(back.network, saved.network);
    QVERIFY(back.network.find("out_features=128") != std::string::npos);
    QVERIFY(back.layout == saved.layout);
    QVERIFY(back.training == saved.training);
    QCOMPARE(back.trainingHistory.size(), saved.trainingHistory.size());
    QVERIFY(back.trainingHistory.size() >= 20);
    QCOMPARE(reopened.charts().lossPoints(), saved.trainingHistory.size());
  }

  // Trained weights go into the file, the final ones even between probes; reopening starts the
  // run from them and the filter view shows them; Reset goes back to the seed's initialization.
  void trainedWeightsAreSavedAndReopened() {
    if (!haveFashionMnist()) QSKIP("no Fashion-MNIST: the filter view needs image inputs");
    QTemporaryDir dir;
    const QString path = dir.filePath("trained.gradlab");
    auto e = quickExperiment();
    e.training.probeInterval = 1000;  // no probe while training: the weights come from the pause
    gradlab::persist::Experiment saved;
    std::map<std::string, gradlab::persist::Tensor> seeded;
    QImage trainedTile;
    {
      Lab lab(e);
      QTRY_VERIFY_WITH_TIMEOUT(!lab.window.experiment().weights.empty(), 10000);  // the ready run's
      seeded = lab.window.experiment().weights;
      QCOMPARE(seeded.size(), size_t(4));
      QCOMPARE(seeded.at("h1.weight").shape, (std::vector<uint32_t>{256, 784}));
      QVERIFY(!lab.window.isModified());
      trainSteps(lab.window, 12);
      QVERIFY(lab.window.isModified());  // training made unsaved results
      QString error;
      QVERIFY2(lab.window.saveFile(path, &error), qPrintable(error));
      saved = gradlab::persist::loadExperiment(path.toStdString());
      QVERIFY(saved.weights == lab.window.experiment().weights);
      for (const auto& [name, tensor] : seeded) {
        QVERIFY2(saved.weights.count(name), name.c_str());
        QCOMPARE(saved.weights.at(name).shape, tensor.shape);
      }
      QVERIFY(!(saved.weights.at("h1.weight") == seeded.at("h1.weight")));  // trained, not the seed's
      QCOMPARE(lab.window.filters().tileCount(), 256);
      trainedTile = lab.window.filters().tile(0);
    }
    QTemporaryDir autosave;
    MainWindow reopened({}, autosave.path());
    reopened.show();
    QSignalSpy ready(&reopened, &MainWindow::demoReady);
    QString error;
    QVERIFY2(reopened.openFile(path, &error), qPrintable(error));
    QVERIFY(ready.wait(120000));
    QTRY_VERIFY_WITH_TIMEOUT(reopened.filters().tileCount() == 256, 10000);  // before any training
    QVERIFY(reopened.filters().tile(0) == trainedTile);
    QVERIFY(reopened.experiment().weights == saved.weights);  // read back from the new run
    QVERIFY(!reopened.isModified());

    action(reopened, "Reset")->trigger();
    QVERIFY2(reopened.statusBar()->currentMessage().contains("seed"),
             qPrintable(reopened.statusBar()->currentMessage()));
    QTRY_VERIFY_WITH_TIMEOUT(reopened.experiment().weights == seeded, 10000);
  }

  // Reset while snapshots are on their way, then another demo while they are: the charts, the
  // averages, the saved curves and the exported CSV hold the current run only; a file saved then
  // reopens at its step and Play continues its curves.
  void resetAndDemoSwitchKeepOnlyTheCurrentRun() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    trainSteps(window, 60);
    QVERIFY(!window.findChild<gradlab::ui::DepthStatsView*>()->activationStd().isEmpty());
    letSnapshotsQueueUp(window);
    action(window, "Reset")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.controller().state(), gradlab::train::RunState::Ready, 30000);
    QTRY_COMPARE_WITH_TIMEOUT(window.step(), uint64_t(0), 10000);
    QTest::qWait(200);  // whatever else was queued arrives
    QCOMPARE(window.charts().lossPoints(), size_t(0));
    auto* depth = window.findChild<gradlab::ui::DepthStatsView*>();
    QVERIFY(depth);
    // No probe of the old run left: the by-depth view shows the reset run's probe at step 0 alone.
    const auto probedSteps = [depth] {
      depth->refresh();
      QStringList steps;
      const QStringList rows = depth->csv().split('\n', Qt::SkipEmptyParts);
      for (qsizetype i = 1; i < rows.size(); ++i)
        if (!steps.contains(rows[i].section(',', 1, 1))) steps << rows[i].section(',', 1, 1);
      return steps;
    };
    QTRY_COMPARE_WITH_TIMEOUT(probedSteps(), QStringList{"0"}, 10000);
    trainSteps(window, 12);
    verifyOnlyTheCurrentRun(window, "after_reset");

    const gradlab::ui::Demo* demo = nullptr;
    for (const auto& d : gradlab::ui::demos())
      if (d.menu.startsWith("Dropout")) demo = &d;
    QVERIFY(demo);
    letSnapshotsQueueUp(window);
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDemo(*demo);
    QVERIFY(ready.wait(120000));
    QTest::qWait(200);
    QCOMPARE(window.step(), uint64_t(0));
    QCOMPARE(window.charts().lossPoints(), size_t(0));
    trainSteps(window, 12);
    verifyOnlyTheCurrentRun(window, "after_demo_switch");

    QTemporaryDir dir;
    const QString path = dir.filePath("demo.gradlab");
    QString error;
    QVERIFY2(window.saveFile(path, &error), qPrintable(error));
    const uint64_t saved = window.step();
    QCOMPARE(gradlab::persist::loadExperiment(path.toStdString()).progress.step, saved);
    QSignalSpy reopened(&window, &MainWindow::demoReady);
    QVERIFY2(window.openFile(path, &error), qPrintable(error));
    QVERIFY(reopened.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(window.step(), saved, 10000);  // the status shows the saved step, not 0
    QCOMPARE(window.charts().lossPoints(), size_t(saved));
    trainSteps(window, saved + 10);
    verifyOnlyTheCurrentRun(window, "after_reopen");
  }

  // A reopened run continues where it was saved: its step, curves, data order, schedule and
  // Adam's moments, so its next steps are those of the run that went on without stopping.
  void reopenedRunContinuesFromItsStep() {
    auto e = toyExperiment();
    e.training.optimizer = "adam";
    e.training.optimizerValues = {{"lr", "0.01"}};
    e.training.schedule = "cosine";
    e.training.scheduleValues = {{"T_max", "80"}};
    QTemporaryDir dir;
    const QString path = dir.filePath("adam.gradlab");
    Lab lab(e);
    trainSteps(lab.window, 25);
    QString error;
    QVERIFY2(lab.window.saveFile(path, &error), qPrintable(error));
    const uint64_t saved = lab.window.step();
    const auto file = gradlab::persist::loadExperiment(path.toStdString());
    QCOMPARE(file.progress.step, saved);
    QCOMPARE(file.progress.optimizer, std::string("Adam"));
    QVERIFY(file.progress.optimizerState.count("0.exp_avg_sq"));
    trainSteps(lab.window, saved + 20);  // the run that never stopped
    const auto straight = lab.window.experiment().trainingHistory;

    QTemporaryDir autosave;
    MainWindow reopened({}, autosave.path());
    reopened.show();
    QSignalSpy ready(&reopened, &MainWindow::demoReady);
    QVERIFY2(reopened.openFile(path, &error), qPrintable(error));
    QVERIFY(ready.wait(120000));
    QTRY_COMPARE_WITH_TIMEOUT(reopened.step(), saved, 10000);
    const QString status = reopened.statusBar()->currentMessage();
    QVERIFY2(status.contains(QString("Adam's state at step %1").arg(saved)), qPrintable(status));
    QVERIFY(!reopened.isModified());
    trainSteps(reopened, saved + 15);
    verifyOnlyTheCurrentRun(reopened, "reopened_adam");
    const auto continued = reopened.experiment().trainingHistory;
    const size_t common = std::min(continued.size(), straight.size());
    QVERIFY(common >= saved + 15);
    for (size_t i = 0; i < common; ++i)  // bit for bit (MetricPoint's ==), the saved part and the continued one
      QVERIFY2(continued[i] == straight[i], qPrintable(QString("step %1: %2 continued, %3 straight")
                                                           .arg(i)
                                                           .arg(continued[i].loss, 0, 'g', 17)
                                                           .arg(straight[i].loss, 0, 'g', 17)));
  }

  // New, Open, a demo and closing the window ask before unsaved changes go: Save saves them,
  // Discard drops them, Cancel keeps everything as it was.
  void unsavedChangesAreNeverLostSilently() {
    QTemporaryDir dir;
    const QString path = dir.filePath("toy.gradlab");
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    QString error;
    QVERIFY2(window.saveFile(path, &error), qPrintable(error));
    QVERIFY(!window.isModified());
    window.editor().setParam("h1", "out_features", "24");
    QVERIFY(window.isModified());
    const std::string edited = window.experiment().network;

    const gradlab::ui::Demo* demo = nullptr;
    for (const auto& d : gradlab::ui::demos())
      if (!d.race && !demo) demo = &d;
    QVERIFY(demo);
    for (const QString& what : {QString("&New"), QString("&Open…"), demo->menu.section('/', -1)}) {
      ModalAnswer cancel(QMessageBox::Cancel);
      QVERIFY2(action(window, what), qPrintable(what));
      action(window, what)->trigger();
      QVERIFY2(cancel.unexpected.isEmpty(), qPrintable(what + ": " + cancel.unexpected));
      QCOMPARE(cancel.asked, QString("Save changes to toy.gradlab?"));
      QCOMPARE(window.experiment().network, edited);
      QVERIFY(window.isModified());
      QVERIFY(window.explanationText().isEmpty());  // the demo did not open
    }
    {
      ModalAnswer cancel(QMessageBox::Cancel);
      QVERIFY(!window.close());  // the close event was ignored
      QCOMPARE(cancel.asked, QString("Save changes to toy.gradlab?"));
      QVERIFY(window.isVisible());
      QCOMPARE(window.experiment().network, edited);
    }
    {
      ModalAnswer save(QMessageBox::Save);
      action(window, "&New")->trigger();
      QVERIFY(!save.asked.isEmpty());
      QCOMPARE(gradlab::persist::loadExperiment(path.toStdString()).network, edited);  // saved, then replaced
      QVERIFY(window.experiment().network != edited);
      QVERIFY(window.currentPath().isEmpty());
      QVERIFY(!window.isModified());
    }
    {
      ModalAnswer none(QMessageBox::Cancel);  // nothing unsaved: nothing asked
      action(window, "&New")->trigger();
      QTest::qWait(100);
      QVERIFY(none.asked.isEmpty());
    }
    window.editor().addLayer("ReLU", QPointF());  // File > New gave an empty canvas: work on it
    QVERIFY(window.isModified());
    const auto autosaved = window.autosaveSlot()->autosaveFile();
    {
      ModalAnswer discard(QMessageBox::Discard);
      QVERIFY(window.close());
      QCOMPARE(discard.asked, QString("Save changes to Untitled?"));
      QVERIFY(!window.isVisible());
      QCOMPARE(gradlab::persist::loadExperiment(path.toStdString()).network, edited);  // untouched
      QVERIFY(!std::filesystem::exists(autosaved));                                    // a clean exit
    }
  }

  // Switching demos replaces a document nobody touched without asking: a demo that was only
  // opened, or opened and played, holds nothing of the user's.
  void demoSwitchOnAnUntouchedDocumentAsksNothing() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    QVERIFY(!window.isModified());
    for (const QString& title : {QString("Dropout: without and with"), QString("Learning rate too high"),
                                 QString("Learning rate: 0.001, 0.1 and 10")}) {
      QSignalSpy ready(&window, &MainWindow::demoReady);
      {
        ModalAnswer none(QMessageBox::Cancel);
        QVERIFY2(action(window, title), qPrintable(title));
        action(window, title)->trigger();
        QTest::qWait(100);
        QVERIFY2(none.asked.isEmpty(), qPrintable(title + " asked: " + none.asked));
        QVERIFY2(none.unexpected.isEmpty(), qPrintable(none.unexpected));
      }
      QVERIFY2(window.explanationText().contains(title), qPrintable(window.explanationText()));
      QVERIFY(ready.wait(120000));
      QTest::qWait(600);  // anything the window does after the run is built (timers, late signals)
      QVERIFY2(!window.isModified(), qPrintable(title + ": " + window.windowTitle()));
      window.controller().play();  // watching a demo train (or diverge) is not an edit
      QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 3, 120000);
      window.controller().pause();
      QTest::qWait(300);
      QVERIFY2(!window.isModified(), qPrintable(title + " after training: " + window.windowTitle()));
    }
  }

  // On a projector's 1280x720 the window fits the screen instead of running off it.
  void windowFitsASmallScreen() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    QCOMPARE(window.size(), QSize(1440, 900));  // a desktop's size by default
    window.fitTo(QSize(1280, 720));
    window.show();
    QVERIFY2(window.width() <= 1280 && window.height() <= 720,
             qPrintable(QString("%1x%2").arg(window.width()).arg(window.height())));
    window.fitTo(QSize(640, 480));
    QCOMPARE(window.size(), window.minimumSize());
  }

  // The experiment the window starts with is a template like a demo: training it
  // and then opening a demo asks nothing; an edit makes it the user's work.
  void newExperimentIsATemplateUntilEdited() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDefaultExperiment();
    QVERIFY(ready.wait(120000));
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 3, 120000);
    window.controller().pause();
    QTest::qWait(300);
    QVERIFY2(!window.isModified(), qPrintable(window.windowTitle()));
    {
      ModalAnswer none(QMessageBox::Cancel);
      action(window, "Learning rate: 0.001, 0.1 and 10")->trigger();
      QTest::qWait(100);
      QVERIFY2(none.asked.isEmpty(), qPrintable("asked: " + none.asked));
    }
    QVERIFY(ready.wait(120000));
    window.openDefaultExperiment();
    QVERIFY(ready.wait(120000));
    auto* epochs = window.trainingPanel().findChild<QSpinBox*>("epochs");
    epochs->setValue(7);  // the user's own settings now
    emit epochs->editingFinished();
    QTRY_VERIFY_WITH_TIMEOUT(window.isModified(), 5000);
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 1, 120000);
    window.controller().pause();
    QVERIFY(window.isModified());
  }

  // File > New is a blank page: no layers, no name carried over from the experiment before, the
  // title Untitled, nothing unsaved, no error banner; Play says what is missing.
  void fileNewGivesAnEmptyUntitledCanvas() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    QVERIFY(!window.experiment().title.empty());
    action(window, "&New")->trigger();
    QVERIFY(window.editor().graph().inputs.empty());
    QVERIFY(window.editor().graph().nodes.empty());
    QVERIFY2(window.editor().nodeItem("x") == nullptr, "a node of the experiment before is still shown");
    QVERIFY2(window.windowTitle().startsWith("Untitled"), qPrintable(window.windowTitle()));
    QCOMPARE(window.experiment().title, std::string());
    QCOMPARE(window.experiment().training.dataset, gradlab::ui::defaultExperiment().training.dataset);
    QVERIFY(!window.isModified());
    QVERIFY2(window.bannerText().isEmpty(), qPrintable(window.bannerText()));
    QVERIFY(!action(window, "Play")->isEnabled());
  }

  // A wheel turned over the Training panel scrolls it and edits nothing; a focused field takes the
  // wheel, and a value outside the accepted range is refused, red, with the range gradlab-cli names.
  void wheelEditsOnlyFocusedFieldsAndOutOfRangeIsRefused() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    auto& panel = window.trainingPanel();
    auto* epochs = panel.findChild<QSpinBox*>("epochs");
    auto* decayField = panel.findChild<gradlab::ui::ParamField*>("weight_decay");
    QVERIFY(epochs && decayField);
    auto* decay = qobject_cast<QDoubleSpinBox*>(decayField->editor());
    QVERIFY(decay);
    auto wheel = [](QWidget* w, int notches) {
      const QPointF centre(w->width() / 2.0, w->height() / 2.0);
      QWheelEvent e(centre, w->mapToGlobal(centre), QPoint(), QPoint(0, 120 * notches), Qt::NoButton, Qt::NoModifier,
                    Qt::NoScrollPhase, false);
      QApplication::sendEvent(w, &e);
    };
    auto wheelDown = [&](QWidget* w) { wheel(w, -1); };
    window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&window));
    window.editor().view()->setFocus();
    const auto before = window.experiment().training;
    for (QWidget* field : {static_cast<QWidget*>(epochs), static_cast<QWidget*>(decay)}) wheelDown(field);
    for (auto* box : panel.findChildren<QAbstractSpinBox*>()) wheelDown(box);
    for (auto* box : panel.findChildren<QComboBox*>()) wheelDown(box);
    QTest::qWait(100);
    QCOMPARE(epochs->value(), int(before.epochs));
    QCOMPARE(decay->value(), 0.0);
    QVERIFY(window.experiment().training == before);
    QVERIFY2(!window.isModified(), qPrintable(window.windowTitle()));

    decay->setFocus();
    QTRY_VERIFY(decay->hasFocus());
    wheelDown(decay);  // 0 -> -0.01: shown, refused, not applied
    QCOMPARE(decay->value(), -0.01);
    QVERIFY2(decayField->problem().contains("weight_decay >= 0"), qPrintable(decayField->problem()));
    QCOMPARE(panel.problem(), decayField->problem());
    QVERIFY(!panel.settings().optimizerValues.count("weight_decay"));
    QVERIFY(window.experiment().training == before);
    QVERIFY(!window.isModified());
    gradlab::test::screenshot(window, "main_window_refused_weight_decay", 150);
    wheel(decay, 1);  // back to 0: accepted again, and nothing changed
    QVERIFY(decayField->problem().isEmpty());
    QVERIFY(panel.problem().isEmpty());
    QVERIFY(!window.isModified());
  }

  // Settings from a file that the CLI accepts survive an edit of another field in the panel (the
  // panel's own narrower ranges clamped them: batch 8192 -> 4096, seed 1234567 -> 999999).
  void fileSettingsSurviveAnEditInThePanel() {
    auto e = toyExperiment();
    e.training.batch = 8192;
    e.training.seed = 1234567;
    e.training.toySamples = 200000;
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.openExperiment(e);  // the run need not build: the settings are the point
    auto* epochs = window.trainingPanel().findChild<QSpinBox*>("epochs");
    QVERIFY(epochs);
    epochs->setValue(epochs->value() - 1);
    emit epochs->editingFinished();
    const auto s = window.experiment().training;
    QCOMPARE(s.epochs, e.training.epochs - 1);
    QCOMPARE(s.batch, 8192u);
    QCOMPARE(s.seed, 1234567u);
    QCOMPARE(s.toySamples, 200000u);
  }

  // Values the panel's fields cannot show as they are (a seed beyond an int, a noise with more
  // decimals than the field) stay as the file gave them when another field is edited, and an
  // edit of the field itself still counts.
  // A setting the run refuses is named in the panel escaped: an optimizer or schedule name from a
  // file may hold escape sequences.
  void panelProblemsQuoteFileTextEscaped() {
    auto e = toyExperiment();
    e.training.optimizer = "\x1b]0;owned\x07\x1b[2J";
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.openExperiment(e);
    const QString problem = window.trainingPanel().problem();
    QVERIFY2(problem.contains("'\\x1b]0;owned\\x07\\x1b[2J'") && !holdsControlCharacter(problem), shown(problem));
    for (const QString& text : shownTexts(window)) QVERIFY2(!holdsControlCharacter(text), shown(text));
  }

  void settingsBeyondWhatTheFieldsShowSurviveAnEdit() {
    auto e = toyExperiment();
    e.training.seed = 4000000000u;  // gradlab-cli takes up to 4294967295
    e.training.toyNoise = 0.125;
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.openExperiment(e);
    auto* epochs = window.trainingPanel().findChild<QSpinBox*>("epochs");
    auto* seed = window.trainingPanel().findChild<QSpinBox*>("seed");
    QVERIFY(epochs && seed);
    epochs->setValue(epochs->value() + 1);
    emit epochs->editingFinished();
    auto s = window.experiment().training;
    QCOMPARE(s.epochs, e.training.epochs + 1);
    QCOMPARE(s.seed, 4000000000u);
    QCOMPARE(s.toyNoise, 0.125);
    seed->setValue(7);
    emit seed->editingFinished();
    s = window.experiment().training;
    QCOMPARE(s.seed, 7u);
    QCOMPARE(s.toyNoise, 0.125);
  }

  // The learning-rate-too-high demo diverges within a few steps: its banner names the layer that
  // went first, as its text promises; the accuracy axis stops at 100% and the loss axis, which a
  // loss of 1e21 would stretch, turns log by itself and says so.
  void divergingDemoNamesTheLayerAndKeepsItsAxesReadable() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    openDivergedDemo(window);
    const QString banner = window.bannerText();
    static const QRegularExpression layer("first in (h1|a1|h2|a2|logits|loss) \\((Linear|ReLU|CrossEntropyLoss)\\)");
    QVERIFY2(layer.match(banner).hasMatch(), qPrintable(banner));
    // The strip under the editor speaks of the network, never of a run that can go on.
    QVERIFY(!action(window, "Play")->isEnabled());
    const QString strip = window.editor().messageText();
    QVERIFY2(strip.startsWith("Network valid: ") && !strip.contains("ready", Qt::CaseInsensitive), qPrintable(strip));
    QTest::qWait(300);  // the charts redraw at 30 Hz
    const auto& charts = window.charts();
    QVERIFY(charts.lossPoints() >= 3);
    const auto [accuracyMin, accuracyMax] = charts.accuracyAxisRange();
    QVERIFY2(accuracyMin >= 0 && accuracyMax <= 100, qPrintable(QString("%1..%2").arg(accuracyMin).arg(accuracyMax)));
    const auto [lossMin, lossMax] = charts.lossAxisRange();
    QVERIFY2(charts.lossAxisIsLog(), qPrintable(QString("linear loss axis up to %1").arg(lossMax)));
    QVERIFY2(std::isfinite(lossMin) && std::isfinite(lossMax) && lossMax <= 40,
             qPrintable(QString("log10 %1..%2").arg(lossMin).arg(lossMax)));
    QVERIFY2(charts.lossAxisNote().contains("log scale"), qPrintable(charts.lossAxisNote()));
    gradlab::test::screenshot(window, "demo_diverged_1280x720", 200);
    verifyDepthViewReadable(window, "demo_diverged_depth_1280x720");
  }

  // Accuracy near 100% keeps the axis at 100% (a padded, rounded axis reached 150%).
  void accuracyAxisNeverPassesOneHundred() {
    gradlab::ui::TrainingCharts charts;
    charts.resize(800, 300);
    charts.show();
    std::vector<gradlab::persist::MetricPoint> history;
    for (uint64_t step = 0; step < 50; ++step) history.push_back({step, 0.5 / double(step + 1), step < 5 ? 0.9 : 1.0});
    charts.setHistory(history, {});
    QTest::qWait(100);
    QCOMPARE(charts.accuracyAxisRange(), (std::pair<double, double>(0, 100)));
    QVERIFY(!charts.lossAxisIsLog());  // two decades of loss: linear, no note
    QVERIFY(charts.lossAxisNote().isEmpty());
  }

  // An optimizer race demo opened after a run diverged replaces the whole experiment: no banner
  // of the old run, an editor that says this is a 2-D test function and no network, Play that
  // runs the race again, and nothing asked or marked unsaved.
  void raceDemoReplacesADivergedExperiment() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    openDivergedDemo(window);
    QVERIFY(!window.bannerText().isEmpty());
    QSignalSpy finished(&window, &MainWindow::raceFinished);
    {
      ModalAnswer none(QMessageBox::Cancel);
      action(window, "Rosenbrock valley")->trigger();
      QTest::qWait(100);
      QVERIFY2(none.asked.isEmpty(), qPrintable(none.asked));
    }
    QVERIFY2(window.bannerText().isEmpty(), qPrintable(window.bannerText()));
    QVERIFY2(window.editor().placeholderText().contains("2-D test function, not a network"),
             qPrintable(window.editor().placeholderText()));
    QVERIFY(window.editor().placeholderText().contains("Rosenbrock"));
    QVERIFY(!window.editor().view()->isVisible());
    QCOMPARE(window.charts().lossPoints(), size_t(0));
    QVERIFY(action(window, "Play") && action(window, "Play")->isEnabled());
    QVERIFY(!action(window, "Step")->isEnabled());
    QVERIFY(!window.isModified());
    QVERIFY(finished.wait(120000));
    QTest::qWait(1500);  // the paths animate in
    gradlab::test::screenshot(window, "demo_rosenbrock_after_diverged_1280x720", 150);
    action(window, "Play")->trigger();  // runs the race again
    QVERIFY(finished.wait(120000));
    QVERIFY(window.bannerText().isEmpty());
    // A network demo brings the canvas back.
    QSignalSpy ready(&window, &MainWindow::demoReady);
    action(window, "Learning rate too high")->trigger();
    QVERIFY(window.editor().placeholderText().isEmpty());
    QVERIFY(window.editor().view()->isVisible());
    QVERIFY(ready.wait(120000));
  }

  // A race demo after a paused run keeps nothing of that run to save: no weights, no run state.
  void raceDemoKeepsNothingOfAPausedRun() {
    Lab lab(toyExperiment());
    MainWindow& window = lab.window;
    trainSteps(window, 3);
    QTRY_VERIFY_WITH_TIMEOUT(!window.experiment().progress.empty(), 10000);  // a paused run can continue
    const gradlab::ui::Demo* race = nullptr;
    for (const auto& d : gradlab::ui::demos())
      if (d.race && !race) race = &d;
    QVERIFY(race);
    QSignalSpy finished(&window, &MainWindow::raceFinished);
    window.openDemo(*race);
    const auto e = window.experiment();
    QVERIFY(e.weights.empty());
    QVERIFY(e.progress.empty());
    QVERIFY(e.trainingHistory.empty());
    QVERIFY(finished.wait(120000));
  }

  // The Training panel's Convolutions setting is the experiment's, and a 7 x 7 convolution trains
  // through the FFT when it says so.
  void convolutionSettingIsKeptAndTrains() {
    auto e = quickExperiment();
    e.training.convolution = "fft";
    e.training.batch = 16;
    e.training.sampleLimit = 512;
    if (haveFashionMnist())
      e.network =
          "input x: 1x28x28\nc1 = Conv2d(x, out_channels=4, kernel_size=7, padding=3)\na1 = ReLU(c1)\n"
          "f = Flatten(a1)\nlogits = Linear(f, out_features=10)\nloss = CrossEntropyLoss(logits)\n";
    Lab lab(e);
    QCOMPARE(lab.window.experiment().training.convolution, std::string("fft"));
    QComboBox* conv = nullptr;
    for (auto* box : lab.window.findChildren<QComboBox*>())
      if (box->findData("fft") >= 0 && box->findData("direct") >= 0) conv = box;
    QVERIFY(conv);
    QCOMPARE(conv->currentData().toString(), QString("fft"));
    trainSteps(lab.window, 10);
    QVERIFY2(lab.window.bannerText().isEmpty(), qPrintable(lab.window.bannerText()));
    QVERIFY(lab.window.charts().lossPoints() >= 10);
    conv->setCurrentIndex(conv->findData("direct"));
    QCOMPARE(lab.window.experiment().training.convolution, std::string("direct"));
    QVERIFY(lab.window.isModified());
  }

  void corruptOrForeignFilesChangeNothing() {
    Lab lab(quickExperiment());
    const auto before = lab.window.experiment();
    QTemporaryDir dir;
    for (const auto& [name, bytes] :
         {std::pair<QString, QByteArray>{"foreign.gradlab", "\x89PNG\r\n\x1a\n not an experiment"},
          {"empty.gradlab", ""}}) {
      QFile f(dir.filePath(name));
      QVERIFY(f.open(QIODevice::WriteOnly));
      f.write(bytes);
      f.close();
      QString error;
      QVERIFY(!lab.window.openFile(f.fileName(), &error));
      QVERIFY2(!error.isEmpty(), qPrintable(name));
    }
    // A real file with one byte flipped in the middle.
    const QString good = dir.filePath("good.gradlab");
    QString error;
    QVERIFY(lab.window.saveFile(good, &error));
    QFile f(good);
    QVERIFY(f.open(QIODevice::ReadWrite));
    QByteArray bytes = f.readAll();
    bytes[bytes.size() / 2] = char(bytes[bytes.size() / 2] ^ 0x20);
    f.seek(0);
    f.write(bytes);
    f.close();
    QVERIFY(!lab.window.openFile(good, &error));
    QVERIFY2(error.contains("corrupt", Qt::CaseInsensitive) || error.contains("damaged", Qt::CaseInsensitive),
             qPrintable(error));
    const auto after = lab.window.experiment();
    QCOMPARE(after.network, before.network);
    QVERIFY(after.training == before.training);
  }

  // Text a file brings (its name, its network's title, its dataset) reaches the window title, the
  // status bar, the run's description, the dataset choice and the banner escaped and cut short,
  // never raw; so do the title and message of the dialog refusing a file that cannot be opened.
  void fileTextIsShownEscaped() {
    const std::string hostile = "\x1b]0;owned\x07\x1b[2J";
    const QString escaped = "\\x1b]0;owned\\x07\\x1b[2J";
    QTemporaryDir dir;
    auto e = toyExperiment();
    auto parsed = gradlab::nn::parseNetwork(e.network);
    parsed.graph.title = hostile + std::string(2000, 'A');
    e.network = gradlab::nn::printNetwork(parsed.graph);
    e.title.clear();
    const QString path = dir.filePath(QString::fromStdString(hostile + ".gradlab"));
    gradlab::persist::saveExperiment(e, path.toStdString());
    e.training.dataset = "idx:" + dir.path().toStdString() + "/" + hostile;  // no such folder
    const QString badData = dir.filePath("data.gradlab");
    gradlab::persist::saveExperiment(e, badData.toStdString());

    Lab lab(toyExperiment());
    QSignalSpy described(&lab.window.controller(), &gradlab::ui::TrainingController::ready);
    QSignalSpy ready(&lab.window, &MainWindow::demoReady);
    QString error;
    QVERIFY2(lab.window.openFile(path, &error), qPrintable(error));
    QVERIFY(ready.wait(120000));
    QVERIFY2(lab.window.windowTitle().startsWith(escaped), shown(lab.window.windowTitle()));
    QVERIFY2(lab.window.statusBar()->currentMessage().startsWith("Opened " + escaped),
             shown(lab.window.statusBar()->currentMessage()));
    QVERIFY(!described.isEmpty());
    const QString description = described.last().at(0).toString();
    QVERIFY2(description.startsWith(escaped + "AAA") && description.size() < 500, shown(description));
    for (const QString& text : shownTexts(lab.window) + QStringList{description})
      QVERIFY2(!holdsControlCharacter(text), shown(text));

    QSignalSpy failed(&lab.window, &MainWindow::demoFailed);
    QVERIFY2(lab.window.openFile(badData, &error), qPrintable(error));
    QVERIFY(failed.wait(60000));
    QVERIFY2(lab.window.bannerText().contains(escaped), shown(lab.window.bannerText()));
    for (const QString& text : shownTexts(lab.window) + QStringList{failed.last().at(0).toString()})
      QVERIFY2(!holdsControlCharacter(text), shown(text));
    verifyOpenDialogIsEscaped(lab.window, dir);
  }

  void autosaveWritesTheExperiment() {
    Lab lab(toyExperiment());
    QVERIFY(lab.window.autosaveSlot());
    const auto file = lab.window.autosaveSlot()->autosaveFile();
    lab.window.autosaveNow();  // written on a worker thread
    QTRY_VERIFY_WITH_TIMEOUT(std::filesystem::exists(file), 10000);
    QCOMPARE(gradlab::persist::loadExperiment(file).network, lab.window.experiment().network);
    // A close while a write is in flight waits for it: the write cannot recreate the file after
    // the clean exit removed it.
    lab.window.editor().setParam("h1", "out_features", "32");
    lab.window.autosaveNow();
    lab.window.autosaveNow();  // skipped: one write at a time
    ModalAnswer discard(QMessageBox::Discard);
    QVERIFY(lab.window.close());  // a clean exit leaves nothing to restore
    QVERIFY(!std::filesystem::exists(file));
    QTest::qWait(200);
    QVERIFY(!std::filesystem::exists(file));
  }

  // A crashed session's autosave that cannot be opened survives the failed restore, and is
  // offered again at the next start, instead of being discarded with the answer.
  void failedRestoreKeepsTheAutosave() {
    QTemporaryDir autosave;
    const std::filesystem::path folder = autosave.path().toStdString();
    const pid_t gone = fork();
    if (gone == 0) _exit(0);
    waitpid(gone, nullptr, 0);
    const std::string crashed = "autosave-" + std::to_string(gone);
    const auto write = [&](const std::string& name, const QByteArray& bytes) {
      QFile file(QString::fromStdString((folder / name).string()));
      QVERIFY(file.open(QIODevice::WriteOnly));
      file.write(bytes);
    };
    write(crashed + ".running", QByteArray::number(gone) + " 1\n");
    write(crashed + ".gradlab", "GRADLAB\n0123");  // cut inside its header
    MainWindow window{{}, autosave.path()};
    QStringList asked;
    QTimer answer;
    QObject::connect(&answer, &QTimer::timeout, &answer, [&] {
      if (auto* box = qobject_cast<QMessageBox*>(QApplication::activeModalWidget())) {
        asked << box->text();
        (box->button(QMessageBox::Yes) ? box->button(QMessageBox::Yes) : box->button(QMessageBox::Ok))->click();
      }
    });
    answer.start(20);
    window.offerRecovery();
    answer.stop();
    QCOMPARE(asked.size(), 2);
    QVERIFY2(asked[1].contains("is incomplete") && asked[1].contains("is kept"), qPrintable(asked[1]));
    QVERIFY(std::filesystem::exists(folder / (crashed + ".gradlab")));
    QCOMPARE(gradlab::persist::AutosaveSlot(folder).recoverable().size(), size_t(1));
  }

  void badDeviceIsExplainedNotFatal() {
    QTemporaryDir autosave;
    MainWindow window("no-such-device", autosave.path());
    window.show();
    QSignalSpy failed(&window, &MainWindow::demoFailed);
    auto e = quickExperiment();
    e.training.device = "no-such-device";
    window.openExperiment(e);
    QVERIFY(failed.wait(60000));
    QVERIFY(failed.at(0).at(0).toString().contains("no-such-device"));
    QTRY_COMPARE_WITH_TIMEOUT(window.deviceText(), QString("No Vulkan device"), 30000);
  }

  // The toolbar's Play in race mode runs the race the panel's controls describe now, as the
  // panel's own Play does, not the last race that ran; a mistyped spec is said in the panel.
  void toolbarPlayRunsTheRaceAsTyped() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.show();
    const gradlab::ui::Demo* demo = nullptr;
    for (const auto& d : gradlab::ui::demos())
      if (d.race && d.race->optimizers.size() > 1) demo = &d;
    QVERIFY(demo);
    QSignalSpy finished(&window, &MainWindow::raceFinished);
    window.openDemo(*demo);
    QVERIFY(finished.wait(120000));
    QCOMPARE(window.surface().trajectoryCount(), int(demo->race->optimizers.size()));
    auto* panel = window.findChild<gradlab::ui::SurfaceRacePanel*>();
    QVERIFY(panel);
    panel->setOptimizers("adam:lr=0.05");
    action(window, "Play")->trigger();
    QVERIFY(finished.wait(120000));
    QCOMPARE(window.surface().trajectoryCount(), 1);
    QVERIFY2(finished.last().at(0).toString().contains("Adam"), qPrintable(finished.last().at(0).toString()));
    panel->setOptimizers("adamm");
    action(window, "Play")->trigger();
    QVERIFY(!finished.wait(1000));
    QVERIFY2(panel->statusText().contains("adamm"), qPrintable(panel->statusText()));
    QCOMPARE(window.surface().trajectoryCount(), 1);
  }

  // Every demo opens, trains a little (or races) and shows its view; a screenshot of each.
  void everyDemoRuns_data() {
    QTest::addColumn<int>("index");
    for (size_t i = 0; i < gradlab::ui::demos().size(); ++i)
      QTest::newRow(qPrintable(gradlab::ui::demos()[i].menu)) << int(i);
  }

  void everyDemoRuns() {
    QFETCH(int, index);
    const auto& demo = gradlab::ui::demos()[size_t(index)];
    const QString name = QString("demo_%1_%2")
                             .arg(index + 1, 2, 10, QChar('0'))
                             .arg(demo.menu.toLower().replace(QRegularExpression("[^a-z0-9]+"), "_"));
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.show();
    if (demo.race) {
      QSignalSpy finished(&window, &MainWindow::raceFinished);
      window.openDemo(demo);
      QVERIFY2(finished.wait(120000), qPrintable(demo.menu));
      QCOMPARE(window.surface().trajectoryCount(), int(demo.race->optimizers.size()));
      QTest::qWait(1500);  // the paths animate in
    } else {
      if (demo.experiment.training.dataset == "fashion-mnist" && !haveFashionMnist()) QSKIP("no Fashion-MNIST");
      QSignalSpy ready(&window, &MainWindow::demoReady);
      gradlab::ui::Demo quick = demo;  // a subset keeps the test quick; the views are the same
      if (quick.experiment.training.dataset == "fashion-mnist") quick.experiment.training.sampleLimit = 1000;
      window.openDemo(quick);
      QVERIFY2(ready.wait(120000), qPrintable(demo.menu));
      QVERIFY(!window.explanationText().isEmpty());
      window.controller().play();
      const bool diverges = demo.menu.contains("too high");
      QTRY_VERIFY_WITH_TIMEOUT(diverges ? !window.bannerText().isEmpty() : window.step() >= 10, 400000);
      window.controller().pause();
      QTest::qWait(300);
    }
    QVERIFY(window.dock(demo.view) && window.dock(demo.view)->isVisible());
    gradlab::test::screenshot(window, name, 150);
    // What the picture shows: the demo's view in the window, its charts labelled whole.
    QVERIFY(QRectF(window.rect()).contains(gradlab::test::rectIn(*window.dock(demo.view)->widget(), window)));
    for (QChartView* chart : window.dock(demo.view)->findChildren<QChartView*>()) {
      const QStringList shortened = gradlab::test::elided(gradlab::test::sceneTexts(*chart->scene()));
      QVERIFY2(shortened.isEmpty(), qPrintable(chart->chart()->title() + ": " + shortened.join(" | ")));
    }
    if (demo.race) return;
    // The By-depth view (its layers named once the run has probed them), at the lab's size and at 1280x720.
    verifyDepthViewReadable(window, name + "_depth");
    window.resize(1280, 720);
    verifyDepthViewReadable(window, name + "_depth_1280x720");
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"

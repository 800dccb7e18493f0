// The lab in front of a class: at a projector's 1280x720 and at 1920x1080 (and, run again under
// QT_SCALE_FACTOR=2, at 2560x1440 device pixels) the editing layout leaves the canvas a usable
// share of the window with readable node text, no chart title, axis label or dock tab is cut
// short, training brings the views forward, and presentation mode fills the screen with the view
// and gives the window back exactly as it was. Screenshots go to build/screenshots.
#include "demos.h"
#include "editor/network_editor.h"
#include "editor/node_item.h"
#include "main_window.h"
#include "persist/experiment_file.h"
#include "run_list_dock.h"
#include "support/ui_test.h"
#include "training_charts.h"
#include "training_controller.h"
#include "window/keyboard_shortcuts.h"
#include "window/presentation.h"
#include "window/theme.h"

#include <QApplication>
#include <QDockWidget>
#include <QGraphicsView>
#include <QMenuBar>
#include <QRegularExpression>
#include <QScreen>
#include <QSettings>
#include <QSignalSpy>
#include <QStandardPaths>
#include <QTabBar>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QToolBar>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QValueAxis>

#include <filesystem>

using gradlab::ui::MainWindow;
using gradlab::ui::Presentation;
using namespace gradlab;

namespace {

// The default experiment's settings on a 2-D toy set and a small MLP: builds and trains at once.
persist::Experiment toyExperiment() {
  auto e = ui::defaultExperiment();
  e.training.dataset = "moons";
  e.training.epochs = 1000;
  e.network = ui::builtInNetwork("toy_mlp_2d");
  return e;
}

QString sizeText(QSize s) { return QString("%1x%2").arg(s.width()).arg(s.height()); }

// The widths of the lines the charts under `view` draw, thinnest first.
std::vector<double> lineWidths(QWidget& view) {
  std::vector<double> widths;
  for (QChartView* chart : view.findChildren<QChartView*>())
    for (QAbstractSeries* series : chart->chart()->series())
      if (auto* line = qobject_cast<QLineSeries*>(series)) widths.push_back(line->pen().widthF());
  std::sort(widths.begin(), widths.end());
  return widths;
}

QString widthsText(const std::vector<double>& widths) {
  QStringList texts;
  for (double w : widths) texts << QString::number(w);
  return texts.join(" ");
}

// Texts shown shortened anywhere in the window: chart titles and axis labels ("…" from Qt Charts)
// and dock tabs narrower than their title.
QStringList shortenedTexts(QWidget& window) {
  QStringList shortened;
  for (QChartView* chart : window.findChildren<QChartView*>())
    if (chart->isVisible())
      for (const QString& t : test::elided(test::sceneTexts(*chart->scene()))) shortened << "chart: " + t;
  for (QTabBar* tabs : window.findChildren<QTabBar*>()) {
    if (!tabs->isVisible()) continue;
    for (int i = 0; i < tabs->count(); ++i) {
      const int needed = tabs->fontMetrics().horizontalAdvance(tabs->tabText(i));
      if (tabs->tabRect(i).width() < needed + 8 || !tabs->rect().contains(tabs->tabRect(i)))
        shortened << "tab: " + tabs->tabText(i);  // cut short, or scrolled out of sight
    }
  }
  return shortened;
}

struct Lab {
  QTemporaryDir autosave;
  MainWindow window{{}, autosave.path()};
  explicit Lab(QSize size) {
    window.resize(size);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(toyExperiment());
    QVERIFY(ready.wait(120000));
    QTest::qWait(200);
  }
};

}  // namespace

class TestProjectorLayout : public QObject {
  Q_OBJECT

 private slots:
  void initTestCase() { QStandardPaths::setTestModeEnabled(true); }

  void editingLayoutFits_data() {
    QTest::addColumn<QSize>("size");
    QTest::newRow("1280x720") << QSize(1280, 720);
    QTest::newRow("1920x1080") << QSize(1920, 1080);
  }

  // Editing: the canvas keeps at least 40% of the width and a third of the height, node text is
  // at least 9 pt as shown, and nothing is cut short.
  void editingLayoutFits() {
    QFETCH(QSize, size);
    Lab lab(size);
    MainWindow& window = lab.window;
    QCOMPARE(window.size(), size);
    const QString scale = qEnvironmentVariableIsSet("QT_SCALE_FACTOR") ? "_x" + qgetenv("QT_SCALE_FACTOR") : "";
    test::screenshot(window, "projector_editing_" + sizeText(size) + scale, 300);
    const QWidget* canvas = window.editor().view()->viewport();
    qInfo("canvas %dx%d in %s", canvas->width(), canvas->height(), qPrintable(sizeText(size)));
    QVERIFY2(canvas->width() >= 0.4 * size.width(), qPrintable(QString("canvas %1 px wide").arg(canvas->width())));
    QVERIFY2(canvas->height() >= size.height() / 3, qPrintable(QString("canvas %1 px high").arg(canvas->height())));
    const double shown = ui::NodeItem::detailFont().pointSizeF() * window.editor().view()->transform().m11();
    QVERIFY2(shown >= 9 - 1e-9, qPrintable(QString("node text %1 pt").arg(shown)));
    const QStringList shortened = shortenedTexts(window);
    QVERIFY2(shortened.isEmpty(), qPrintable(shortened.join(" | ")));
  }

  // Play brings the views forward (they get most of the height); an edit gives the canvas its
  // room back.
  void trainingBringsTheViewsForward() {
    Lab lab(QSize(1280, 720));
    MainWindow& window = lab.window;
    const int editing = window.dock("loss")->height();
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 3, 60000);
    window.controller().pause();
    QTest::qWait(200);
    const QString scale = qEnvironmentVariableIsSet("QT_SCALE_FACTOR") ? "_x" + qgetenv("QT_SCALE_FACTOR") : "";
    test::screenshot(window, "projector_training_1280x720" + scale, 300);
    const int training = window.dock("loss")->height();
    QVERIFY2(training >= window.height() / 2, qPrintable(QString("views %1 px high while training").arg(training)));
    QVERIFY2(training > editing, qPrintable(QString("%1 -> %2").arg(editing).arg(training)));
    QStringList shortened = shortenedTexts(window);
    QVERIFY2(shortened.isEmpty(), qPrintable(shortened.join(" | ")));
    window.editor().addLayer("ReLU", QPointF(300, 0));
    QTest::qWait(200);
    QCOMPARE(window.dock("loss")->height(), editing);
  }

  // A comparison demo's run list at 1280x720 reads whole: what each run changes ("lr 0.1 instead
  // of 0.001") wraps in its column, also while training (the state column says "Training" alone).
  void runListReadsWholeInAComparisonDemo() {
    const auto& demos = ui::demos();
    const auto demo = std::find_if(demos.begin(), demos.end(), [](const ui::Demo& d) {
      return d.menu.startsWith("Learning rate: ") && d.experiment.comparisons.size() == 2;
    });
    QVERIFY(demo != demos.end());
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openDemo(*demo);
    QVERIFY(ready.wait(120000));
    QTest::qWait(200);
    const QTableView& runs = *window.runList().table();
    QCOMPARE(runs.model()->rowCount(), 3);
    QVERIFY(runs.isVisible());
    QStringList cut = test::cutCells(runs);
    QVERIFY2(cut.isEmpty(), qPrintable("ready: " + cut.join(" | ")));
    window.controller().play();
    QTRY_COMPARE_WITH_TIMEOUT(window.runList().cellText(2, 3), QString("Training"), 60000);
    QTest::qWait(100);
    cut = test::cutCells(runs);
    test::screenshot(window, "projector_run_list_learning_rate_1280x720", 0);
    window.controller().pause();
    QVERIFY2(cut.isEmpty(), qPrintable("training: " + cut.join(" | ")));
  }

  // The docks as the user left them come back at the next start (not shared out anew for the
  // window's size) and stay as they are when a file is opened, also after Play arranged them.
  void usersLayoutSurvivesRestartAndOpen() {
    QSettings().remove("window");
    struct Forget {  // the other tests start from no saved layout, whatever happens here
      ~Forget() { QSettings().remove("window"); }
    } forget;
    QTemporaryDir autosave;
    const QString file = autosave.filePath("toy.gradlab");
    persist::saveExperiment(toyExperiment(), file.toStdString());
    const QSize size(1280, 720);
    int paletteWidth = 0, viewsHeight = 0;
    {
      MainWindow window({}, autosave.path());
      window.resize(size);
      window.show();
      window.fitTo(size);
      QTest::qWait(200);
      const int shared = window.dock("palette")->width();
      window.resizeDocks({window.dock("palette")}, {shared + 120}, Qt::Horizontal);
      window.resizeDocks({window.dock("loss")}, {200}, Qt::Vertical);
      QTest::qWait(200);
      paletteWidth = window.dock("palette")->width();
      viewsHeight = window.dock("loss")->height();
      QVERIFY2(paletteWidth > shared + 60, qPrintable(QString("%1 -> %2").arg(shared).arg(paletteWidth)));
      QVERIFY(window.close());
    }
    MainWindow window({}, autosave.path());
    window.show();  // as main() starts the lab
    window.fitTo(size);
    QSignalSpy ready(&window, &MainWindow::demoReady);
    window.openExperiment(toyExperiment());
    QVERIFY(ready.wait(120000));
    QTest::qWait(200);
    auto near = [](int a, int b) { return std::abs(a - b) <= 2; };
    QVERIFY2(near(window.dock("palette")->width(), paletteWidth) && near(window.dock("loss")->height(), viewsHeight),
             qPrintable(QString("after a restart: palette %1 (was %2), views %3 (were %4)")
                            .arg(window.dock("palette")->width())
                            .arg(paletteWidth)
                            .arg(window.dock("loss")->height())
                            .arg(viewsHeight)));
    window.controller().play();  // the training layout, which the user changes too
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Running, 20000);
    window.controller().pause();
    QTest::qWait(200);
    window.resizeDocks({window.dock("loss")}, {window.dock("loss")->height() - 100}, Qt::Vertical);
    QTest::qWait(200);
    const int training = window.dock("loss")->height(), trainingPalette = window.dock("palette")->width();
    QString error;
    QVERIFY2(window.openFile(file, &error), qPrintable(error));
    QVERIFY(ready.wait(120000));
    QTest::qWait(200);
    QVERIFY2(near(window.dock("loss")->height(), training) && near(window.dock("palette")->width(), trainingPalette),
             qPrintable(QString("after File > Open: views %1 (were %2), palette %3 (was %4)")
                            .arg(window.dock("loss")->height())
                            .arg(training)
                            .arg(window.dock("palette")->width())
                            .arg(trainingPalette)));
  }

  // Presentation mode: the view in front fills the screen under a toolbar with Play, Step and
  // Reset, in larger text; the editor is not shown. Esc leaves it and the window is as before.
  void presentationModeFillsTheScreenAndEscRestores() {
    Lab lab(QSize(1280, 720));
    MainWindow& window = lab.window;
    QDockWidget* loss = window.dock("loss");
    QWidget* view = loss->widget();
    QChart* chart = view->findChild<QChartView*>()->chart();
    const double titlePoints = chart->titleFont().pointSizeF(),
                 axisPoints = chart->axes().front()->labelsFont().pointSizeF();
    // Play gives the views the room (trainingBringsTheViewsForward); the Space pressed in the
    // presentation below would do that behind it, so the desk is in its training layout first.
    window.controller().play();
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 3, 20000);
    window.controller().pause();
    QTest::qWait(200);
    const std::vector<double> deskWidths = lineWidths(*view);
    QVERIFY2(!deskWidths.empty() && deskWidths.front() < Presentation::kMinPenWidth,
             qPrintable(widthsText(deskWidths)));
    const QByteArray state = window.saveState(), geometry = window.saveGeometry();
    const QRect editorRect = QRect(window.editor().mapTo(&window, QPoint()), window.editor().size());
    QCOMPARE(window.frontView(), loss);
    QAction* present = nullptr;
    for (QAction* a : window.menuBar()->actions())
      if (a->menu())
        for (QAction* b : a->menu()->actions())
          if (b->shortcut() == QKeySequence(Qt::Key_F11)) present = b;
    QVERIFY(present);
    present->trigger();
    ui::Presentation* shown = window.presentation();
    QVERIFY(shown);
    QVERIFY(QTest::qWaitForWindowActive(shown));
    QTest::qWait(300);
    QVERIFY(shown->isFullScreen());
    const QRect screen = shown->screen()->geometry();
    qInfo("screen %dx%d", screen.width(), screen.height());
    QCOMPARE(shown->geometry(), screen);
    QCOMPARE(shown->view(), view);
    QVERIFY(view->isVisible());
    QVERIFY2(view->width() * view->height() >= 0.8 * screen.width() * screen.height(),
             qPrintable(QString("view %1x%2 on %3x%4")
                            .arg(view->width())
                            .arg(view->height())
                            .arg(screen.width())
                            .arg(screen.height())));
    QStringList texts;
    for (QAction* a : shown->toolBar()->actions()) texts << a->text();
    for (const QString wanted : {"Play", "Step", "Reset"})
      QVERIFY2(texts.contains(wanted), qPrintable(texts.join(",")));
    QVERIFY(shown->font().pointSizeF() >= window.font().pointSizeF() * 1.5);
    QVERIFY(chart->titleFont().pointSizeF() >= titlePoints * 1.5);
    QVERIFY(chart->axes().front()->labelsFont().pointSizeF() >= axisPoints * 1.5);
    QVERIFY(!window.editor().isAncestorOf(view) && !shown->isAncestorOf(&window.editor()));
    test::screenshot(*shown, "projector_presentation", 300);
    QStringList shortened = shortenedTexts(*shown);
    QVERIFY2(shortened.isEmpty(), qPrintable(shortened.join(" | ")));
    // Every line at least 3 px wide, also the lines made while presenting (a reference kept).
    QVERIFY2(lineWidths(*view).front() >= Presentation::kMinPenWidth, qPrintable(widthsText(lineWidths(*view))));
    auto* charts = window.findChild<ui::TrainingCharts*>();
    charts->keepReference();
    QTest::qWait(100);
    const std::vector<double> withReference = lineWidths(*view);
    QVERIFY(withReference.size() > deskWidths.size());
    QVERIFY2(withReference.front() >= Presentation::kMinPenWidth, qPrintable(widthsText(withReference)));
    charts->clearReference();  // its series made anew, while presenting too
    QTest::qWait(100);
    // Space trains from the presentation's keyboard.
    QTest::keyClick(shown, Qt::Key_Space);
    QTRY_VERIFY_WITH_TIMEOUT(window.controller().state() == train::RunState::Running, 20000);
    window.controller().pause();
    QTest::keyClick(shown, Qt::Key_Escape);
    QTRY_VERIFY(window.presentation() == nullptr);
    QCOMPARE(loss->widget(), view);
    QVERIFY(view->isVisible());
    QCOMPARE(chart->titleFont().pointSizeF(), titlePoints);  // the desk's look again
    QCOMPARE(chart->axes().front()->labelsFont().pointSizeF(), axisPoints);
    QTest::qWait(100);
    QCOMPARE(lineWidths(*view), deskWidths);  // the desk's lines, also those made while presenting
    QCOMPARE(window.saveState(), state);
    QCOMPARE(window.saveGeometry(), geometry);
    QCOMPARE(QRect(window.editor().mapTo(&window, QPoint()), window.editor().size()), editorRect);
    QVERIFY(!present->isChecked());
  }

  // Help > Keyboard Shortcuts lists every action that has a key, from the actions themselves;
  // every menu opens from the keyboard (Alt and its underlined letter).
  void keyboardShortcutsListEveryActionWithAKey() {
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    const auto entries = ui::keyboardShortcuts(window);
    QStringList listed;
    for (const auto& e : entries) listed << e.where + " = " + e.keys;
    for (const QAction* a : window.findChildren<QAction*>()) {
      if (a->shortcuts().isEmpty() || a->text().isEmpty()) continue;
      const QString keys = a->shortcut().toString(QKeySequence::NativeText);
      bool found = false;
      for (const auto& e : entries)
        found |=
            e.keys.contains(keys) && e.where.endsWith(QString(a->text()).remove('&').remove(QChar(0x2026)).trimmed());
      QVERIFY2(found, qPrintable(a->text() + " (" + keys + ") is not listed: " + listed.join("; ")));
    }
    for (const QString wanted : {"Run > Play = Space", "View > Presentation Mode = F11", "Edit > Undo = Ctrl+Z",
                                 "Help > Keyboard Shortcuts = Ctrl+/"})
      QVERIFY2(!listed.filter(QRegularExpression("^" + QRegularExpression::escape(wanted) + "(,|$)")).isEmpty(),
               qPrintable(wanted + " missing from " + listed.join("; ")));
    for (const QAction* menu : window.menuBar()->actions())
      QVERIFY2(menu->text().contains('&'), qPrintable(menu->text()));
  }

  // View > Theme: Dark and Light set the window's, the canvas's and the charts' colours (Qt Charts
  // has a white theme of its own); System gives the desktop's palette back.
  void themeSetsTheColours() {
    QSettings().remove("view/theme");  // the desktop's palette to start from
    const QPalette system = QApplication::palette();
    QTemporaryDir autosave;
    MainWindow window({}, autosave.path());
    window.resize(1280, 720);
    window.show();
    window.openExperiment(toyExperiment());
    auto choose = [&](const char* name) {
      QAction* a = window.findChild<QAction*>(name);
      QVERIFY(a);
      a->trigger();
      QTest::qWait(100);
    };
    auto canvasLightness = [&] {
      const QImage shot = window.grab().toImage();
      return test::meanLightness(shot, test::rectIn(*window.editor().view()->viewport(), window));
    };
    QChartView* lossChart = window.dock("loss")->widget()->findChild<QChartView*>();
    auto chartLightness = [&] {
      const QImage shot = window.grab().toImage();
      return test::meanLightness(shot, test::rectIn(*lossChart, window));
    };
    choose("theme2");
    QCOMPARE(ui::currentTheme(), ui::Theme::Dark);
    QVERIFY(window.palette().color(QPalette::Window).lightness() < 80);
    test::screenshot(window, "projector_theme_dark", 100);
    QVERIFY2(canvasLightness() < 80, qPrintable(QString::number(canvasLightness())));
    QVERIFY(lossChart->isVisible());
    QVERIFY2(chartLightness() < 80, qPrintable(QString("loss chart lightness %1").arg(chartLightness())));
    // Its texts light on the dark: the title, axis labels and titles drawn in the palette's text colour.
    const QColor text = window.palette().color(QPalette::Text);
    const int textPixels = test::countPixels(window.grab().toImage(), test::rectIn(*lossChart, window), text, 60);
    QVERIFY2(textPixels > 200, qPrintable(QString("%1 pixels of text colour").arg(textPixels)));
    for (QAbstractAxis* axis : lossChart->chart()->axes()) {
      QCOMPARE(axis->labelsBrush().color(), text);
      QCOMPARE(axis->titleBrush().color(), text);
    }
    // A chart made after the choice follows it, and so does an axis added to it later.
    QChartView later(new QChart);
    later.resize(300, 200);
    later.show();
    QTest::qWait(50);
    QVERIFY(later.chart()->backgroundBrush().color().lightness() < 80);
    auto* axis = new QValueAxis;
    later.chart()->addAxis(axis, Qt::AlignLeft);
    QTRY_COMPARE(axis->labelsBrush().color(), text);
    choose("theme1");
    QVERIFY(window.palette().color(QPalette::Window).lightness() > 180);
    QVERIFY2(canvasLightness() > 180, qPrintable(QString::number(canvasLightness())));
    QVERIFY2(chartLightness() > 180, qPrintable(QString("loss chart lightness %1").arg(chartLightness())));
    choose("theme0");
    QCOMPARE(QApplication::palette(), system);
    QSettings().remove("view/theme");
  }
};

QTEST_MAIN(TestProjectorLayout)
#include "test_projector_layout.moc"

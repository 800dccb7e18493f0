// The lab window as a user first sees it: it opens at once, finds the device without blocking,
// loads the default demo, trains when Play is pressed with the charts following, pauses, steps,
// resets, and explains a run that went NaN. Screenshots are written for people to look at.
#include "main_window.h"
#include "training_charts.h"

#include <QAction>
#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenuBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTest>

#include <filesystem>

using gradlab::ui::MainWindow;

namespace {

QAction* action(MainWindow& w, const QString& text) {
  for (QAction* a : w.findChildren<QAction*>())
    if (a->text() == text) return a;
  return nullptr;
}

void screenshot(QWidget& w, const QString& name) {
  QTest::qWait(150);  // let layouts and the 30 Hz chart refresh settle, as they would on screen
  QDir().mkpath(SCREENSHOT_DIR);
  QVERIFY(w.grab().save(QString(SCREENSHOT_DIR) + "/" + name + ".png"));
}

// The default demo on a subset, so the test stays quick; a toy set when Fashion-MNIST is absent.
gradlab::ui::DemoSetup quickDemo() {
  auto demo = gradlab::ui::defaultDemo();
  demo.limit = 3000;
  if (!std::filesystem::exists("/usr/share/datasets/fashion-mnist")) {
    demo.dataset = "spiral";
    demo.networkText = "input x: 2\nh = Linear(x, out_features=32)\na = ReLU(h)\nlogits = Linear(a, out_features=3)\n"
                       "loss = CrossEntropyLoss(logits)\n";
  }
  return demo;
}

}  // namespace

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void opensAndShowsTheDevice() {
    QElapsedTimer timer;
    timer.start();
    MainWindow window;
    QSignalSpy ready(&window, &MainWindow::deviceReady);
    window.show();
    // The window is up before the device is known: the probe runs off the UI thread.
    QVERIFY(window.isVisible());
    QVERIFY(timer.elapsed() < 2000);
    QVERIFY(ready.wait(30000) || ready.count() == 1);
    QVERIFY2(window.deviceText().startsWith("Device: "), qPrintable(window.deviceText()));
    QCOMPARE(window.windowTitle(), QString("GradLab"));
    QVERIFY(window.menuBar()->actions().size() >= 2);
    screenshot(window, "main_window_welcome");
  }

  void defaultDemoTrainsPausesStepsAndResets() {
    MainWindow window;
    window.show();
    QSignalSpy demoReady(&window, &MainWindow::demoReady);
    window.startDemo(quickDemo());
    QVERIFY(demoReady.wait(60000));
    QAction* play = action(window, "Play");
    QVERIFY(play && play->isEnabled());
    QTest::keyClick(&window, Qt::Key_Space);  // Play, as a user would
    QTRY_VERIFY_WITH_TIMEOUT(window.step() >= 60, 60000);
    QVERIFY(action(window, "Pause"));
    action(window, "Pause")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(action(window, "Play") != nullptr, 10000);
    QTest::qWait(200);
    const uint64_t paused = window.step();
    QTest::qWait(200);
    QCOMPARE(window.step(), paused);
    QVERIFY(window.charts().lossPoints() >= 60);
    screenshot(window, "main_window_training");
    action(window, "Step")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.step(), paused + 1, 10000);
    action(window, "Reset")->trigger();
    QTRY_COMPARE_WITH_TIMEOUT(window.step(), uint64_t(0), 10000);
    QCOMPARE(window.charts().lossPoints(), size_t(0));
  }

  void divergenceShowsABannerAndResetRecovers() {
    MainWindow window;
    window.show();
    QSignalSpy demoReady(&window, &MainWindow::demoReady);
    gradlab::ui::DemoSetup demo;
    demo.title = "ReLU MLP, learning rate far too high";
    demo.networkText = "input x: 2\nh1 = Linear(x, out_features=32)\na1 = ReLU(h1)\nh2 = Linear(a1, out_features=32)\n"
                       "a2 = ReLU(h2)\nlogits = Linear(a2, out_features=3)\nloss = CrossEntropyLoss(logits)\n";
    demo.dataset = "spiral";
    demo.batch = 32;
    demo.learningRate = 10000;
    window.startDemo(demo);
    QVERIFY(demoReady.wait(60000));
    action(window, "Play")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(!window.bannerText().isEmpty(), 30000);
    QVERIFY2(window.bannerText().contains("learning rate"), qPrintable(window.bannerText()));
    QVERIFY(window.bannerText().contains("Training stopped at step"));
    QVERIFY(!action(window, "Step")->isEnabled());
    screenshot(window, "main_window_nan");
    action(window, "Reset")->trigger();
    QTRY_VERIFY_WITH_TIMEOUT(window.bannerText().isEmpty(), 10000);
    QTRY_VERIFY_WITH_TIMEOUT(action(window, "Step")->isEnabled(), 10000);
  }

  void badDemoIsExplainedNotFatal() {
    MainWindow window("no-such-device");
    window.show();
    QSignalSpy failed(&window, &MainWindow::demoFailed);
    window.startDemo(quickDemo());
    QVERIFY(failed.wait(60000));
    QVERIFY(failed.at(0).at(0).toString().contains("no-such-device"));
    QTRY_COMPARE_WITH_TIMEOUT(window.deviceText(), QString("No Vulkan device"), 30000);
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"

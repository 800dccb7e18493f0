// The lab window as a user first sees it: it opens, finds the device without blocking, and
// looks right (a screenshot is written for people to look at).
#include "main_window.h"

#include <QApplication>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QMenuBar>
#include <QSignalSpy>
#include <QStatusBar>
#include <QTest>

class TestMainWindow : public QObject {
  Q_OBJECT

 private slots:
  void opensAndShowsTheDevice() {
    QElapsedTimer timer;
    timer.start();
    gradlab::ui::MainWindow window;
    QSignalSpy ready(&window, &gradlab::ui::MainWindow::deviceReady);
    window.show();
    // The window is up before the device is known: the probe runs off the UI thread.
    QVERIFY(window.isVisible());
    QVERIFY(timer.elapsed() < 2000);
    QVERIFY(ready.wait(30000) || ready.count() == 1);
    QVERIFY2(window.deviceText().startsWith("Device: "), qPrintable(window.deviceText()));
    QCOMPARE(window.windowTitle(), QString("GradLab"));
    QVERIFY(window.menuBar()->actions().size() >= 2);

    QTest::qWait(100);  // let the layouts settle after the text changes, as they would on screen
    QDir().mkpath(SCREENSHOT_DIR);
    const QString path = QString(SCREENSHOT_DIR) + "/main_window_default.png";
    QVERIFY(window.grab().save(path));
  }

  void unknownDeviceIsShownNotFatal() {
    gradlab::ui::MainWindow window("no-such-device");
    QSignalSpy ready(&window, &gradlab::ui::MainWindow::deviceReady);
    window.show();
    QVERIFY(ready.wait(30000) || ready.count() == 1);
    QCOMPARE(window.deviceText(), QString("No Vulkan device"));
  }
};

QTEST_MAIN(TestMainWindow)
#include "test_main_window.moc"

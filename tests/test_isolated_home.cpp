// Each test process keeps its settings to itself (support/isolated_home.cpp): what one process of a
// test program writes, the next does not see, and nothing lands in the HOME it was started with.
// test_isolated_home.sh runs this program twice under an empty HOME and checks that HOME stays empty.
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QStandardPaths>
#include <QTest>

class TestIsolatedHome : public QObject {
  Q_OBJECT

 private slots:
  // The lab's own settings (QSettings()), and a named application's (QFileDialog keeps its
  // history as QtProject's): empty at the start of every process.
  void settingsStartEmpty() {
    QVERIFY2(!QSettings().contains("isolation/marker"), "a value written by an earlier process is still there");
    QVERIFY(!QSettings(QSettings::UserScope, "QtProject").contains("isolation/marker"));
    QSettings().setValue("isolation/marker", 1);
    QSettings(QSettings::UserScope, "QtProject").setValue("isolation/marker", 1);
    QVERIFY(QSettings().contains("isolation/marker"));
  }

  // Files under the application's data directory (the lab's autosave), with and without
  // QStandardPaths' test mode, which other tests turn on.
  void dataFilesStartEmpty_data() {
    QTest::addColumn<bool>("testMode");
    QTest::newRow("plain") << false;
    QTest::newRow("test mode") << true;
  }
  void dataFilesStartEmpty() {
    QFETCH(bool, testMode);
    QStandardPaths::setTestModeEnabled(testMode);
    const QString dir = QStandardPaths::writableLocation(QStandardPaths::AppDataLocation);
    QVERIFY2(!QFile::exists(dir + "/marker"), qPrintable(dir + "/marker was left by an earlier process"));
    QVERIFY(QDir().mkpath(dir));
    QFile marker(dir + "/marker");
    QVERIFY(marker.open(QIODevice::WriteOnly));
    QSettings().setValue("isolation/testMode", testMode);
    QStandardPaths::setTestModeEnabled(false);
  }
};

QTEST_GUILESS_MAIN(TestIsolatedHome)
#include "test_isolated_home.moc"

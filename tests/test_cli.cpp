// gradlab-cli as a user runs it: devices listed, bad arguments answered in one line with a
// non-zero exit, a missing Vulkan loader or driver explained.
#include <QProcess>
#include <QProcessEnvironment>
#include <QTest>

class TestCli : public QObject {
  Q_OBJECT

  struct Result {
    int code;
    QString out, err;
  };

  Result run(const QStringList& args, const QProcessEnvironment& env = QProcessEnvironment::systemEnvironment()) {
    QProcess process;
    process.setProcessEnvironment(env);
    process.start(GRADLAB_CLI, args);
    if (!process.waitForFinished(120000)) {
      process.kill();
      return {-1, {}, "timed out"};
    }
    return {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
            QString::fromUtf8(process.readAllStandardError())};
  }

 private slots:
  void devicesListsTheSelectedDevice() {
    const Result r = run({"devices"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("<- selected"), qPrintable(r.out));
    QVERIFY(r.out.contains("subgroup"));
    QVERIFY(r.out.contains("storage binding"));
  }

  void unknownDeviceNamesTheDevices() {
    const Result r = run({"devices", "--device", "no-such-gpu"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("No Vulkan device matches \"no-such-gpu\""), qPrintable(r.err));
    QVERIFY(r.err.contains("0: "));
  }

  void badUsageIsOneLineAndExitTwo() {
    Result r = run({"devices", "--bogus"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("unknown option --bogus"));
    QVERIFY(r.err.contains("accepted: --device"));
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    r = run({"frobnicate"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("unknown command 'frobnicate'"));
    r = run({});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("usage: gradlab-cli"));
    r = run({"--help"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("devices"));
  }

  void missingLoaderIsExplained() {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("GRADLAB_VULKAN_LIBRARY", "/nonexistent/libvulkan.so.1");
    const Result r = run({"devices"}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("Vulkan loader") && r.err.contains("apt install libvulkan1"), qPrintable(r.err));
  }

  void missingDriverIsExplained() {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    env.insert("VK_DRIVER_FILES", "/nonexistent/icd.json");
    const Result r = run({"devices"}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("mesa-vulkan-drivers"), qPrintable(r.err));
  }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"

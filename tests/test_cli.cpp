// gradlab-cli as a user runs it: devices listed, bad arguments answered in one line with a
// non-zero exit, a missing Vulkan loader or driver explained.
#include "nn/network_text.h"
#include "persist/run_variant.h"

#include <QDir>
#include <QFile>
#include <QFileInfo>
#include <QProcess>
#include <QProcessEnvironment>
#include <QRegularExpression>
#include <QTest>

#include <signal.h>

#include <utility>

class TestCli : public QObject {
  Q_OBJECT

  struct Result {
    int code;
    QString out, err;
  };

  // A refusal as the user should see it: the process exits by itself (no signal) with code 2 and
  // one line on stderr, free of control bytes, that contains `expected`.
  void verifyRefused(const QStringList& args, const QString& expected) {
    QProcess process;
    process.start(GRADLAB_CLI, args);
    QVERIFY2(process.waitForFinished(120000), qPrintable(args.join(' ')));
    const QByteArray err = process.readAllStandardError();
    const QString context = args.join(' ') + " -> " + QString::fromUtf8(err);
    QVERIFY2(process.exitStatus() == QProcess::NormalExit, qPrintable("killed by a signal: " + context));
    QVERIFY2(process.exitCode() == 2, qPrintable(QString("exit %1: ").arg(process.exitCode()) + context));
    QVERIFY2(QString::fromUtf8(err).contains(expected), qPrintable(context));
    QVERIFY2(err.trimmed().count('\n') == 0, qPrintable("more than one line: " + context));
    for (char c : err.trimmed()) QVERIFY2(uchar(c) >= 0x20 && uchar(c) != 0x7f, qPrintable("control byte: " + context));
  }

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
    // Compute units, reported by the driver or estimated and saying so (lavapipe: its threads).
    QVERIFY2(QRegularExpression(R"(compute +[1-9]\d* units \((from VK_|estimate: ))").match(r.out).hasMatch(),
             qPrintable(r.out));
  }

  // Profiling mode: after training, each layer's forward and backward pass with its time.
  void trainProfilePrintsEachPass() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    const Result r = run({"train", net, "--dataset", "moons", "--steps", "3", "--quiet", "--profile"});
    QCOMPARE(r.code, 0);
    QVERIFY2(r.out.contains("profile of one step"), qPrintable(r.out));
    for (const char* pass : {"forward h1", "forward h2", "forward logits", "backward h2", "backward h1"}) {
      const auto match =
          QRegularExpression("^  " + QString(pass) + R"( +([0-9.]+) ms$)", QRegularExpression::MultilineOption)
              .match(r.out);
      QVERIFY2(match.hasMatch(), qPrintable(QString(pass) + " missing in:\n" + r.out));
      QVERIFY(match.captured(1).toDouble() < 1000);
    }
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

  void trainsAToySetAndWritesMetrics() {
    const QString metrics = QDir::temp().filePath("gradlab-test-metrics.csv");
    const QString probes = QDir::temp().filePath("gradlab-test-probes.csv");
    const Result r =
        run({"train", QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net", "--dataset", "moons", "--epochs", "15", "--lr",
             "0.3", "--batch", "32", "--metrics", metrics, "--probes", probes, "--probe-every", "20"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("validation accuracy"));
    const QRegularExpression done("validation accuracy ([0-9.]+)% on 120 samples");
    const auto match = done.match(r.out);
    QVERIFY2(match.hasMatch(), qPrintable(r.out));
    QVERIFY2(match.captured(1).toDouble() > 90.0, qPrintable(r.out));
    QFile m(metrics), p(probes);
    QVERIFY(m.open(QIODevice::ReadOnly) && p.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(m.readAll()).trimmed().split('\n');
    QCOMPARE(rows.first(), QString("step,epoch,split,loss,accuracy"));
    QCOMPARE(rows.filter(",train,").size(), 15 * 15);  // 480 samples / 32 = 15 steps per epoch
    QCOMPARE(rows.filter(",validation,").size(), 15);
    const QString probeText = QString::fromUtf8(p.readAll());
    QVERIFY(probeText.startsWith("step,name,type,kind,"));
    QVERIFY(probeText.contains("\n20,h1,Linear,activation,"));
    QVERIFY(probeText.contains(",parameter,"));
  }

  void probeShowsVanishingActivations() {
    const Result r =
        run({"probe", QString(GRADLAB_NETWORKS) + "/depth_net_tanh.net", "--init", "normal:std=0.01", "--batch", "64"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY(r.out.contains("a10") && r.out.contains("gaussian noise"));
  }

  // The probe CSV of an MLP on images: zeros in a Flatten (black pixels) are no dead units (the
  // field is empty outside ReLU outputs), the Flatten right after the input has no gradient row
  // (no backward pass computes it), and every row keeps the header's 14 columns.
  void probeCsvHasFractionsOnlyWhereTheyApply() {
    const QString out = QDir::temp().filePath("gradlab-test-probe-mlp.csv");
    const Result r =
        run({"probe", QString(GRADLAB_NETWORKS) + "/mlp_784_256_10.net", "--gradients", "--batch", "16", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    for (const QString& row : rows) QVERIFY2(row.count(',') == 13, qPrintable(row));
    auto field = [&](const QString& prefix, int column) {
      const QStringList found = rows.filter(QRegularExpression("^" + QRegularExpression::escape(prefix)));
      return found.size() == 1 ? found[0].split(',')[column] : QString("missing");
    };
    constexpr int kDead = 9, kSaturated = 10;
    QCOMPARE(field("0,flat,Flatten,activation,", kDead), QString());
    QCOMPARE(field("0,flat,Flatten,activation,", kSaturated), QString());
    QCOMPARE(rows.filter("0,flat,Flatten,gradient,").size(), 0);
    QVERIFY(field("0,a1,ReLU,activation,", kDead).toDouble() > 0.1);
    QCOMPARE(field("0,a1,ReLU,activation,", kSaturated), QString());
    QCOMPARE(field("0,h1,Linear,gradient,", kDead), QString());
  }

  void trainingArgumentsAreChecked() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    Result r = run({"train", net});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--dataset is required"));
    r = run({"train", net, "--dataset", "moons", "--lr", "-0.5"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--lr: -0.5 is out of range [0, 1000000]"), qPrintable(r.err));
    r = run({"train", net, "--dataset", "moons", "--batch", "0"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--batch: 0 is out of range [1, 65536]"), qPrintable(r.err));
    r = run({"train", "/nonexistent.net", "--dataset", "moons"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("cannot read the network file"));
    r = run({"train", net, "--dataset", "idx:/nonexistent"});
    QCOMPARE(r.code, 1);
    QVERIFY(r.err.contains("No train images and labels in /nonexistent"));
    r = run({"train", QString(GRADLAB_NETWORKS) + "/mlp_784_256_10.net", "--dataset", "moons"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("input is 1x28x28 but"));
  }

  void trainsWithAnOptimizer() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    Result r = run({"train", net, "--dataset", "moons", "--epochs", "10", "--batch", "32", "--optimizer",
                    "adam:beta2=0.99", "--lr", "0.01"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("with Adam (beta2=0.99) lr 0.01,"), qPrintable(r.out));
    const auto match = QRegularExpression("validation accuracy ([0-9.]+)% on 120 samples").match(r.out);
    QVERIFY2(match.hasMatch() && match.captured(1).toDouble() > 85.0, qPrintable(r.out));
    r = run({"train", net, "--dataset", "moons", "--optimizer", "adamax"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--optimizer: unknown optimizer 'adamax': choose one of sgd, adagrad, rmsprop, adam,"),
             qPrintable(r.err));
    r = run({"train", net, "--dataset", "moons", "--optimizer", "sgd:nesterov=true"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("Nesterov momentum requires a momentum"), qPrintable(r.err));
    r = run({"train", net, "--dataset", "moons", "--optimizer", "rmsprop:lr"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--optimizer: write NAME or NAME:key=value,key=value, got 'lr'"), qPrintable(r.err));
  }

  void trainsWithAScheduleAndRegularization() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    Result r = run({"train", net, "--dataset", "moons", "--epochs", "15", "--batch", "32", "--lr", "0.3", "--schedule",
                    "cosine:T_max=100", "--l2", "0.001", "--clip-norm", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("Schedule: cosine (T_max=100, eta_min=0)"), qPrintable(r.out));
    const auto match = QRegularExpression("validation accuracy ([0-9.]+)% on 120 samples").match(r.out);
    QVERIFY2(match.hasMatch() && match.captured(1).toDouble() > 80.0, qPrintable(r.out));
    r = run({"train", net, "--dataset", "moons", "--schedule", "linear"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--schedule: Unknown schedule 'linear'; accepted: constant, step,"), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count('\n'), 0);
    r = run({"train", net, "--dataset", "moons", "--l2", "-1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("--l2: -1 is out of range [0, 1000000]"), qPrintable(r.err));
  }

  void divergenceIsReportedNotACrash() {
    const QString net = QDir::temp().filePath("gradlab-test-relu.net");
    QFile f(net);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "input x: 2\nh1 = Linear(x, out_features=32)\na1 = ReLU(h1)\nh2 = Linear(a1, out_features=32)\n"
        "a2 = ReLU(h2)\nlogits = Linear(a2, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    f.close();
    const Result r = run({"train", net, "--dataset", "moons", "--epochs", "20", "--lr", "10000"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("Training stopped at step") && r.err.contains("learning rate"), qPrintable(r.err));
  }

  // A network that passes the shape check but whose activations at this batch fit no device's
  // binding (16 GB): every command that builds it says which layer and what batch would fit,
  // in one line, before any GPU work.
  void networkBeyondTheDeviceIsNamedBeforeWork() {
    const QString net = QDir::temp().filePath("gradlab-test-too-wide.net");
    QFile f(net);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "input x: 16x64x64\nc = Conv2d(x, out_channels=4096, kernel_size=1)\nf = Flatten(c)\n"
        "loss = CrossEntropyLoss(f)\n");
    f.close();
    const QList<QStringList> commands = {{"train", net, "--dataset", "moons", "--batch", "256"},
                                         {"probe", net, "--batch", "256"},
                                         {"gradcheck", net, "--batch", "256"}};
    for (const QStringList& args : commands) {
      const Result r = run(args);
      QCOMPARE(r.code, 2);
      QVERIFY2(r.err.contains("layer c (Conv2d 16x64x64->4096x64x64): its output needs 16 GiB, over the ") &&
                   r.err.contains("; use a batch of at most "),
               qPrintable(r.err));
      QCOMPARE(r.err.trimmed().count('\n'), 0);
    }
  }

  // Values out of range are refused with their accepted range, not taken (and then blamed on the
  // learning rate, or wrapped round through an unsigned conversion).
  void badValuesAreRefusedWithTheirRange() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    const QStringList train{"train", net, "--dataset", "moons"};
    verifyRefused(train + QStringList{"--validation", "nan"}, "--validation: 'nan' is not a finite number in [0, 1)");
    verifyRefused(train + QStringList{"--noise", "-1"}, "--noise: -1 is out of range [0, 10]");
    verifyRefused(train + QStringList{"--noise", "nan"}, "--noise: 'nan' is not a finite number in [0, 10]");
    verifyRefused(train + QStringList{"--augment", "brightness=nan"},
                  "--augment: brightness: 'nan' is not a finite number in [0, 1]");
    verifyRefused(train + QStringList{"--classes", "64"}, "--classes: 64 is out of range [2, 2] for moons");
    verifyRefused(train + QStringList{"--augment", "crop=-3"}, "--augment: crop: -3 is out of range [0, 64]");
    verifyRefused(train + QStringList{"--augment", "flip,crop=100000"},
                  "--augment: crop: 100000 is out of range [0, 64]");
    verifyRefused(train + QStringList{"--lr", "1e308", "--optimizer", "adam:lr=0.01"},
                  "--lr: 1e308 is out of range [0, 1000000]");
    verifyRefused(train + QStringList{"--lr", "0.5", "--optimizer", "adam:lr=0.01"}, "both set the learning rate");
    verifyRefused(train + QStringList{"--steps", "2.5"}, "--steps: 2.5 is not an integer in [1, ");
    verifyRefused(train + QStringList{"--noise", "\x1b[2J"}, "--noise: '\\x1b[2J' is not a number in [0, 10]");
    const QStringList surface{"surface", "--function", "quadratic", "--optimizer", "sgd"};
    verifyRefused(surface + QStringList{"--angle", "nan"}, "--angle: 'nan' is not a finite number in [-360, 360]");
    verifyRefused(surface + QStringList{"--angle", "inf"}, "--angle: 'inf' is not a finite number in [-360, 360]");
    verifyRefused({"surface", "--function", "quadratic", "--optimizer", "sgd:lr=0.1", "--lr", "1e308"},
                  "--lr: 1e308 is out of range [0, 1000000]");
    verifyRefused({"surface", "--function", "quadratic", "--optimizer", "sgd:lr=0.1", "--lr", "0.2"},
                  "--optimizer sgd:lr=0.1 and --lr both set lr");
  }

  // Every command that trains builds its run with persist::runSetup, as the lab does: the same
  // value is refused in the same words by train, compare, landscape and race, an --optimizer's lr
  // as --lr, and a rate of 0 (a frozen control run) is taken.
  void everyCommandSetsItsRunUpAlike() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    for (const QString& command : QStringList{"train", "compare", "landscape", "race"}) {
      QStringList args{command, net, "--dataset", "moons"};
      if (command == "compare")
        args << "--run"
             << "A";
      verifyRefused(args + QStringList{"--noise", "-1"}, "--noise: -1 is out of range [0, 10]");
      verifyRefused(args + QStringList{"--normalize", "zscore"}, "--normalize");
      if (command != "race") verifyRefused(args + QStringList{"--lr", "-1"}, "--lr: -1 is out of range [0, 1000000]");
    }
    verifyRefused({"train", net, "--dataset", "moons", "--optimizer", "adam:lr=-1"},
                  "--lr: -1 is out of range [0, 1000000]");
    verifyRefused({"compare", net, "--dataset", "moons", "--run", "A", "--run", "B:schedule=cosine:T_max=0"},
                  "--run B: --schedule: T_max: 0 is out of range [1, 4294967295]");
    const Result frozen = run({"train", net, "--dataset", "moons", "--steps", "2", "--lr", "0", "--quiet"});
    QVERIFY2(frozen.code == 0, qPrintable(frozen.err));
    QVERIFY2(frozen.out.contains("lr 0,"), qPrintable(frozen.out));
  }

  // Starts whose loss overflows float crashed on an empty trajectory.
  void surfaceStartsBeyondFloatExitCleanly() {
    const QStringList adam{"surface", "--function", "quadratic", "--optimizer", "adam"};
    verifyRefused(adam + QStringList{"--start", "1e20,1e20"}, "--start x: 1e20 is out of range [-1000000, 1000000]");
    verifyRefused(adam + QStringList{"--start", "3e38,0"}, "--start x: 3e38 is out of range [-1000000, 1000000]");
    verifyRefused(adam + QStringList{"--kappa", "1e308"}, "--kappa: 1e308 is out of range [1, 1000000]");
    // Inside the accepted box, but Beale's loss there is beyond float: the engine says so.
    verifyRefused({"surface", "--function", "beale", "--optimizer", "adam", "--start", "1e6,1e6"},
                  "the loss at the start point (1e+06, 1e+06) overflows float");
  }

  void networkFileProblemsAreNamed() {
    verifyRefused({"probe", QString(GRADLAB_NETWORKS) + "/depth_net_tanh.net", "--init", "bogus"},
                  "--init: unknown initialisation 'bogus'; accepted: default, zeros,");
    verifyRefused({"probe", QString(GRADLAB_NETWORKS) + "/depth_net_tanh.net", "--init", "normal:mean=1"},
                  "--init: unknown key 'mean'; accepted: std,");
    const Result r = run({"train", QDir::tempPath(), "--dataset", "moons"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains(QDir::tempPath() + " is a directory: give a network file"), qPrintable(r.err));
    QCOMPARE(r.err.trimmed().count('\n'), 0);
  }

  // A title or a line holding terminal escape sequences is shown escaped, never acted on.
  void fileContentReachesTheTerminalEscaped() {
    const QString net = QDir::temp().filePath("gradlab-test-escapes.net");
    QFile f(net);
    QVERIFY(f.open(QIODevice::WriteOnly));
    QFile original(QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net");
    QVERIFY(original.open(QIODevice::ReadOnly));
    QByteArray text = original.readAll();
    text.replace("network \"Toy MLP 2-16-16-2\"", "network \"evil\x1b]0;pwned\x07\x1b[2J\"");
    f.write(text);
    f.close();
    Result r = run({"train", net, "--dataset", "moons", "--steps", "1"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("Training evil\\x1b]0;pwned\\x07\\x1b[2J ("), qPrintable(r.out));
    QVERIFY(!r.out.contains(QChar(0x1b)) && !r.out.contains(QChar(0x07)));
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("input x: 2\nh = Linear(x, \x1b]0;pwned\x07)\nloss = CrossEntropyLoss(h)\n");
    f.close();
    r = run({"train", net, "--dataset", "moons"});
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("got '\\x1b]0;pwned\\x07)'"), qPrintable(r.err));
    QVERIFY(!r.err.contains(QChar(0x1b)) && !r.err.contains(QChar(0x07)));
  }

  // SIGINT and SIGTERM stop training at a step boundary: every CSV row whole, the summary so far
  // printed, and a non-zero exit (128 + the signal, as a shell reports it).
  // Starts gradlab-cli with `args`, sends `signal` once `watched` has grown well into training, and
  // checks the process ended by itself with 128 + signal and said so on stderr. Callers check
  // QTest::currentTestFailed() after it.
  void interrupt(const QStringList& args, const QString& watched, int signal, Result& r) {
    QFile::remove(watched);
    QProcess process;
    process.start(GRADLAB_CLI, args);
    QVERIFY(process.waitForStarted());
    QTRY_VERIFY_WITH_TIMEOUT(QFileInfo(watched).size() > 20000, 60000);
    ::kill(pid_t(process.processId()), signal);
    QVERIFY(process.waitForFinished(60000));
    r = {process.exitCode(), QString::fromUtf8(process.readAllStandardOutput()),
         QString::fromUtf8(process.readAllStandardError())};
    QVERIFY2(process.exitStatus() == QProcess::NormalExit, qPrintable("killed by the signal: " + r.err));
    QCOMPARE(r.code, 128 + signal);
    QVERIFY2(r.err.contains(signal == SIGINT ? "stopped by SIGINT after step" : "stopped by SIGTERM after step"),
             qPrintable(r.err));
  }

  // Reads the CSV file at `path` into `rows`, checking it ends with a whole row and every row has
  // `columns`. Callers check QTest::currentTestFailed() after it.
  void readWholeRows(const QString& path, int columns, QList<QByteArray>& rows) {
    QFile file(path);
    QVERIFY(file.open(QIODevice::ReadOnly));
    const QByteArray text = file.readAll();
    QVERIFY2(text.endsWith('\n'), qPrintable(path + " ends mid-row: " + text.right(40)));
    rows = text.trimmed().split('\n');
    for (const QByteArray& row : rows) QVERIFY2(row.count(',') == columns - 1, row.constData());
  }

  void interruptedTrainingLeavesWholeRows() {
    const QString metrics = QDir::temp().filePath("gradlab-test-interrupted-metrics.csv");
    const QString probes = QDir::temp().filePath("gradlab-test-interrupted-probes.csv");
    for (const int signal : {SIGINT, SIGTERM}) {
      Result r;
      interrupt({"train", QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net", "--dataset", "moons", "--epochs", "100000",
                 "--metrics", metrics, "--probes", probes, "--probe-every", "3", "--quiet"},
                metrics, signal, r);
      if (QTest::currentTestFailed()) return;
      QVERIFY(r.out.contains("stopped: "));
      for (const auto& [path, columns] : {std::pair{metrics, 5}, std::pair{probes, 14}}) {
        QList<QByteArray> rows;
        readWholeRows(path, columns, rows);
        if (QTest::currentTestFailed()) return;
        QVERIFY(rows.size() > 100);
      }
    }
  }

  // compare stops as train does: at a tick boundary, so every run has the same whole rows, and
  // the table of the runs so far is printed.
  void interruptedCompareLeavesWholeRows() {
    const QString metrics = QDir::temp().filePath("gradlab-test-interrupted-compare.csv");
    for (const int signal : {SIGINT, SIGTERM}) {
      Result r;
      interrupt({"compare", QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net", "--dataset", "moons", "--epochs", "100000",
                 "--run", "A", "--run", "B:lr=0.01", "--metrics", metrics},
                metrics, signal, r);
      if (QTest::currentTestFailed()) return;
      QVERIFY2(r.out.contains("train loss") && r.out.contains("\nA ") && r.out.contains("\nB "), qPrintable(r.out));
      QList<QByteArray> rows;
      readWholeRows(metrics, 6, rows);
      if (QTest::currentTestFailed()) return;
      QVERIFY(rows.size() > 100);
      const auto trainRows = [&](const char* run) {
        return std::count_if(rows.begin(), rows.end(), [&](const QByteArray& row) {
          return row.startsWith(QByteArray(run) + ",") && row.contains(",train,");
        });
      };
      QCOMPARE(trainRows("A"), trainRows("B"));  // the last tick whole for every run
    }
  }

  void surfaceWritesTrajectories() {
    const QString out = QDir::temp().filePath("gradlab-test-traj.csv");
    Result r = run({"surface", "--function", "rosenbrock", "--start", "-1.5,2", "--optimizer", "sgd", "--lr", "0.001",
                    "--steps", "100", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QStringList rows = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    QCOMPARE(rows.first(), QString("step,x,y,loss"));
    QCOMPARE(rows.size(), 102);
    QVERIFY(rows[1].startsWith("0,-1.5,2,"));
    QVERIFY(rows.last().startsWith("100,"));
    // Racing several optimizers adds a column.
    r = run({"surface", "--function", "saddle", "--optimizer", "sgd:lr=0.01", "--optimizer", "sgd:lr=0.01,momentum=0.9",
             "--steps", "20"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    rows = r.out.trimmed().split('\n');
    QCOMPARE(rows.first(), QString("optimizer,step,x,y,loss"));
    QCOMPARE(rows.size(), 1 + 2 * 21);
    QVERIFY(rows[1].startsWith("\"sgd:lr=0.01\",0,"));
    // The list, and bad values rejected with their valid range.
    r = run({"surface", "--list"});
    QCOMPARE(r.code, 0);
    QVERIFY(r.out.contains("rosenbrock") && r.out.contains("adam"));
    r = run({"surface", "--function", "beale", "--optimizer", "sgd", "--lr", "-1"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("lr") && r.err.contains("-1"), qPrintable(r.err));
    r = run({"surface", "--function", "banana", "--optimizer", "sgd"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--function must be one of"));
    r = run({"surface", "--function", "beale", "--optimizer", "sgd", "--nesterov"});
    QCOMPARE(r.code, 2);  // nesterov without momentum
  }

  void missingDriverIsExplained() {
    auto env = QProcessEnvironment::systemEnvironment();
    env.insert("VK_ICD_FILENAMES", "/nonexistent/icd.json");
    env.insert("VK_DRIVER_FILES", "/nonexistent/icd.json");
    const Result r = run({"devices"}, env);
    QCOMPARE(r.code, 1);
    QVERIFY2(r.err.contains("mesa-vulkan-drivers"), qPrintable(r.err));
  }

  void landscapeWritesGridLineAndPlane() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    const QString out = QDir::temp().filePath("gradlab-test-landscape.csv");
    const QStringList common{"landscape", net,    "--dataset", "moons",     "--train-steps",
                             "50",        "--lr", "0.3",       "--samples", "200"};
    Result r = run(common + QStringList{"--grid", "5", "--range", "0.5", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("25 points on 200 samples"), qPrintable(r.out));
    QFile f(out);
    QVERIFY(f.open(QIODevice::ReadOnly));
    QStringList rows = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    f.close();
    QCOMPARE(rows.first(), QString("alpha,beta,loss,accuracy"));
    QCOMPARE(rows.size(), 26);
    QVERIFY(rows[1].startsWith("-0.5,-0.5,"));
    QVERIFY(rows[13].startsWith("0,0,"));  // the trained weights, in the middle
    QVERIFY(r.out.contains("loss at the trained weights"));
    const double center = rows[13].split(',')[2].toDouble();
    QVERIFY(center > 0 && qIsFinite(center));
    QVERIFY(rows[1].split(',')[2].toDouble() != center);

    // The line from the initial to the trained weights, as CSV on standard output.
    r = run(common + QStringList{"--line", "--points", "9", "--extend", "0.5"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    rows = r.out.trimmed().split('\n');
    QCOMPARE(rows.first(), QString("t,loss,accuracy"));
    QCOMPARE(rows.size(), 10);
    QVERIFY(rows[1].startsWith("-0.5,") && rows[9].startsWith("1.5,"));
    QVERIFY(rows[3].startsWith("0,") && rows[7].startsWith("1,"));
    QVERIFY(rows[3].split(',')[1].toDouble() > rows[7].split(',')[1].toDouble());  // training lowered the loss

    // The PCA plane of the training path, the path written beside it (ending at the origin).
    const QString path = QDir::temp().filePath("gradlab-test-landscape-path.csv");
    r = run(common +
            QStringList{"--plane", "pca", "--snapshots", "6", "--trajectory", path, "--grid", "4", "--out", out});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("PCA plane of 6 snapshots"), qPrintable(r.out));
    QFile p(path);
    QVERIFY(p.open(QIODevice::ReadOnly));
    rows = QString::fromUtf8(p.readAll()).trimmed().split('\n');
    QCOMPARE(rows.first(), QString("step,x,y,distance"));
    QCOMPARE(rows.size(), 7);
    QVERIFY(rows[1].startsWith("0,"));
    QVERIFY2(rows[6].startsWith("50,0,0,0"), qPrintable(rows[6]));

    // Bad usage: one line, exit 2.
    r = run({"landscape", net, "--dataset", "moons", "--line", "--plane", "pca"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("exclude each other"), qPrintable(r.err));
    r = run({"landscape", net, "--dataset", "moons", "--grid", "0"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--grid"));
    r = run({"landscape", "--dataset", "moons"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("give the network file first"));
  }

  void raceWritesPathsAndTheirPlane() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    const QString paths = QDir::temp().filePath("gradlab-test-race-paths.csv");
    const QString grid = QDir::temp().filePath("gradlab-test-race-grid.csv");
    Result r = run({"race",    net,   "--dataset", "moons", "--steps",     "40",         "--snapshots", "5",
                    "--grid",  "6",   "--samples", "200",   "--optimizer", "sgd:lr=0.2", "--optimizer", "adam:lr=0.01",
                    "--paths", paths, "--out",     grid});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("Racing 2 optimizers"), qPrintable(r.out));
    QVERIFY2(r.out.contains("SGD lr=0.2") && r.out.contains("Adam lr=0.01"), qPrintable(r.out));
    QVERIFY2(r.out.contains("36 points on 200 samples"), qPrintable(r.out));
    QFile f(paths);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    QCOMPARE(rows.first(), QString("optimizer,step,x,y,distance"));
    QCOMPARE(rows.size(), 11);                                                   // 2 optimizers x 5 snapshots
    QVERIFY2(rows[1].startsWith("\"sgd:lr=0.2\",0,0,0,"), qPrintable(rows[1]));  // both start at the origin
    QVERIFY2(rows[6].startsWith("\"adam:lr=0.01\",0,0,0,"), qPrintable(rows[6]));
    QVERIFY(rows[5].startsWith("\"sgd:lr=0.2\",40,"));
    QVERIFY(rows[5].split(',')[2].toDouble() != 0 || rows[5].split(',')[3].toDouble() != 0);
    QFile g(grid);
    QVERIFY(g.open(QIODevice::ReadOnly));
    QCOMPARE(QString::fromUtf8(g.readAll()).trimmed().split('\n').size(), 37);

    r = run({"race", net, "--dataset", "moons", "--optimizer", "adamm"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("unknown optimizer 'adamm'") && r.err.contains("adamw"), qPrintable(r.err));
  }

  // Runs side by side: every run's rows are those of the same run trained alone (train's CSV), runs
  // that differ only in the rate share step 1, a diverging run stops alone, a smaller batch takes
  // more steps over the same samples, bad runs are refused.
  void compareTrainsRunsInLockstep() {
    const QString net = QDir::temp().filePath("gradlab-test-compare-relu.net");
    QFile f(net);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write(
        "input x: 2\nh1 = Linear(x, out_features=32)\na1 = ReLU(h1)\nh2 = Linear(a1, out_features=32)\n"
        "a2 = ReLU(h2)\nlogits = Linear(a2, out_features=2)\nloss = CrossEntropyLoss(logits)\n");
    f.close();
    const QString metrics = QDir::temp().filePath("gradlab-test-compare.csv");
    const QStringList common{net, "--dataset", "moons", "--steps", "20", "--batch", "32", "--seed", "4"};
    Result r = run(QStringList{"compare"} + common +
                   QStringList{"--lr", "0.1", "--run", "A", "--run", "B:lr=0.02", "--run", "C:lr=10000", "--run",
                               "D:batch=16", "--metrics", metrics});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("B: lr 0.02") && r.out.contains("C: lr 10000"), qPrintable(r.out));
    QVERIFY2(r.out.contains("diverged") && r.out.contains("run C: Training stopped at step"), qPrintable(r.out));
    QFile m(metrics);
    QVERIFY(m.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(m.readAll()).trimmed().split('\n');
    QCOMPARE(rows.first(), QString("run,step,epoch,split,loss,accuracy"));
    const QStringList a = rows.filter(QRegularExpression("^A,.*,train,")),
                      b = rows.filter(QRegularExpression("^B,.*,train,"));
    QCOMPARE(a.size(), 20);
    QCOMPARE(b.size(), 20);
    QVERIFY(rows.filter(QRegularExpression("^C,.*,train,")).size() < 20);
    QCOMPARE(rows.filter(QRegularExpression("^D,.*,train,")).size(), 40);  // by samples seen
    QVERIFY2(r.out.contains("run D (batch 16) advances by samples seen: 2 of its steps per step"), qPrintable(r.out));
    QCOMPARE(a[0].mid(2), b[0].mid(2));  // same weights, same batch
    QVERIFY(a[1].mid(2) != b[1].mid(2));
    // Run B is `train --lr 0.02` on the same options, row for row.
    const QString alone = QDir::temp().filePath("gradlab-test-compare-alone.csv");
    r = run(QStringList{"train"} + common + QStringList{"--lr", "0.02", "--quiet", "--metrics", alone});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QFile t(alone);
    QVERIFY(t.open(QIODevice::ReadOnly));
    const QStringList trained = QString::fromUtf8(t.readAll()).trimmed().split('\n').filter(",train,");
    QCOMPARE(trained.size(), 20);
    for (int i = 0; i < 20; ++i) QCOMPARE(b[i].mid(2), trained[i]);

    verifyRefused({"compare", net, "--dataset", "moons", "--run", "A:momentum=0.9"}, "unknown key 'momentum'");
    verifyRefused({"compare", net, "--dataset", "moons", "--run", "A", "--run", "B:batch=48"},
                  "run B has batch 48, which does not divide the largest, 64");
    verifyRefused({"compare", net, "--dataset", "moons", "--run", "A:lr=-1"}, "--run A: --lr: -1 is out of range");
    verifyRefused({"compare", net, "--dataset", "moons"}, "give 1 to 4 runs");
  }

  // compare --run and the lab's Compare... build a run from the same key=value through
  // persist::variantExperiment, so they mean the same: lr sets the rate of the run's optimizer,
  // optimizer=NAME takes NAME's own defaults (its lr too) unless the run gives lr. The CLI's legend
  // of each run (every setting it trains with that differs from A's) equals the lab's.
  void compareRunsAreTheLabsRuns() {
    const QString net = QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net";
    struct Case {
      QStringList options;    // the command's
      std::string optimizer;  // the same as the lab's settings
      std::map<std::string, std::string> optimizerValues;
      QString run;                                 // B's --run
      std::map<std::string, std::string> changes;  // the same as the lab's run
    };
    const std::vector<Case> cases = {
        {{"--lr", "0.05"}, "sgd", {{"lr", "0.05"}}, "B:optimizer=adam", {{"optimizer", "adam"}}},
        {{"--optimizer", "adam:lr=0.002"}, "adam", {{"lr", "0.002"}}, "B:lr=0.01", {{"lr", "0.01"}}},
        {{"--lr", "0.05"},
         "sgd",
         {{"lr", "0.05"}},
         "B:optimizer=sgd:momentum=0.9,lr=0.02,l2=0.001,schedule=cosine:T_max=50;warmup=5",
         {{"optimizer", "sgd:momentum=0.9"},
          {"lr", "0.02"},
          {"l2", "0.001"},
          {"schedule", "cosine:T_max=50;warmup=5"}}},
        {{"--optimizer", "rmsprop:alpha=0.9"},
         "rmsprop",
         {{"alpha", "0.9"}},
         "B:seed=3,batch=32,init=xavier_normal,augment=flip",
         {{"seed", "3"}, {"batch", "32"}, {"init", "xavier_normal"}, {"augment", "flip"}}},
    };
    for (const Case& c : cases) {
      const Result r = run(QStringList{"compare", net, "--dataset", "moons", "--steps", "1"} + c.options +
                           QStringList{"--run", "A", "--run", c.run});
      QVERIFY2(r.code == 0, qPrintable(c.run + ": " + r.err));
      const QRegularExpressionMatch legend = QRegularExpression("\\n  (B: [^\\n]*)\\n").match(r.out);
      QVERIFY2(legend.hasMatch(), qPrintable(r.out));

      gradlab::persist::Experiment base;
      base.network = gradlab::nn::printNetwork(gradlab::nn::loadNetworkFile(net.toStdString()));
      base.training.dataset = "moons";
      base.training.maxSteps = 1;
      base.training.optimizer = c.optimizer;
      base.training.optimizerValues = c.optimizerValues;
      gradlab::persist::RunVariant b;
      b.label = "B";
      b.changes = c.changes;
      const auto init = c.changes.find("init");
      const gradlab::train::RunDefinition first = gradlab::persist::runDefinition(base, ""),
                                          lab = gradlab::persist::runDefinition(
                                              gradlab::persist::variantExperiment(base, b),
                                              init == c.changes.end() ? "" : init->second);
      QCOMPARE(legend.captured(1), QString::fromStdString("B: " + gradlab::train::differenceText(first, lab)));
    }
  }

  void receptiveFieldPrintsTheTable() {
    Result r = run({"receptive-field", QString(GRADLAB_NETWORKS) + "/lenet5.net"});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    // c3: 5x5 at jump 2 after a 2x2 pool: 14 pixels, jump 2, starting 2 pixels into the padding.
    QVERIFY2(r.out.contains(QRegularExpression("\\nc3 +Conv2d +16x10x10 +14 +2 +-2 ")), qPrintable(r.out));
    QVERIFY2(r.out.contains(QRegularExpression("\\ns4 +AvgPool2d +16x5x5 +16 +4 +-2 ")), qPrintable(r.out));
    QVERIFY(r.out.contains(QRegularExpression("\\nflat +Flatten +400 +whole")));
    // The effective field of c3's centre unit: all of it inside the theoretical box, as CSV too.
    const QString csv = QDir::temp().filePath("gradlab-test-erf.csv");
    r = run(
        {"receptive-field", QString(GRADLAB_NETWORKS) + "/lenet5.net", "--unit", "c3", "--batch", "8", "--out", csv});
    QVERIFY2(r.code == 0, qPrintable(r.err));
    QVERIFY2(r.out.contains("c3 unit (channel 0, y 5, x 5)") && r.out.contains("rows 8-21, columns 8-21; 100.0%"),
             qPrintable(r.out));
    QFile f(csv);
    QVERIFY(f.open(QIODevice::ReadOnly));
    const QStringList rows = QString::fromUtf8(f.readAll()).trimmed().split('\n');
    QCOMPARE(rows.size(), 1 + 28 * 28);
    QCOMPARE(rows.first(), QString("y,x,heat,in_box"));
    QVERIFY(rows[1].startsWith("0,0,0,0"));
    r = run({"receptive-field", QString(GRADLAB_NETWORKS) + "/lenet5.net", "--unit", "c3:0,99,0"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("y below 10"), qPrintable(r.err));
    r = run({"receptive-field"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("give the network file first"));
    r = run({"receptive-field", "/nonexistent/net.net"});
    QVERIFY(r.code != 0 && r.err.contains("/nonexistent/net.net"));
  }

  void gradcheckReportsEveryTensor() {
    Result r =
        run({"gradcheck", QString(GRADLAB_NETWORKS) + "/lenet5.net", "--samples", "4", "--batch", "2", "--seed", "3"});
    QVERIFY2(r.code == 0, qPrintable(r.out + r.err));
    QVERIFY2(r.out.contains("all 10 parameter tensors pass"), qPrintable(r.out));
    QVERIFY(
        r.out.contains(QRegularExpression("\\nc1 +Conv2d +weight +4/150 +[0-9.e-]+ +[0-9.e-]+  pass, (great|fine)")));
    QVERIFY(r.out.contains(QRegularExpression("\\nc1 +Conv2d +bias +4/6 ")));
    r = run({"gradcheck", QString(GRADLAB_NETWORKS) + "/toy_mlp_2d.net", "--dataset", "moons"});
    QVERIFY2(r.code == 0 && r.out.contains("on moons"), qPrintable(r.out + r.err));
    r = run({"gradcheck", QString(GRADLAB_NETWORKS) + "/lenet5.net", "--dataset", "moons"});
    QCOMPARE(r.code, 2);
    QVERIFY2(r.err.contains("the network's input is 1x28x28"), qPrintable(r.err));
    r = run({"gradcheck", QString(GRADLAB_NETWORKS) + "/lenet5.net", "--samples", "0"});
    QCOMPARE(r.code, 2);
    QVERIFY(r.err.contains("--samples"));
  }
};

QTEST_APPLESS_MAIN(TestCli)
#include "test_cli.moc"

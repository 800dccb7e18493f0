// gradlab-bench ui-latency: how quickly the lab window's event loop answers while the default demo
// trains at full speed. A helper thread posts a timestamped call to the UI thread every few
// milliseconds, as input events arrive; the delay until it runs is what a user feels as lag.
// Measured idle first (the floor), then while training. Target: p99 <= 16 ms (one frame).
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "demos.h"
#include "main_window.h"

#include <QApplication>
#include <QElapsedTimer>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <thread>
#include <vector>

namespace gradlab::bench {
namespace {

struct Latencies {
  std::vector<double> ms;
  double percentile(double p) const {
    if (ms.empty()) return 0;
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    return sorted[std::min(sorted.size() - 1, size_t(p * double(sorted.size())))];
  }
};

// Posts a call every `periodMs` for `seconds` and returns the delays, running the event loop meanwhile.
Latencies measure(QObject* receiver, double seconds, int periodMs) {
  Latencies out;
  QElapsedTimer clock;
  clock.start();
  std::atomic<bool> done{false};
  std::thread poster([&] {
    while (!done) {
      const qint64 posted = clock.nsecsElapsed();
      QMetaObject::invokeMethod(receiver, [&out, &clock, posted] { out.ms.push_back((clock.nsecsElapsed() - posted) / 1e6); },
                                Qt::QueuedConnection);
      std::this_thread::sleep_for(std::chrono::milliseconds(periodMs));
    }
  });
  QEventLoop loop;
  QTimer::singleShot(int(seconds * 1000), &loop, &QEventLoop::quit);
  loop.exec();
  done = true;
  poster.join();
  QCoreApplication::processEvents();  // the last posted calls
  return out;
}

}  // namespace

int uiLatencyBenchmark(const std::vector<std::string>& arguments) {
  const cli::Arguments args("ui-latency",
                            {{"seconds", "S", "how long to measure while training (default 10)"},
                             {"limit", "N", "train on the first N Fashion-MNIST images (default: all)"}},
                            arguments);
  const double seconds = double(args.integer("seconds", 10, 1, 600));
  const uint32_t limit = uint32_t(args.integer("limit", 0, 0, 60000));
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) qputenv("QT_QPA_PLATFORM", "offscreen");
  int argc = 1;
  char name[] = "gradlab-bench";
  char* argv[] = {name, nullptr};
  QApplication app(argc, argv);
  const QTemporaryDir autosave;  // the benchmark leaves no autosave behind
  ui::MainWindow window({}, autosave.path());
  window.show();
  QSignalSpy ready(&window, &ui::MainWindow::demoReady);
  auto demo = ui::defaultExperiment();
  demo.training.sampleLimit = limit;
  window.openExperiment(demo);
  if (!ready.wait(300000)) {
    std::fprintf(stderr, "gradlab-bench ui-latency: the default demo did not become ready\n");
    return 1;
  }
  const Latencies idle = measure(&window, std::min(seconds, 3.0), 4);
  window.controller().play();
  QEventLoop settle;  // the first steps compile pipelines; measure the steady state
  QTimer::singleShot(2000, &settle, &QEventLoop::quit);
  settle.exec();
  const uint64_t firstStep = window.step();
  QElapsedTimer clock;
  clock.start();
  const Latencies training = measure(&window, seconds, 4);
  const double stepsPerSecond = double(window.step() - firstStep) / (clock.elapsed() / 1000.0);
  window.controller().pause();

  std::printf("UI event-loop latency, lab window with the default demo (%s)\n", window.deviceText().toUtf8().constData());
  std::printf("%-10s %8s %8s %8s %8s %8s %10s\n", "state", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms", "steps/s");
  auto row = [](const char* state, const Latencies& l, double rate) {
    std::printf("%-10s %8zu %8.2f %8.2f %8.2f %8.2f %10.0f\n", state, l.ms.size(), l.percentile(0.5), l.percentile(0.9),
                l.percentile(0.99), l.percentile(1.0), rate);
  };
  row("idle", idle, 0);
  row("training", training, stepsPerSecond);
  const bool met = training.percentile(0.99) <= 16;
  std::printf("target p99 <= 16 ms while training: %s\n", met ? "met" : "NOT met");
  return 0;
}

}  // namespace gradlab::bench

// gradlab-bench ui-latency: how quickly the lab window's event loop answers while the default demo
// trains at full speed. A helper thread posts a timestamped call to the UI thread every few
// milliseconds, as input events arrive; the delay until it runs is what a user feels as lag.
// Measured idle first (the floor), then while training. Target: p99 <= 16 ms (one frame).
// While training, every event the UI thread handles is timed in thread CPU time (other work on
// the shared cores does not count) and charged to the live view it went to, so the table says
// where the UI thread's time goes even when wall-clock latency is noisy.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "demos.h"
#include "main_window.h"

#include <QApplication>
#include <QDockWidget>
#include <QElapsedTimer>
#include <QGraphicsObject>
#include <QGraphicsScene>
#include <QSignalSpy>
#include <QTemporaryDir>
#include <QThread>
#include <QTimer>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <map>
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

double threadCpuMs() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return double(t.tv_sec) * 1e3 + double(t.tv_nsec) / 1e6;
}

// A QApplication that times each event on the UI thread and charges its own time (without the
// events it sends on, e.g. paint events inside a repaint) to the first owner it finds above the
// receiver: a registered object, or "other".
class TimedApplication : public QApplication {
 public:
  using QApplication::QApplication;

  struct Cost {
    double totalMs = 0, maxMs = 0;
    size_t events = 0;
  };
  void charge(const QObject* owner, const char* name) { owners_[owner] = name; }
  void setMeasuring(bool on) { measuring_ = on; }
  const std::map<std::string, Cost>& costs() const { return costs_; }

  bool notify(QObject* receiver, QEvent* event) override {
    if (!measuring_ || QThread::currentThread() != thread()) return QApplication::notify(receiver, event);
    Cost& c = costs_[ownerOf(receiver)];  // before the event: it may delete the receiver
    const double start = threadCpuMs();
    open_.push_back(0);
    const bool result = QApplication::notify(receiver, event);
    const double spent = threadCpuMs() - start, own = spent - open_.back();
    open_.pop_back();
    if (!open_.empty()) open_.back() += spent;
    c.totalMs += own;
    c.maxMs = std::max(c.maxMs, own);
    ++c.events;
    return result;
  }

 private:
  std::string ownerOf(const QObject* o) const {
    while (o) {
      if (auto found = owners_.find(o); found != owners_.end()) return found->second;
      const auto* item = qobject_cast<const QGraphicsObject*>(o);  // chart items live in a scene, not under a parent
      o = item && !o->parent() && item->scene() ? item->scene() : o->parent();
    }
    return "other";
  }

  bool measuring_ = false;
  std::vector<double> open_;  // per event being handled: the time of the events it sent on
  std::map<const QObject*, std::string> owners_;
  std::map<std::string, Cost> costs_;
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
  TimedApplication app(argc, argv);
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
  QObject pinged;  // the latency probes' receiver, so their own cost is not charged to a view
  app.charge(&pinged, "latency probes");
  app.charge(&window.controller(), "snapshot handler");
  for (const char* view : {"loss", "histograms", "depth", "filters", "boundary", "surface", "landscape", "receptive"})
    app.charge(window.dock(view), view);
  app.charge(&window, "window (menus, docks, repaint)");
  size_t snapshots = 0, probes = 0;
  QObject::connect(&window.controller(), &ui::TrainingController::snapshot, &pinged,
                   [&](std::shared_ptr<const train::Snapshot> s) { ++snapshots, probes += s->probes ? 1 : 0; });

  const Latencies idle = measure(&pinged, std::min(seconds, 3.0), 4);
  window.controller().play();
  QEventLoop settle;  // the first steps compile pipelines; measure the steady state
  QTimer::singleShot(2000, &settle, &QEventLoop::quit);
  settle.exec();
  const uint64_t firstStep = window.step();
  snapshots = probes = 0;
  QElapsedTimer clock;
  clock.start();
  app.setMeasuring(true);
  const double cpuStart = threadCpuMs();
  const Latencies training = measure(&pinged, seconds, 4);
  const double uiCpuMs = threadCpuMs() - cpuStart;
  app.setMeasuring(false);
  const double elapsed = clock.elapsed() / 1000.0;
  const double stepsPerSecond = double(window.step() - firstStep) / elapsed;
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
  std::printf("target p99 <= 16 ms while training: %s\n\n", met ? "met" : "NOT met");

  std::printf("UI thread CPU time while training, by receiver (%zu snapshots, %zu with probes, %.1f s)\n", snapshots,
              probes, elapsed);
  std::printf("%-32s %8s %10s %12s %10s\n", "charged to", "events", "ms/s", "ms/snapshot", "max ms");
  for (const auto& [owner, c] : app.costs())
    std::printf("%-32s %8zu %10.2f %12.3f %10.2f\n", owner.c_str(), c.events, c.totalMs / elapsed,
                snapshots ? c.totalMs / double(snapshots) : 0.0, c.maxMs);
  std::printf("%-32s %8s %10.2f   (%.0f%% of one core)\n", "UI thread in all", "", uiCpuMs / elapsed, uiCpuMs / elapsed / 10);
  return 0;
}

}  // namespace gradlab::bench

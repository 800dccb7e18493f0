// gradlab-bench ui-latency: how quickly the lab window's event loop answers while the default demo
// trains at full speed. A helper thread posts a timestamped call to the UI thread every few
// milliseconds, as input events arrive; the delay until it runs is what a user feels as lag.
// Measured idle first (the floor), then while training. Target: p99 <= 16 ms (one frame).
// While training, every event the UI thread handles is timed in thread CPU time (other work on
// the shared cores does not count) and charged to the live view it went to, so the table says
// where the UI thread's time goes even when wall-clock latency is noisy.
// With --runs N the lab trains a set of N runs in lockstep (the default demo and N-1 comparisons
// that change the learning rate), so every view draws N runs as it does in class.
#include "bench/benchmarks.h"
#include "cli/arguments.h"
#include "demos.h"
#include "main_window.h"
#include "persist/run_setup.h"
#include "training_charts.h"
#include "views/run_style.h"

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
      QMetaObject::invokeMethod(
          receiver, [&out, &clock, posted] { out.ms.push_back((clock.nsecsElapsed() - posted) / 1e6); },
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

// Latencies probed for `seconds` while `app` charges every UI-thread event, with the UI thread's
// CPU time and the wall-clock seconds of that stretch.
struct ChargedLatencies {
  Latencies latencies;
  double uiCpuMs = 0, elapsed = 0;
};

ChargedLatencies measureCharged(TimedApplication& app, QObject* receiver, double seconds) {
  ChargedLatencies out;
  QElapsedTimer clock;
  clock.start();
  app.setMeasuring(true);
  const double cpuStart = threadCpuMs();
  out.latencies = measure(receiver, seconds, 4);
  out.uiCpuMs = threadCpuMs() - cpuStart;
  app.setMeasuring(false);
  out.elapsed = clock.elapsed() / 1000.0;
  return out;
}

void printLatencies(const Latencies& idle, const Latencies& busy, const char* busyState, double stepsPerSecond) {
  std::printf("%-10s %8s %8s %8s %8s %8s %10s\n", "state", "samples", "p50 ms", "p90 ms", "p99 ms", "max ms",
              "steps/s");
  auto row = [](const char* state, const Latencies& l, double rate) {
    std::printf("%-10s %8zu %8.2f %8.2f %8.2f %8.2f %10.0f\n", state, l.ms.size(), l.percentile(0.5), l.percentile(0.9),
                l.percentile(0.99), l.percentile(1.0), rate);
  };
  row("idle", idle, 0);
  row(busyState, busy, stepsPerSecond);
  std::printf("target p99 <= 16 ms while %s: %s\n\n", busyState, busy.percentile(0.99) <= 16 ? "met" : "NOT met");
}

void printCosts(const TimedApplication& app, size_t snapshots, double elapsed, double uiCpuMs) {
  std::printf("%-32s %8s %10s %12s %10s\n", "charged to", "events", "ms/s", "ms/snapshot", "max ms");
  for (const auto& [owner, c] : app.costs())
    std::printf("%-32s %8zu %10.2f %12.3f %10.2f\n", owner.c_str(), c.events, c.totalMs / elapsed,
                snapshots ? c.totalMs / double(snapshots) : 0.0, c.maxMs);
  std::printf("%-32s %8s %10.2f   (%.0f%% of one core)\n", "UI thread in all", "", uiCpuMs / elapsed,
              uiCpuMs / elapsed / 10);
}

// The loss and accuracy charts alone, at the lab's dock size, fed `runs` members' synthetic
// snapshots at a run's pace (`stepsPerSecond`, a snapshot every `snapshotEvery` steps) after
// `history` steps already drawn: the UI-thread cost of the charts without training competing for
// the cores, and whether it grows with the length of the curves.
int chartsLatency(TimedApplication& app, double seconds, uint32_t runs, uint64_t history, double stepsPerSecond,
                  uint32_t snapshotEvery) {
  ui::TrainingCharts charts;
  charts.resize(1280, 330);
  charts.show();
  ui::RunStyles styles;
  for (uint32_t i = 0; i < runs && runs > 1; ++i) styles.push_back(ui::defaultRunStyle(i));
  charts.setRunStyles(styles);
  charts.follow(1, 0);
  uint64_t step = 0;
  size_t snapshots = 0;
  auto publish = [&](uint64_t steps, train::RunState state) {
    for (uint32_t member = 0; member < runs; ++member) {
      train::Snapshot s;
      s.runId = 1, s.member = member, s.state = state, s.step = step + steps;
      for (uint64_t k = step; k < step + steps; ++k) {
        const double noise = double((k * 2654435761u + member * 97) % 1000) / 1000.0;
        s.records.push_back(
            {k, (1 + 0.3 * member) * (0.3 + 2 / std::sqrt(1 + k / 50.0)) + 0.2 * noise, 0.5 + 0.4 * noise});
      }
      if (s.step / 500 != step / 500) s.validation = train::Evaluation{s.records.back().loss, 0.8};
      charts.add(s);
      ++snapshots;
    }
    step += steps;
  };
  if (history > 0) publish(history, train::RunState::Paused);
  QObject pinged;
  app.charge(&pinged, "latency probes");
  app.charge(&charts, "loss");
  const Latencies idle = measure(&pinged, std::min(seconds, 3.0), 4);
  QTimer feeder;
  feeder.setInterval(int(1000.0 * snapshotEvery / stepsPerSecond));
  QObject::connect(&feeder, &QTimer::timeout, [&] { publish(snapshotEvery, train::RunState::Running); });
  feeder.start();
  snapshots = 0;
  const uint64_t firstStep = step;
  const ChargedLatencies feeding = measureCharged(app, &pinged, seconds);
  feeder.stop();
  std::printf(
      "UI event-loop latency, the loss and accuracy charts alone (1280x330), %u run%s fed synthetic snapshots "
      "every %u steps, %llu steps drawn before\n",
      runs, runs > 1 ? "s" : "", snapshotEvery, static_cast<unsigned long long>(history));
  printLatencies(idle, feeding.latencies, "feeding", double(step - firstStep) / feeding.elapsed);
  std::printf("UI thread CPU time while feeding (%zu snapshots of all runs, %.1f s)\n", snapshots, feeding.elapsed);
  printCosts(app, snapshots, feeding.elapsed, feeding.uiCpuMs);
  return 0;
}

}  // namespace

int uiLatencyBenchmark(const std::vector<std::string>& arguments) {
  const cli::Arguments args(
      "ui-latency",
      {{"seconds", "S", "how long to measure while training (default 10)"},
       {"limit", "N", "train on the first N Fashion-MNIST images (default: all)"},
       {"runs", "N", "runs trained side by side, 1-4 (default 1; the others change the learning rate)"},
       {"charts-only", "", "measure the loss and accuracy charts alone, fed synthetic snapshots"},
       {"history", "N", "--charts-only: steps each run has drawn before measuring (default 0)"},
       {"steps-per-second", "R", "--charts-only: each run's pace (default 100)"},
       {"snapshot-every", "N", "--charts-only: steps per snapshot (default 4)"}},
      arguments);
  const double seconds = double(args.integer("seconds", 10, 1, 600));
  const uint32_t limit = uint32_t(args.integer("limit", 0, 0, 60000));
  const uint32_t runs = uint32_t(args.integer("runs", 1, 1, 4));
  if (!std::getenv("DISPLAY") && !std::getenv("WAYLAND_DISPLAY")) qputenv("QT_QPA_PLATFORM", "offscreen");
  int argc = 1;
  char name[] = "gradlab-bench";
  char* argv[] = {name, nullptr};
  TimedApplication app(argc, argv);
  if (args.has("charts-only"))
    return chartsLatency(app, seconds, runs, uint64_t(args.integer("history", 0, 0, 10000000)),
                         args.number("steps-per-second", 100, util::Range::closed(1, 10000)),
                         uint32_t(args.integer("snapshot-every", 4, 1, 1000)));
  const QTemporaryDir autosave;  // the benchmark leaves no autosave behind
  ui::MainWindow window({}, autosave.path());
  window.show();
  QSignalSpy ready(&window, &ui::MainWindow::demoReady);
  auto demo = ui::defaultExperiment();
  demo.training.sampleLimit = limit;
  const double rate = persist::runSetup(demo.training).options.learningRate;
  for (uint32_t i = 1; i < runs; ++i) {  // learning rates 0.5x, 0.25x, 2x the demo's
    persist::RunVariant run;
    run.label = std::string(1, char('A' + i));
    run.colour = i;
    run.changes["lr"] = std::to_string(rate * (i == 3 ? 2.0 : 1.0 / double(1u << i)));
    demo.comparisons.push_back(run);
  }
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
  const ChargedLatencies training = measureCharged(app, &pinged, seconds);
  const double stepsPerSecond = double(window.step() - firstStep) / training.elapsed;
  window.controller().pause();

  std::printf("UI event-loop latency, lab window with the default demo, %u run%s training (%s)\n", runs,
              runs > 1 ? "s" : "", window.deviceText().toUtf8().constData());
  printLatencies(idle, training.latencies, "training", stepsPerSecond);
  std::printf("UI thread CPU time while training, by receiver (%zu snapshots, %zu with probes, %.1f s)\n", snapshots,
              probes, training.elapsed);
  printCosts(app, snapshots, training.elapsed, training.uiCpuMs);
  return 0;
}

}  // namespace gradlab::bench

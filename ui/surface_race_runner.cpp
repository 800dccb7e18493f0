#include "surface_race_runner.h"

#include "gpu/context.h"
#include "optim/optimizer.h"
#include "surface/test_function.h"
#include "surface/trajectory.h"
#include "views/surface_view.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

namespace gradlab::ui {
namespace {

struct RaceResult {
  std::vector<std::pair<QString, surface::Trajectory>> paths;
  QString error;
};

QString label(const std::string& name, const std::map<std::string, std::string>& values) {
  const optim::OptimizerDef* def = optim::findOptimizer(name);
  QString text = def ? QString::fromStdString(def->title) : QString::fromStdString(name);
  QStringList given;
  for (const auto& [key, value] : values) given << QString::fromStdString(key + "=" + value);
  return given.isEmpty() ? text : text + " (" + given.join(", ") + ")";
}

RaceResult compute(const SurfaceRace& race, const QString& device) {
  RaceResult out;
  try {
    const surface::TestFunction* f = surface::findTestFunction(race.function.toStdString());
    if (!f) throw std::invalid_argument("unknown test surface '" + race.function.toStdString() + "'");
    gpu::ContextOptions options;
    options.device = device.toStdString();
    gpu::Context context(options);
    if (race.optimizers.empty()) throw std::invalid_argument("name at least one optimizer to race");
    const std::array<double, 2> start = race.hasStart ? std::array<double, 2>{race.startX, race.startY} : f->start;
    for (const auto& [name, values] : race.optimizers) {
      auto optimizer = optim::createOptimizer(context, name.toStdString(), values);
      auto path = surface::runTrajectory(context, *optimizer, f->id, {}, start, race.steps);
      // runTrajectory refuses a start it cannot take; an empty path must still not reach back().
      if (path.points.empty())
        throw std::invalid_argument(QObject::tr("%1 has no finite value at the start (%2, %3)")
                                        .arg(QString::fromStdString(f->title))
                                        .arg(start[0], 0, 'g', 4)
                                        .arg(start[1], 0, 'g', 4)
                                        .toStdString());
      out.paths.emplace_back(label(name.toStdString(), values), std::move(path));
    }
  } catch (const std::exception& e) {
    out.error = QString::fromUtf8(e.what());
  }
  return out;
}

}  // namespace

SurfaceRaceRunner::SurfaceRaceRunner(SurfaceView* view, QObject* parent) : QObject(parent), view_(view) {}

void SurfaceRaceRunner::run(const SurfaceRace& race, const QString& device) {
  race_ = race;
  device_ = device;
  const uint64_t generation = ++generation_;
  running_ = true;
  if (const surface::TestFunction* f = surface::findTestFunction(race.function.toStdString()))
    view_->setFunction(f->id);
  view_->clearTrajectories();
  emit started(race_);
  auto* watcher = new QFutureWatcher<RaceResult>(this);
  connect(watcher, &QFutureWatcher<RaceResult>::finished, this, [this, watcher, generation] {
    const RaceResult result = watcher->result();
    watcher->deleteLater();
    if (generation != generation_) return;
    running_ = false;
    if (!result.error.isEmpty()) {
      emit failed(result.error);
      return;
    }
    QStringList summary;
    for (const auto& [name, path] : result.paths) {
      view_->addTrajectory(name, path.points);
      const auto& last = path.points.back();
      summary << (path.diverged ? tr("%1 diverged at step %2").arg(name).arg(last.step + 1)
                                : tr("%1: f = %2 after %3 steps").arg(name).arg(last.loss, 0, 'g', 3).arg(last.step));
    }
    emit finished(summary.join(" · "));
  });
  watcher->setFuture(QtConcurrent::run([race, device] { return compute(race, device); }));
}

}  // namespace gradlab::ui

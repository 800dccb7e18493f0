#include "training_controller.h"

#include "data/idx_file.h"
#include "data/toy_datasets.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"

#include <QFutureWatcher>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

namespace gradlab::ui {
namespace {

// Everything a run needs, built off the UI thread.
struct Prepared {
  std::unique_ptr<gpu::Context> context;
  train::RunConfig config;
  QString description, error;
};

Prepared prepare(const DemoSetup& s) {
  Prepared out;
  try {
    const auto parsed = nn::parseNetwork(s.networkText.toStdString());
    if (!parsed.ok()) throw std::runtime_error(parsed.errors.front().text());
    out.config.graph = parsed.graph;
    std::shared_ptr<data::Dataset> trainSet, validation;
    if (s.dataset == "fashion-mnist") {
      auto train = data::loadFashionMnist("train");
      if (s.limit) train = train.head(s.limit);
      trainSet = std::make_shared<data::Dataset>(std::move(train));
      validation = std::make_shared<data::Dataset>(data::loadFashionMnist("test").head(s.limit ? std::max(s.limit / 5, 500u) : 10000));
    } else {
      data::ToyOptions toy{s.limit ? s.limit : 600, 0.1, 3, s.seed};
      auto [train, held] = data::makeToyDataset(s.dataset.toStdString(), toy).split(0.2, s.seed);
      trainSet = std::make_shared<data::Dataset>(std::move(train));
      validation = std::make_shared<data::Dataset>(std::move(held));
    }
    out.config.train = trainSet;
    out.config.validation = validation;
    out.config.options.batch = s.batch;
    out.config.options.learningRate = s.learningRate;
    out.config.options.seed = s.seed;
    out.config.snapshotEvery = 5;
    out.config.probeEvery = 50;
    gpu::ContextOptions options;
    options.device = s.device.toStdString();
    out.context = std::make_unique<gpu::Context>(options);
    const std::string optimizer = s.optimizer.toStdString();
    const std::string lr = std::to_string(s.learningRate);
    gpu::Context* context = out.context.get();
    out.config.optimizer = [context, optimizer, lr] {
      return optim::createOptimizer(*context, optimizer, {{"lr", lr}});
    };
    optim::createOptimizer(*context, optimizer, {{"lr", lr}});  // rejects bad settings here, with its message
    out.description = QString("%1 on %2 (%3 samples), %4 lr %5, batch %6")
                          .arg(s.title, QString::fromStdString(trainSet->name))
                          .arg(trainSet->size())
                          .arg(s.optimizer)
                          .arg(s.learningRate)
                          .arg(s.batch);
  } catch (const std::exception& e) {
    out.error = QString::fromUtf8(e.what());
    out.context.reset();
  }
  return out;
}

}  // namespace

TrainingController::TrainingController(QObject* parent) : QObject(parent) {}

TrainingController::~TrainingController() {
  run_.reset();  // joins the training thread before the device goes
  context_.reset();
}

void TrainingController::load(const DemoSetup& setup) {
  const uint64_t generation = ++generation_;
  run_.reset();
  emit loading(tr("Opening the device and reading %1…").arg(setup.dataset));
  auto* watcher = new QFutureWatcher<std::shared_ptr<Prepared>>(this);
  connect(watcher, &QFutureWatcher<std::shared_ptr<Prepared>>::finished, this, [this, watcher, generation] {
    std::shared_ptr<Prepared> prepared = watcher->result();
    watcher->deleteLater();
    if (generation != generation_) return;  // a newer load replaced this one
    if (!prepared->error.isEmpty()) {
      emit failed(prepared->error);
      return;
    }
    run_.reset();
    context_ = std::move(prepared->context);
    run_ = std::make_unique<train::Run>(*context_, std::move(prepared->config));
    run_->subscribe([this](std::shared_ptr<const train::Snapshot> s) {
      // Called on the training thread: hand over to the UI thread and return at once.
      QMetaObject::invokeMethod(this, [this, s] { emit snapshot(s); }, Qt::QueuedConnection);
    });
    emit ready(prepared->description);
  });
  watcher->setFuture(QtConcurrent::run([setup] { return std::make_shared<Prepared>(prepare(setup)); }));
}

void TrainingController::play() {
  if (run_) run_->start();
}
void TrainingController::pause() {
  if (run_) run_->pause();
}
void TrainingController::step() {
  if (run_) run_->step(1);
}
void TrainingController::reset() {
  if (run_) run_->reset();
}

train::RunState TrainingController::state() const { return run_ ? run_->state() : train::RunState::Preparing; }

}  // namespace gradlab::ui

#include "training_controller.h"

#include "gpu/context.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "persist/run_setup.h"
#include "train/device_fit.h"
#include "util/printable.h"

#include <QFutureWatcher>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

namespace gradlab::ui {
namespace {

// Everything a run needs, built off the UI thread.
struct Prepared {
  std::unique_ptr<gpu::Context> context;
  train::RunConfig config;
  uint64_t stepsPerEpoch = 0;
  std::string filters;
  QString description, error;
  int unfitNode = -1;  // the graph node that does not fit the device (train::DeviceFit::node)
  QString unfitReason;
};

// The weights worth watching as images: the first convolution's filters, or the first dense
// layer's weights when it reads an image directly (each unit's weights form a picture).
std::string filtersToWatch(const nn::Graph& graph) {
  for (const nn::Node& node : graph.nodes)
    if (node.type == "Conv2d") return node.name + ".weight";
  for (const nn::Node& node : graph.nodes) {
    if (node.type != "Linear") continue;
    const nn::Node* input = node.inputs.empty() ? nullptr : graph.find(node.inputs[0]);
    const bool fromImage = graph.inputs.size() == 1 && graph.inputs[0].shape.isImage() &&
                           (!input || (input->type == "Flatten" && input->inputs[0] == graph.inputs[0].name));
    return fromImage ? node.name + ".weight" : std::string();
  }
  return {};
}

// Every parameter tensor's name ("h1.weight"), and every running statistic's ("bn1.running_mean"):
// probes copy them all, for the filter view and for the analysis views (loss landscape around the
// current weights in evaluation mode, the trajectory, gradient checks).
std::vector<std::string> parameterNames(const nn::Graph& graph, const nn::GraphAnalysis& analysis) {
  std::vector<std::string> names;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    for (const nn::ParamTensor& p : analysis.nodes[i].shape.params) names.push_back(graph.nodes[i].name + "." + p.name);
    for (const nn::ParamTensor& b : analysis.nodes[i].shape.buffers) names.push_back(graph.nodes[i].name + "." + b.name);
  }
  return names;
}

Prepared prepare(const persist::Experiment& e) {
  Prepared out;
  try {
    const auto parsed = nn::parseNetwork(e.network);
    if (!parsed.ok()) throw std::runtime_error(parsed.errors.front().text());
    const nn::GraphAnalysis analysis = nn::analyze(parsed.graph);
    if (!analysis.ok()) throw std::runtime_error(analysis.errorText());
    const persist::RunSetup setup = persist::runSetup(e.training);
    auto data = data::chooseDataset(setup.dataset);
    auto trainSet = std::make_shared<const data::Dataset>(std::move(data.train));
    out.config.graph = parsed.graph;
    out.config.train = trainSet;
    if (data.evaluation.size()) out.config.validation = std::make_shared<const data::Dataset>(std::move(data.evaluation));
    out.config.options = setup.options;
    out.config.snapshotEvery = 5;
    out.config.probeEvery = e.training.probeInterval ? e.training.probeInterval : 25;
    out.config.weightSnapshots = parameterNames(parsed.graph, analysis);
    for (const auto& [name, tensor] : e.weights) out.config.initialWeights[name] = tensor.values;  // the file's trained weights
    if (!e.weights.empty() && !e.progress.empty()) out.config.resumeFrom = runProgress(e.progress);
    out.filters = filtersToWatch(parsed.graph);
    const bool plane = parsed.graph.inputs.size() == 1 && parsed.graph.inputs[0].shape.elements() == 2;
    out.config.boundaryEvery = plane ? 25 : 0;
    out.stepsPerEpoch = std::max<uint64_t>(trainSet->size() / setup.options.batch, 1);
    out.config.maxSteps = e.training.maxSteps ? e.training.maxSteps : e.training.epochs * out.stepsPerEpoch;

    gpu::ContextOptions options;
    options.device = e.training.device;
    out.context = std::make_unique<gpu::Context>(options);
    gpu::Context* context = out.context.get();
    const std::string optimizer = setup.optimizer;
    const auto values = setup.optimizerValues;
    out.config.optimizer = [context, optimizer, values] { return optim::createOptimizer(*context, optimizer, values); };
    // Before the run allocates anything: a network or dataset beyond the device is named.
    const auto stateOf = out.config.optimizer();
    train::DeviceFitRequest fitRequest = train::sessionFitRequest(parsed.graph, *trainSet, out.config.validation.get(),
                                                                  setup.options, stateOf.get());
    fitRequest.probes = out.config.probeEvery > 0;
    const train::DeviceFit fit = train::checkDeviceFit(fitRequest, context->device());
    if (!fit.fits) {
      out.unfitNode = fit.node;
      out.unfitReason = QString::fromStdString(fit.reason);
      throw std::runtime_error(fit.message);
    }
    const std::string title = optim::findOptimizer(optimizer) ? optim::findOptimizer(optimizer)->title : optimizer;
    // The title and the dataset's folder come from the file: escaped, and the title cut short.
    out.description = QString("%1 on %2 (%3 samples) · %4, lr %5 · batch %6")
                          .arg(QString::fromStdString(util::printable(e.title.empty() ? parsed.graph.title : e.title, 120)),
                               QString::fromStdString(util::printable(trainSet->name)))
                          .arg(trainSet->size())
                          .arg(QString::fromStdString(title))
                          .arg(setup.options.learningRate)
                          .arg(setup.options.batch);
  } catch (const std::exception& ex) {
    out.error = QString::fromStdString(util::printableLines(ex.what()));  // it may quote the file
    out.context.reset();
  }
  return out;
}

}  // namespace

persist::RunProgress savedProgress(const train::RunProgress& progress) {
  persist::RunProgress saved{progress.step, progress.optimizer.optimizer, {}};
  for (const auto& [block, values] : progress.optimizer.blocks)
    saved.optimizerState[block] = {{uint32_t(values.size())}, values};
  return saved;
}

train::RunProgress runProgress(const persist::RunProgress& saved) {
  train::RunProgress progress{saved.step, {saved.optimizer, {}}};
  for (const auto& [block, tensor] : saved.optimizerState) progress.optimizer.blocks[block] = tensor.values;
  return progress;
}

TrainingController::TrainingController(QObject* parent) : QObject(parent) {}

TrainingController::~TrainingController() {
  run_.reset();  // joins the training thread before the device goes
  context_.reset();
}

void TrainingController::load(const persist::Experiment& experiment) {
  const uint64_t load = ++loads_;
  run_.reset();
  emit loading(tr("Opening the device and reading %1…").arg(QString::fromStdString(experiment.training.dataset)));
  auto* watcher = new QFutureWatcher<std::shared_ptr<Prepared>>(this);
  connect(watcher, &QFutureWatcher<std::shared_ptr<Prepared>>::finished, this, [this, watcher, load] {
    std::shared_ptr<Prepared> prepared = watcher->result();
    watcher->deleteLater();
    if (load != loads_) return;  // a newer load replaced this one
    if (!prepared->error.isEmpty()) {
      if (prepared->unfitNode >= 0) emit layerDoesNotFit(prepared->unfitNode, prepared->unfitReason);
      emit failed(prepared->error);
      return;
    }
    run_.reset();
    context_ = std::move(prepared->context);
    stepsPerEpoch_ = prepared->stepsPerEpoch;
    filterTensor_ = prepared->filters;
    emit datasetLoaded(prepared->config.train);
    run_ = std::make_unique<train::Run>(*context_, std::move(prepared->config));
    generation_ = 0;
    run_->subscribe([this](std::shared_ptr<const train::Snapshot> s) {
      // Called on the training thread: hand over to the UI thread and return at once. By the time
      // it gets there, this run may have been reset or replaced.
      QMetaObject::invokeMethod(
          this,
          [this, s] {
            if (run_ && s->runId == run_->id() && s->generation == generation_) emit snapshot(s);
          },
          Qt::QueuedConnection);
    });
    emit ready(prepared->description);
  });
  watcher->setFuture(QtConcurrent::run([experiment] { return std::make_shared<Prepared>(prepare(experiment)); }));
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
  if (run_) generation_ = run_->reset();
}

void TrainingController::setLearningRate(double rate) {
  if (run_) run_->setLearningRate(rate);
}

train::RunState TrainingController::state() const { return run_ ? run_->state() : train::RunState::Preparing; }

}  // namespace gradlab::ui

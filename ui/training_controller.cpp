#include "training_controller.h"

#include "analysis/sharpness_probe.h"
#include "gpu/context.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "persist/run_setup.h"
#include "persist/run_variant.h"
#include "train/device_fit.h"
#include "util/printable.h"

#include <QFutureWatcher>
#include <QMetaObject>
#include <QtConcurrent/QtConcurrentRun>

#include <exception>
#include <thread>
#ifdef __linux__
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#endif

namespace gradlab::ui {
namespace {

// Training shares the cores with the UI thread, and a CPU device (lavapipe) computes on threads it
// starts when the device is opened: left at the UI's priority, those threads and the run's worker
// make input and drawing wait whole scheduler slices behind a chunk of steps. `make` runs on a
// thread of lower priority (Linux's nice 10 a thread; elsewhere the same priority), which the
// threads it starts inherit, and its result is returned. The UI keeps the cores it needs (a few
// percent of one) and training takes the rest.
template <class Make>
auto atTrainingPriority(Make make) {
  decltype(make()) made;
  std::exception_ptr error;
  std::thread maker([&] {
#ifdef __linux__
    setpriority(PRIO_PROCESS, id_t(syscall(SYS_gettid)), 10);  // raising one's nice needs no privilege
#endif
    try {
      made = make();
    } catch (...) {
      error = std::current_exception();
    }
  });
  maker.join();
  if (error) std::rethrow_exception(error);
  return made;
}

// Everything a run needs, built off the UI thread.
struct Prepared {
  std::unique_ptr<gpu::Context> context;
  std::vector<train::RunConfig> members;  // member 0: the experiment; then its comparisons
  std::vector<uint32_t> batches;          // per member
  std::vector<bool> followsBaseRate;      // per member: takes the panel's learning rate on the fly
  std::vector<TrainingController::MemberSetup> setups;
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
    for (const nn::ParamTensor& b : analysis.nodes[i].shape.buffers)
      names.push_back(graph.nodes[i].name + "." + b.name);
  }
  return names;
}

// The graph of `e`'s network, checked; throws with the first problem.
nn::Graph checkedGraph(const persist::Experiment& e, nn::GraphAnalysis* analysis) {
  const auto parsed = nn::parseNetwork(e.network);
  if (!parsed.ok()) throw std::runtime_error(parsed.errors.front().text());
  *analysis = nn::analyze(parsed.graph);
  if (!analysis->ok()) throw std::runtime_error(analysis->errorText());
  return parsed.graph;
}

// One member of the set: `e`'s network, settings, weights and progress on `train` (member 0's
// datasets; the other members' stay null, which shares them). Names a layer beyond the device.
train::RunConfig memberConfig(const persist::Experiment& e, const std::shared_ptr<const data::Dataset>& train,
                              const data::Dataset* validation, gpu::Context* context, Prepared& out) {
  nn::GraphAnalysis analysis;
  train::RunConfig config;
  config.graph = checkedGraph(e, &analysis);
  const persist::RunSetup setup = persist::runSetup(e.training);
  config.options = setup.options;
  config.snapshotEvery = 5;
  config.probeEvery = e.training.probeInterval ? e.training.probeInterval : 25;
  config.weightSnapshots = parameterNames(config.graph, analysis);
  for (const auto& [name, tensor] : e.weights)
    config.initialWeights[name] = tensor.values;  // the file's trained weights
  if (!e.weights.empty() && !e.progress.empty()) config.resumeFrom = runProgress(e.progress);
  const bool plane = config.graph.inputs.size() == 1 && config.graph.inputs[0].shape.elements() == 2;
  config.boundaryEvery = plane ? 25 : 0;
  const std::string optimizer = setup.optimizer;
  const auto values = setup.optimizerValues;
  config.optimizer = [context, optimizer, values] { return optim::createOptimizer(*context, optimizer, values); };
  // Before the run allocates anything: a network or dataset beyond the device is named.
  const auto stateOf = config.optimizer();
  train::DeviceFitRequest fitRequest =
      train::sessionFitRequest(config.graph, *train, validation, setup.options, stateOf.get());
  fitRequest.probes = config.probeEvery > 0;
  const train::DeviceFit fit = train::checkDeviceFit(fitRequest, context->device());
  if (!fit.fits) {
    out.unfitNode = fit.node;
    out.unfitReason = QString::fromStdString(fit.reason);
    throw std::runtime_error(fit.message);
  }
  out.batches.push_back(setup.options.batch);
  return config;
}

QString describe(const persist::Experiment& e, const nn::Graph& graph, const data::Dataset& train) {
  const persist::RunSetup setup = persist::runSetup(e.training);
  const std::string title =
      optim::findOptimizer(setup.optimizer) ? optim::findOptimizer(setup.optimizer)->title : setup.optimizer;
  // The title and the dataset's folder come from the file: escaped, and the title cut short.
  QString text = QString("%1 on %2 (%3 samples) · %4, lr %5 · batch %6")
                     .arg(QString::fromStdString(util::printable(e.title.empty() ? graph.title : e.title, 120)),
                          QString::fromStdString(util::printable(train.name)))
                     .arg(train.size())
                     .arg(QString::fromStdString(title))
                     .arg(setup.options.learningRate)
                     .arg(setup.options.batch);
  if (!e.comparisons.empty()) text += QObject::tr(" · %1 runs side by side").arg(e.comparisons.size() + 1);
  return text;
}

// Member 0 is the experiment, members 1.. its comparisons, all on member 0's datasets.
Prepared prepare(const persist::Experiment& e) {
  Prepared out;
  try {
    std::vector<persist::Experiment> runs{e};
    for (const persist::RunVariant& variant : e.comparisons) runs.push_back(persist::variantExperiment(e, variant));
    const persist::RunSetup setup = persist::runSetup(e.training);
    auto data = data::chooseDataset(setup.dataset);
    auto trainSet = std::make_shared<const data::Dataset>(std::move(data.train));
    std::shared_ptr<const data::Dataset> validation;
    if (data.evaluation.size()) validation = std::make_shared<const data::Dataset>(std::move(data.evaluation));

    gpu::ContextOptions options;
    options.device = e.training.device;
    out.context = atTrainingPriority([&] { return std::make_unique<gpu::Context>(options); });
    for (size_t i = 0; i < runs.size(); ++i) {
      try {
        out.members.push_back(memberConfig(runs[i], trainSet, validation.get(), out.context.get(), out));
      } catch (const std::exception& ex) {
        if (i == 0) throw;
        out.unfitNode = -1;  // a node of another run's network: not one the editor shows
        throw std::runtime_error(std::string("run ") + char('A' + i) + ": " + ex.what());
      }
      out.members.back().label = std::string(1, char('A' + i));
      out.setups.push_back({out.members.back().graph, runs[i].training});
      const auto& changes = i == 0 ? std::map<std::string, std::string>{} : e.comparisons[i - 1].changes;
      out.followsBaseRate.push_back(!changes.count("lr") && !changes.count("optimizer"));
    }
    out.members[0].train = trainSet;
    out.members[0].validation = validation;
    out.filters = filtersToWatch(out.members[0].graph);
    // The set ticks by the largest batch (train/run_set.h); every member counts ticks.
    const uint32_t largest = *std::max_element(out.batches.begin(), out.batches.end());
    out.stepsPerEpoch = std::max<uint64_t>(trainSet->size() / largest, 1);
    const uint64_t maxSteps = e.training.maxSteps ? e.training.maxSteps : e.training.epochs * out.stepsPerEpoch;
    for (train::RunConfig& member : out.members) {
      member.maxSteps = maxSteps;
      member.probeEvery = out.members[0].probeEvery;
      member.boundaryEvery = out.members[0].boundaryEvery;
    }
    out.description = describe(e, out.members[0].graph, *trainSet);
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
    batches_ = prepared->batches;
    followsBaseRate_ = prepared->followsBaseRate;
    memberSetups_ = prepared->setups;
    emit datasetLoaded(prepared->members[0].train);
    for (train::RunConfig& member : prepared->members) {
      member.probeMeasurement = analysis::sharpnessAtProbes(sharpnessWanted_);
      member.internalsWanted = internalsWanted_;
    }
    run_ = atTrainingPriority([&] { return std::make_unique<train::Run>(*context_, std::move(prepared->members)); });
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

// The first run's rate, and every other run's that does not set its own.
void TrainingController::setLearningRate(double rate) {
  if (!run_) return;
  for (uint32_t member = 0; member < followsBaseRate_.size(); ++member)
    if (followsBaseRate_[member]) run_->setLearningRate(rate, member);
}

train::RunState TrainingController::state() const { return run_ ? run_->state() : train::RunState::Preparing; }

}  // namespace gradlab::ui

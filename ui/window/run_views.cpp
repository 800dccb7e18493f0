#include "window/run_views.h"

#include "analysis/analysis_source.h"
#include "analysis/gradient_check_dialog.h"
#include "analysis/init_theory.h"
#include "analysis/landscape_view.h"
#include "analysis/receptive_field_view.h"
#include "editor/network_editor.h"
#include "gpu/context.h"
#include "timeline/timeline_bar.h"
#include "training_charts.h"
#include "training_controller.h"
#include "training_panel.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/internals_view.h"
#include "views/layer_histograms_view.h"
#include "views/sharpness_view.h"
#include "views/update_ratio_view.h"

#include <QDockWidget>
#include <QEvent>
#include <QFutureWatcher>
#include <QInputDialog>
#include <QPointer>
#include <QSettings>
#include <QToolButton>
#include <QtConcurrent/QtConcurrentRun>

#include <functional>

namespace gradlab::ui {
namespace {

// Tells `changed` when a widget is shown (true) or hidden (false): its tab raised or left, its dock
// opened or closed.
class ShownWatch : public QObject {
 public:
  ShownWatch(QWidget* widget, std::function<void(bool)> changed) : QObject(widget), changed_(std::move(changed)) {
    widget->installEventFilter(this);
  }
  bool eventFilter(QObject* /*watched*/, QEvent* event) override {
    if (event->type() == QEvent::Show || event->type() == QEvent::Hide) changed_(event->type() == QEvent::Show);
    return false;
  }

 private:
  std::function<void(bool)> changed_;
};

}  // namespace

RunViews::RunViews(QWidget* window, TrainingController* controller, NetworkEditor* editor, TrainingPanel* panel,
                   const QString& deviceRequest)
    : QObject(window), window_(window), controller_(controller), editor_(editor), panel_(panel),
      deviceRequest_(deviceRequest) {
  charts_ = new TrainingCharts(window);
  histograms_ = new LayerHistogramsView(window);
  depth_ = new DepthStatsView(window);
  internals_ = new InternalsView(window);
  // Internals cost 15-30 ms a probe: measured only while someone looks, as the sharpness is.
  // The window's teardown hides the view after the controller is gone.
  new ShownWatch(internals_, [controller = QPointer<TrainingController>(controller_)](bool shown) {
    if (controller) controller->setInternalsMeasured(shown);
  });
  filters_ = new FilterGridView(window);
  boundary_ = new DecisionBoundaryView(window);
  landscape_ = new LandscapeView(window);
  receptive_ = new ReceptiveFieldView(window);
  sharpness_ = new SharpnessView(window);
  connect(sharpness_, &SharpnessView::measuringWanted, controller_, &TrainingController::setSharpnessMeasured);
  updateRatios_ = new UpdateRatioView(window);
  timeline_ = new TimelineBar(window);
  connect(timeline_, &TimelineBar::momentChosen, this, &RunViews::showMoment);
  connect(timeline_, &TimelineBar::liveChosen, this, &RunViews::showLive);
  timelineMemory_ = new QToolButton(window);
  timelineMemory_->setAutoRaise(true);
  timelineMemory_->setToolTip(tr("Memory the timeline's moments take, of their budget. Click to change the budget."));
  connect(timelineMemory_, &QToolButton::clicked, this, [this] {
    bool ok = false;
    const int mib =
        QInputDialog::getInt(window_, tr("Timeline memory"), tr("Memory for the moments the timeline keeps (MiB):"),
                             int(store_.budget() >> 20), 16, 65536, 64, &ok);
    if (!ok) return;
    QSettings().setValue("timeline/budgetMiB", mib);
    setMomentBudget(size_t(mib) << 20);
  });
  const int budgetMiB = QSettings().value("timeline/budgetMiB", int(SnapshotStore::kDefaultBudget >> 20)).toInt();
  store_.setBudget(size_t(std::max(16, budgetMiB)) << 20);
  updateTimeline();
}

// The filter view's spectrum job uses viewDevice_: the view goes first.
RunViews::~RunViews() { delete filters_.data(); }

FilterGridView* RunViews::filters() const { return filters_; }

void RunViews::setAnalysisDocks(QDockWidget* landscape, QDockWidget* receptive) {
  landscapeDock_ = landscape;
  receptiveDock_ = receptive;
  for (QDockWidget* dock : {landscape, receptive})  // shown: give them the run's parameters as they are
    connect(dock, &QDockWidget::visibilityChanged, this, [this](bool visible) {
      if (visible) updateAnalysisSource();
    });
}

// Training has its own device.
void RunViews::openViewDevice() {
  auto* watcher = new QFutureWatcher<std::shared_ptr<gpu::Context>>(this);
  connect(watcher, &QFutureWatcher<std::shared_ptr<gpu::Context>>::finished, this, [this, watcher] {
    viewDevice_ = watcher->result();
    watcher->deleteLater();
    if (viewDevice_ && filters_) filters_->setSpectrumDevice(viewDevice_.get());
  });
  const std::string device = deviceRequest_.toStdString();
  watcher->setFuture(QtConcurrent::run([device]() -> std::shared_ptr<gpu::Context> {
    try {
      gpu::ContextOptions options;
      options.device = device;
      return std::make_shared<gpu::Context>(options);
    } catch (const std::exception&) {
      return nullptr;  // no spectra; the training run reports the device problem itself
    }
  }));
}

void RunViews::setDataset(std::shared_ptr<const data::Dataset> train) {
  boundary_->setData(train);
  trainData_ = train;
  const auto& setups = controller_->memberSetups();
  for (uint32_t member = 0; member < setups.size(); ++member) {
    const auto normalization = data::parseNormalization(setups[member].training.normalization);
    depth_->setPrediction(
        analysis::predictActivations(setups[member].graph, analysis::inputMoments(*train, normalization)), member);
    sharpness_->setStabilityRule(
        member, analysis::stabilityRule(setups[member].training.optimizer, setups[member].training.optimizerValues));
  }
  runWeights_.clear();
  forgetParameters(false);
  if (train->sampleShape.isImage()) filters_->setImageShape(train->sampleShape);
}

void RunViews::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  charts_->setRunStyles(styles);
  histograms_->setRunStyles(styles);
  depth_->setRunStyles(styles);
  internals_->setRunStyles(styles);
  filters_->setRunStyles(styles);
  boundary_->setRunStyles(styles);
  sharpness_->setRunStyles(styles);
  updateRatios_->setRunStyles(styles);
}

void RunViews::show(const train::Snapshot& s) {
  if (showingSavedCurves_ && !s.records.empty()) {  // a saved experiment's curves give way to new training
    charts_->clear();
    showingSavedCurves_ = false;
  }
  charts_->add(s);
  if (s.probes) {
    rememberParameters(s.probes, s.member);
    sharpness_->addReport(*s.probes, s.member);  // curves over the steps: a moment shows them up to its step
    updateRatios_->addReport(*s.probes, s.member);
  }
  // While the timeline shows a moment, it stays on screen.
  if (replaying()) return;
  if (s.probes) {  // the views keep the report and redraw from their own timers or workers
    histograms_->setReport(s.probes, s.member);
    depth_->setReport(s.probes, s.member);
    internals_->setReport(s.probes, s.member);
    filters_->showWeights(s.probes, controller_->filterTensor(), s.member);
  }
  if (s.boundary) boundary_->setBoundary(s.boundary, s.member);
  if (s.state != train::RunState::Running && s.probes) updateAnalysisSource();
}

// For saving; and for the views when training stopped between probes or has not started (weights
// opened from a file): the last probe showed older values.
void RunViews::keepWeights(const std::shared_ptr<const train::Snapshot>& s) {
  auto& weights = runWeights_[s->member];
  auto& progress = runProgress_[s->member];
  if (s->probes && !s->probes->weights.empty()) weights = {s->probes, &s->probes->weights};
  // The run state fits only weights of its own step, with curves that end there too.
  if (!s->records.empty() || (s->probes && !s->probes->weights.empty())) progress.reset();
  if (!s->parameters) return;
  weights = s->parameters;
  progress = s->progress;
  if (s->probes) return;  // the probe of the last step carried these same values to the views
  train::ProbeReport values;
  values.step = s->step;
  values.weights = *s->parameters;
  rememberParameters(std::make_shared<const train::ProbeReport>(std::move(values)), s->member);
  if (replaying()) return;
  for (const auto& w : *s->parameters)
    if (w.name == controller_->filterTensor()) filters_->setWeights(w, s->member);
  updateAnalysisSource();
}

namespace {

// A member's kept weights and progress into a run's results.
void storeWeights(const std::vector<train::WeightSnapshot>* weights, const train::RunProgress* progress,
                  std::map<std::string, persist::Tensor>& savedWeights, persist::RunProgress& savedProgress) {
  if (!weights) return;
  savedWeights.clear();
  for (const train::WeightSnapshot& w : *weights) savedWeights[w.name] = {w.shape.dims, w.values};
  savedProgress = progress && progress->step > 0 ? ui::savedProgress(*progress) : persist::RunProgress{};
}

}  // namespace

void RunViews::resultsInto(persist::Experiment& e, uint64_t momentBytes) const {
  auto weightsOf = [this](uint32_t member) {
    const auto it = runWeights_.find(member);
    return it == runWeights_.end() ? nullptr : it->second.get();
  };
  auto progressOf = [this](uint32_t member) {
    const auto it = runProgress_.find(member);
    return it == runProgress_.end() ? nullptr : it->second.get();
  };
  e.trainingHistory = charts_->trainingHistory(0);
  e.validationHistory = charts_->validationHistory(0);
  storeWeights(weightsOf(0), progressOf(0), e.weights, e.progress);
  for (uint32_t i = 0; i < e.comparisons.size(); ++i) {
    persist::RunVariant& run = e.comparisons[i];
    run.trainingHistory = charts_->trainingHistory(i + 1);
    run.validationHistory = charts_->validationHistory(i + 1);
    storeWeights(weightsOf(i + 1), progressOf(i + 1), run.weights, run.progress);
  }
  e.moments.saved = store_.size() ? std::make_shared<const persist::SavedTimeline>(store_.saved(momentBytes)) : nullptr;
}

void RunViews::forgetWeights() { runWeights_.clear(); }

void RunViews::showSavedCurves(const persist::Experiment& e, bool untilTraining) {
  runWeights_.clear();
  charts_->clearReference();  // a kept reference belongs to the experiment it was kept in
  charts_->clear();
  charts_->setHistory(e.trainingHistory, e.validationHistory, 0);
  for (uint32_t i = 0; i < e.comparisons.size(); ++i)
    charts_->setHistory(e.comparisons[i].trainingHistory, e.comparisons[i].validationHistory, i + 1);
  showingSavedCurves_ = untilTraining;
  clearProbeViews();
}

void RunViews::clearForRebuild(bool continues) {
  forgetMoments();
  if (!showingSavedCurves_ && !continues) charts_->clear();
  clearProbeViews();
}

void RunViews::clearForReset() {
  forgetMoments();
  runWeights_.clear();
  runProgress_.clear();
  forgetParameters(true);
  charts_->clear();
  showingSavedCurves_ = false;
  clearProbeViews();
}

void RunViews::clearForRace() {
  forgetMoments();
  runWeights_.clear();
  forgetParameters(false);
  charts_->clearReference();
  charts_->clear();
  showingSavedCurves_ = false;
  clearProbeViews();
}

void RunViews::clearProbeViews() {
  histograms_->clear();
  depth_->clear();
  internals_->clear();
  filters_->clear();
  boundary_->clear();
  sharpness_->clear();
  updateRatios_->clear();
}

// Keeps the first (initial weights), the latest, and a trajectory thinned to at most 64 snapshots
// (every other one dropped when full).
void RunViews::Parameters::remember(std::shared_ptr<const train::ProbeReport> report) {
  if (report->weights.empty()) return;
  if (!initial || report->step == 0) {
    initial = report;
    trajectory.clear();
  }
  if (trajectory.size() >= 64) {
    std::vector<std::shared_ptr<const train::ProbeReport>> thinned;
    for (size_t i = 0; i < trajectory.size(); i += 2) thinned.push_back(std::move(trajectory[i]));
    trajectory = std::move(thinned);
  }
  trajectory.push_back(report);
  current = std::move(report);
}

void RunViews::rememberParameters(std::shared_ptr<const train::ProbeReport> report, uint32_t member) {
  parameters_[member].remember(std::move(report));
}

// Reset keeps the latest values until the reset run's first probe replaces them.
void RunViews::forgetParameters(bool keepCurrent) {
  for (auto& [member, p] : parameters_) {
    p.initial.reset();
    p.trajectory.clear();
    if (!keepCurrent) p.current.reset();
  }
}

// Done when the views are shown or training pauses, not on every probe (the parameters are copied
// out of the reports here, and the trajectory is megabytes).
void RunViews::updateAnalysisSource() {
  if (!trainData_ || !landscapeDock_) return;
  const bool landscape = landscapeDock_->isVisible(), receptive = receptiveDock_->isVisible();
  const bool checking = gradientCheck_ && gradientCheck_->isVisible();
  if (!landscape && !receptive && !checking) return;
  auto source = std::make_shared<AnalysisSource>();
  source->graph = editor_->graph();
  source->train = trainData_;
  source->normalization = data::parseNormalization(panel_->settings().normalization);
  static const Parameters kNone;
  const auto firstRun = shownParameters().find(0);
  const Parameters& first = firstRun == shownParameters().end() ? kNone : firstRun->second;
  if (first.current) {
    source->current = parametersOf(*first.current);
    source->step = first.current->step;
  }
  if (first.initial) source->initial = parametersOf(*first.initial);
  if (landscape)
    for (const auto& report : first.trajectory) source->trajectory.push_back(parametersOf(*report));
  source->seed = panel_->settings().seed;
  source->batch = panel_->settings().batch;
  source->training = panel_->settings();
  source->device = deviceRequest_.toStdString();
  fillRuns(*source, landscape);
  if (landscape) landscape_->setSource(source);
  if (receptive) receptive_->setSource(source);
  if (checking) gradientCheck_->setSource(source);
}

// One entry per run of a set, each with its own network, settings and parameters.
void RunViews::fillRuns(AnalysisSource& source, bool trajectories) const {
  const auto& setups = controller_->memberSetups();
  if (styles_.size() < 2 || setups.size() != styles_.size()) return;
  for (const RunStyle& style : styles_) {
    RunAnalysis run;
    run.style = style;
    const TrainingController::MemberSetup& setup = setups[style.member];
    run.graph = setup.graph;
    run.normalization = data::parseNormalization(setup.training.normalization);
    run.batch = setup.training.batch;
    run.seed = setup.training.seed;
    run.training = setup.training;
    const auto it = shownParameters().find(style.member);
    if (it != shownParameters().end()) {
      const Parameters& p = it->second;
      if (p.current) {
        run.current = parametersOf(*p.current);
        run.step = p.current->step;
      }
      if (p.initial) run.initial = parametersOf(*p.initial);
      if (trajectories)
        for (const auto& report : p.trajectory) run.trajectory.push_back(parametersOf(*report));
    }
    source.runs.push_back(std::move(run));
  }
}

void RunViews::checkGradients() {
  if (!gradientCheck_) gradientCheck_ = new GradientCheckDialog(window_);
  if (controller_->state() == train::RunState::Running) controller_->pause();
  gradientCheck_->show();
  gradientCheck_->raise();
  updateAnalysisSource();
  gradientCheck_->start();
}

}  // namespace gradlab::ui

namespace gradlab::ui {

void RunViews::record(std::shared_ptr<const train::Snapshot> s) {
  store_.add(std::move(s));
  updateTimeline();
}

void RunViews::setMomentBudget(size_t bytes) {
  store_.setBudget(bytes);
  updateTimeline();
}

void RunViews::restoreMoments(const persist::Moments& moments) {
  showLive();
  if (moments.saved) store_.restore(*moments.saved);
  updateTimeline();
  if (!moments.saved || !store_.size()) return;
  // The views that draw a history over the steps get the saved probes' readings, as they got them live.
  for (const auto& [member, m] : store_.moment(store_.size() - 1).members)
    for (const auto& report : store_.probesUpTo(store_.size() - 1, member)) {
      sharpness_->addReport(*report, member);
      updateRatios_->addReport(*report, member);
      internals_->setReport(report, member);
    }
}

void RunViews::forgetMoments() {
  showLive();
  store_.clear();
  updateTimeline();
}

// The bar follows the store: its moments (an earlier one shown stays shown, wherever thinning
// moved it) and the memory they take.
void RunViews::updateTimeline() {
  const uint64_t last = store_.size() ? store_.moment(store_.size() - 1).step() : 0;
  timeline_->setMoments(store_.size());
  if (replayPosition_) {
    const size_t index = store_.indexAt(*replayPosition_);
    timeline_->showReplay(index, store_.moment(index).step());
  } else {
    timeline_->showLive(last);
  }
  timelineMemory_->setText(
      tr("Timeline: %1 of %2 MiB").arg(double(store_.bytes()) / (1 << 20), 0, 'f', 1).arg(store_.budget() >> 20));
}

void RunViews::showMoment(size_t index) {
  if (index >= store_.size()) return;
  if (controller_->state() == train::RunState::Running) controller_->pause();  // to look at it
  const Moment& moment = store_.moment(index);
  replayPosition_ = moment.position;
  std::map<uint32_t, uint64_t> steps;
  replayParameters_.clear();
  for (const auto& [member, m] : moment.members) {
    steps[member] = m.snapshot->step;
    Parameters& p = replayParameters_[member];
    for (auto& report : store_.probesUpTo(index, member)) p.remember(std::move(report));
    if (m.parameters) {  // values newer than the last probe, as keepWeights() remembered them
      auto values = std::make_shared<train::ProbeReport>();
      values->step = m.snapshot->step;
      values->weights = *m.parameters;
      p.remember(std::move(values));
    }
  }
  charts_->showMoment(steps);
  sharpness_->showMoment(steps);
  updateRatios_->showMoment(steps);
  showProbeViews(moment);
  timeline_->showReplay(index, moment.step());
  updateAnalysisSource();
  emit replayChanged();
}

QString RunViews::replayText() const {
  if (!replayPosition_ || !store_.size()) return {};
  const size_t index = store_.indexAt(*replayPosition_);
  return tr("replaying step %1 (moment %2 of %3)").arg(store_.moment(index).step()).arg(index + 1).arg(store_.size());
}

void RunViews::showLive() {
  if (!replayPosition_) return;
  replayPosition_.reset();
  replayParameters_.clear();
  charts_->showLive();
  sharpness_->showLive();
  updateRatios_->showLive();
  if (store_.size()) showProbeViews(store_.moment(store_.size() - 1));  // the run's latest moment is now
  updateTimeline();
  updateAnalysisSource();
  emit replayChanged();
}

// What show() and keepWeights() gave the probe views by the moment's snapshot.
void RunViews::showProbeViews(const Moment& moment) {
  for (const auto& [member, m] : moment.members) {
    histograms_->setReport(m.probes, member);
    depth_->setReport(m.probes, member);
    internals_->setReport(m.probes, member);
    boundary_->setBoundary(m.boundary, member);
    if (m.parameters) {
      for (const auto& w : *m.parameters)
        if (w.name == controller_->filterTensor()) filters_->setWeights(w, member);
    } else {
      filters_->showWeights(m.probes, controller_->filterTensor(), member);
    }
  }
}

}  // namespace gradlab::ui

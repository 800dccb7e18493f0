#include "main_window.h"

#include "compare_dialog.h"
#include "device_probe.h"
#include "editor/network_editor.h"
#include "nn/network_text.h"
#include "run_list_dock.h"
#include "surface/test_function.h"
#include "surface_race_runner.h"
#include "training_charts.h"
#include "training_panel.h"
#include "util/printable.h"
#include "views/surface_race_panel.h"
#include "window/presentation.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDockWidget>
#include <QLabel>
#include <QMessageBox>
#include <QScopedValueRollback>
#include <QSettings>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolButton>

namespace gradlab::ui {

MainWindow::MainWindow(const QString& deviceRequest, const QString& autosaveFolder, QWidget* parent)
    : QMainWindow(parent), deviceRequest_(deviceRequest) {
  setWindowTitle("GradLab");
  setMinimumSize(900, 600);
  resize(1440, 900);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
  controller_ = new TrainingController(this);
  files_ = new DocumentFiles(
      this, autosaveFolder, [this](uint64_t momentBytes) { return experiment(momentBytes); },
      [this](const persist::Experiment& e, const QString& path) { openExperiment(e, path); });
  createActions();
  createDocks();
  createMenus();

  stateLabel_ = new QLabel(this);
  progressLabel_ = new QLabel(this);
  deviceLabel_ = new QLabel(tr("Looking for a Vulkan device…"), this);
  deviceLabel_->setContentsMargins(8, 0, 12, 0);  // clear of the size grip
  statusBar()->addWidget(stateLabel_);
  statusBar()->addWidget(progressLabel_, 1);
  statusBar()->addPermanentWidget(views_->timelineMemory());
  connect(views_, &RunViews::replayChanged, this, &MainWindow::showProgress);
  statusBar()->addPermanentWidget(deviceLabel_);

  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoredLayout_ = restoreState(settings.value("window/state").toByteArray());

  probe_ = new DeviceProbe(this);
  connect(probe_, &DeviceProbe::found, this, [this](const QString& name, const QString& details) {
    deviceLabel_->setText(tr("Device: %1").arg(name));
    deviceLabel_->setToolTip(details);
    views_->openViewDevice();
    emit deviceReady();
  });
  connect(probe_, &DeviceProbe::failed, this, [this](const QString& message) {
    deviceLabel_->setText(tr("No Vulkan device"));
    deviceLabel_->setToolTip(message);
    banner_->setText(tr("<b>No Vulkan device is available.</b> %1").arg(message.toHtmlEscaped()));
    banner_->show();
    emit deviceReady();
  });
  probe_->start(deviceRequest);

  connect(controller_, &TrainingController::loading, this, [this](const QString&) {
    stateLabel_->setText(tr("Loading"));
    updateActions(train::RunState::Preparing);
  });
  connect(controller_, &TrainingController::datasetLoaded, this, [this](std::shared_ptr<const data::Dataset> train) {
    panel_->setDataset(train);
    views_->setDataset(train);
  });
  connect(controller_, &TrainingController::ready, this, [this](const QString& description) {
    progressLabel_->setText(description);
    views_->charts()->follow(controller_->runId(), controller_->generation());
    views_->charts()->setRunBatches(controller_->batches());
    setStatus_.clear();
    banner_->hide();
    stateLabel_->setText(tr("Preparing"));
    announcedReady_ = false;
  });
  connect(controller_, &TrainingController::layerDoesNotFit, this, [this](int node, const QString& reason) {
    editor_->setDeviceProblem(node, reason);
    playBlockedReason_ = editor_->problem();
  });
  connect(controller_, &TrainingController::failed, this, [this](const QString& message) {
    banner_->setText(tr("<b>This experiment cannot train yet.</b> %1").arg(message.toHtmlEscaped()));
    banner_->show();
    stateLabel_->setText(tr("Not ready"));
    updateActions(train::RunState::Failed);
    emit demoFailed(message);
  });
  connect(controller_, &TrainingController::snapshot, this, [this](std::shared_ptr<const train::Snapshot> s) {
    views_->record(s);
    showSnapshot(*s);
    // Trained weights and curves are unsaved work.
    if (!s->records.empty() && !files_->isModified() && !files_->showingDemo()) setModified(true);
    views_->keepWeights(s);
  });

  rebuildTimer_ = new QTimer(this);
  rebuildTimer_->setSingleShot(true);
  rebuildTimer_->setInterval(400);  // edits in quick succession rebuild the run once
  connect(rebuildTimer_, &QTimer::timeout, this, &MainWindow::rebuildRun);
  updateActions(train::RunState::Preparing);
}

MainWindow::~MainWindow() { delete presentation_; }  // gives its view back while the docks exist

void MainWindow::openExperiment(const persist::Experiment& experiment, const QString& path) {
  files_->setShowingDemo(false);
  const QScopedValueRollback showingFile(showingFile_, true);  // showing it is no edit of the user's
  const auto parsed = nn::parseNetwork(experiment.network);
  Positions positions;
  for (const auto& [name, p] : experiment.layout) positions[name] = QPointF(p.x, p.y);
  editor_->setGraph(parsed.graph, positions);
  panel_->setSettings(experiment.training);
  document_ = experiment;  // after the graph: showing it counts as an edit, which drops weights
  showRuns(document_);
  // A file with run state continues its curves; one without starts a new run, which replaces them.
  views_->showSavedCurves(
      experiment, !experiment.trainingHistory.empty() && (experiment.weights.empty() || experiment.progress.empty()));
  banner_->hide();
  explanation_->hide();
  files_->setPath(path);
  setModified(false);
  if (!parsed.ok()) {
    banner_->setText(tr("<b>The network text has errors.</b> %1")
                         .arg(QString::fromStdString(parsed.errors.front().text()).toHtmlEscaped()));
    banner_->show();
  }
  rebuildRun();
  // The file's moments, after the rebuild that forgot the window's.
  views_->restoreMoments(experiment.moments);
  rebuildTimer_->stop();  // showing the graph counted as an edit; the run is already being built
  setModified(false);
}

void MainWindow::fitTo(const QSize& available) {
  const QSize before = size();
  resize(size().boundedTo(available).expandedTo(minimumSize()));
  // A layout restored from a larger screen is shared out anew for this one.
  if (!restoredLayout_ || size() != before) arrangeDocks(trainingLayout_);
}

void MainWindow::showEvent(QShowEvent* event) {
  QMainWindow::showEvent(event);
  if (!std::exchange(arranged_, true) && !restoredLayout_) arrangeDocks(false);
}

void MainWindow::openDefaultExperiment() {
  openExperiment(defaultExperiment());
  files_->setShowingDemo(true);
}

void MainWindow::newExperiment() {
  persist::Experiment empty;
  empty.training = defaultExperiment().training;
  openExperiment(empty);
}

void MainWindow::openDemo(const Demo& demo) {
  if (demo.race)
    openRace(demo);
  else
    openExperiment(demo.experiment);
  explanation_->setText(
      QString("<b>%1.</b> %2").arg(demo.menu.section('/', -1).toHtmlEscaped(), demo.explanation.toHtmlEscaped()));
  explanation_->show();
  if (QDockWidget* d = dock(demo.view)) {
    d->show();
    d->raise();
  }
  if (demo.race) race_->run(*demo.race, deviceRequest_);
  files_->setShowingDemo(true);
}

// A race on a 2-D test function replaces the whole experiment: no network in the editor (it says
// what the demo is instead), no run, curves or banner of the one before.
void MainWindow::openRace(const Demo& demo) {
  if (controller_->state() == train::RunState::Running) controller_->pause();
  const surface::TestFunction* function = surface::findTestFunction(demo.race->function.toStdString());
  const QString title = function ? QString::fromStdString(function->title) : demo.race->function;
  const QString formula = function ? QString::fromStdString(function->formula) : QString();
  editor_->showPlaceholder(
      tr("<p><b>This demo is a 2-D test function, not a network.</b></p><p>%1: f(x, y) = %2</p>"
         "<p>The optimizers race across its surface in the Optimizer race view. Press Play to run the race "
         "again, or click the surface to start from another point.</p>"
         "<p>To edit and train a network, choose File &gt; New or another demo.</p>")
          .arg(title.toHtmlEscaped(), formula.toHtmlEscaped()));
  document_ = persist::Experiment{};
  document_.title = demo.menu.section('/', -1).toStdString();
  showRuns(document_);
  files_->setPath({});
  views_->clearForRace();
  banner_->hide();
  rebuildTimer_->stop();  // the editor's empty graph is no edit to build a run for
  playBlockedReason_.clear();
  setModified(false);
  updateActions(controller_->state());
}

bool MainWindow::showingRace() const { return !editor_->placeholderText().isEmpty(); }

void MainWindow::networkEdited() {
  followLayerTraining();
  if (trainingLayout_ && !showingFile_) arrangeDocks(false);  // editing again: the canvas gets its room back
  setModified(true);
  dropRunProgress(true);  // trained for the network as it was
  followBaseNetwork();
  playBlockedReason_ = editor_->problem();
  updateActions(controller_->state());
  rebuildTimer_->start();
}

// A run whose network is a variant of the first's (BatchNorm inserted, Dropout removed) is the
// same variant of the edited network; one the edited network cannot have keeps its own, and the
// run list says so.
void MainWindow::followBaseNetwork() {
  bool changed = false;
  const QStringList kept = rebuildVariants(editor_->graph(), document_.comparisons, &changed);
  if (changed) showRuns(document_);
  runList_->setNotice(kept);
}

void MainWindow::rebuildRun() {
  editor_->setDeviceProblem(-1, {});  // the new settings are checked again as the run is built
  playBlockedReason_ = editor_->problem();
  if (!playBlockedReason_.isEmpty()) {
    updateActions(train::RunState::Failed);
    return;
  }
  if (!panel_->problem().isEmpty()) return;
  persist::Experiment e = experiment();
  e.trainingHistory.clear();
  e.validationHistory.clear();
  e.weights = document_.weights;  // a rebuilt run starts where the experiment did, not where training got to
  e.progress = document_.progress;
  for (size_t i = 0; i < e.comparisons.size() && i < document_.comparisons.size(); ++i) {
    e.comparisons[i].trainingHistory.clear();
    e.comparisons[i].validationHistory.clear();
    e.comparisons[i].weights = document_.comparisons[i].weights;
    e.comparisons[i].progress = document_.comparisons[i].progress;
  }
  if (e.training.device.empty()) e.training.device = deviceRequest_.toStdString();
  const bool continues = !e.weights.empty() && !e.progress.empty();  // the curves shown are its own
  views_->clearForRebuild(continues);
  controller_->load(e);
}

void MainWindow::resetRun() {
  if (!document_.weights.empty())
    statusBar()->showMessage(
        tr("Reset to the seed's initial weights; the weights opened from the file are no longer used."), 10000);
  dropRunProgress(true);  // a rebuilt run starts from the seed's too
  views_->clearForReset();
  setStatus_.clear();
  banner_->hide();
  controller_->reset();
  views_->charts()->follow(controller_->runId(), controller_->generation());  // nothing from before the reset
}

persist::Experiment MainWindow::experiment(uint64_t momentBytes) const {
  persist::Experiment e = document_;
  e.network = nn::printNetwork(editor_->graph());
  e.layout.clear();
  for (const auto& [name, p] : editor_->positions()) e.layout[name] = {p.x(), p.y()};
  e.training = panel_->settings();
  if (e.title.empty()) e.title = editor_->graph().title;
  views_->resultsInto(e, momentBytes);
  return e;
}

QString MainWindow::bannerText() const { return banner_->isVisible() ? banner_->text() : QString(); }
QString MainWindow::explanationText() const { return explanation_->isVisible() ? explanation_->text() : QString(); }

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  // The user's own layout, not the one Play arranged for training.
  settings.setValue("window/state", trainingLayout_ && !editingLayout_.isEmpty() ? editingLayout_ : saveState());
  if (!files_->close()) {
    event->ignore();
    return;
  }
  QMainWindow::closeEvent(event);
}

QString MainWindow::deviceText() const { return deviceLabel_->text(); }

// Every member's snapshot reaches the views and the run list; the first run's gives the step the
// status bar shows. A run of a set that diverges gets a line of the banner in its colour.
void MainWindow::showSnapshot(const train::Snapshot& s) {
  if (showingRace()) return;  // the last network's run, paused: the race replaced it
  views_->show(s);
  runList_->showState(s.member, s.state, s.nonFinite.has_value());
  setStatus_.note(s);
  if (s.member == 0) {
    lastStep_ = s.step;
    progressText_ = tr("step %1 · epoch %2").arg(s.step).arg(s.epoch, 0, 'f', 2);
    if (s.stepsPerSecond > 0 && !setStatus_.isSet())
      progressText_ += tr(" · %1 steps/s").arg(s.stepsPerSecond, 0, 'f', 0);
    if (!s.records.empty()) progressText_ += tr(" · loss %1").arg(s.records.back().loss, 0, 'f', 4);
  }
  showProgress();
  const train::RunState state = setStatus_.isSet() ? controller_->state() : s.state;
  const char* names[] = {"Preparing", "Ready", "Training", "Paused", "Finished", "Stopped", "Failed"};
  stateLabel_->setText(tr(names[int(state)]));
  if (s.nonFinite && setStatus_.isSet()) {
    banner_->setText(setStatus_.banner());
    banner_->show();
  } else if (s.nonFinite) {
    banner_->setText(tr("<b>The run diverged.</b> %1 Press Reset to start again.")
                         .arg(QString::fromStdString(s.nonFinite->message).toHtmlEscaped()));
    banner_->show();
  } else if (!s.error.empty()) {
    banner_->setText(
        tr("<b>Training failed.</b> %1").arg(QString::fromStdString(util::printableLines(s.error)).toHtmlEscaped()));
    banner_->show();
  }
  updateActions(state);
  if (s.member != 0) return;
  if (s.state == train::RunState::Ready && !announcedReady_) {
    announcedReady_ = true;
    emit demoReady();
  } else if (s.state == train::RunState::Failed && !announcedReady_) {
    announcedReady_ = true;
    emit demoFailed(QString::fromStdString(util::printableLines(s.error)));
  }
}

// While the timeline replays an earlier moment the status bar says so first, then where the run
// is: "replaying step 40 (moment 9 of 31) · live: step 300 · epoch 0.50 · loss 0.3120".
void MainWindow::showProgress() {
  if (!progressLabel_) return;
  const QString live = setStatus_.withRates(progressText_), replay = views_->replayText();
  progressLabel_->setText(replay.isEmpty() ? live : tr("%1 · live: %2").arg(replay, live));
}

void MainWindow::updateActions(train::RunState state) {
  if (showingRace()) {
    play_->setText(tr("Play"));
    play_->setIcon(style()->standardIcon(QStyle::SP_MediaPlay));
    play_->setEnabled(true);
    play_->setToolTip(tr("Run the optimizer race again (Space)"));
    step_->setEnabled(false);
    reset_->setEnabled(false);
    stateLabel_->setText(tr("Optimizer race"));
    return;
  }
  const bool running = state == train::RunState::Running;
  if (running && !trainingLayout_) arrangeDocks(true);
  const bool canTrain =
      playBlockedReason_.isEmpty() && (state == train::RunState::Ready || state == train::RunState::Paused);
  play_->setText(running ? tr("Pause") : tr("Play"));
  play_->setIcon(style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  play_->setEnabled(running || canTrain);
  play_->setToolTip(playBlockedReason_.isEmpty() ? tr("Train (Space); press again to pause")
                                                 : tr("Cannot train: %1").arg(playBlockedReason_));
  step_->setEnabled(canTrain);
  reset_->setEnabled(playBlockedReason_.isEmpty() && state != train::RunState::Preparing &&
                     state != train::RunState::Failed);
  if (!playBlockedReason_.isEmpty()) stateLabel_->setText(tr("Cannot train: %1").arg(playBlockedReason_));
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About GradLab"),
                     tr("<h3>GradLab %1</h3><p>A visual lab for training neural networks with Vulkan compute "
                        "shaders.</p>")
                         .arg(QApplication::applicationVersion()));
}

}  // namespace gradlab::ui

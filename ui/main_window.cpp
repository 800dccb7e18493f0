#include "main_window.h"

#include "analysis/analysis_source.h"
#include "analysis/gradient_check_dialog.h"
#include "analysis/landscape_view.h"
#include "analysis/receptive_field_view.h"
#include "dataset_preview.h"
#include "device_probe.h"
#include "editor/layer_inspector.h"
#include "gpu/context.h"
#include "editor/layer_palette.h"
#include "editor/network_text_view.h"
#include "editor/network_editor.h"
#include "nn/network_text.h"
#include "persist/autosave.h"
#include "persist/experiment_file.h"
#include "persist/file_error.h"
#include "surface/test_function.h"
#include "surface_race_runner.h"
#include "training_charts.h"
#include "training_panel.h"
#include "util/printable.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/layer_histograms_view.h"
#include "views/surface_race_panel.h"
#include "views/surface_view.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QDateTime>
#include <QDir>
#include <QDockWidget>
#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSaveFile>
#include <QScrollArea>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QUndoStack>
#include <QVBoxLayout>

namespace gradlab::ui {
namespace {

QString fileFilter() { return QObject::tr("GradLab experiments (*%1)").arg(persist::kExtension); }

// A coloured strip above the canvas: errors (a run that went NaN) and a demo's explanation.
QLabel* strip(QWidget* parent, const QString& style) {
  auto* label = new QLabel(parent);
  label->setWordWrap(true);
  label->setTextFormat(Qt::RichText);
  label->setStyleSheet(style);
  label->hide();
  return label;
}

}  // namespace

MainWindow::MainWindow(const QString& deviceRequest, const QString& autosaveFolder, QWidget* parent)
    : QMainWindow(parent), deviceRequest_(deviceRequest) {
  setWindowTitle("GradLab");
  setMinimumSize(900, 600);
  resize(1440, 900);
  setDockOptions(QMainWindow::AnimatedDocks | QMainWindow::AllowTabbedDocks | QMainWindow::AllowNestedDocks);
  controller_ = new TrainingController(this);
  createActions();
  createDocks();
  createMenus();

  stateLabel_ = new QLabel(this);
  progressLabel_ = new QLabel(this);
  deviceLabel_ = new QLabel(tr("Looking for a Vulkan device…"), this);
  deviceLabel_->setContentsMargins(8, 0, 12, 0);  // clear of the size grip
  statusBar()->addWidget(stateLabel_);
  statusBar()->addWidget(progressLabel_, 1);
  statusBar()->addPermanentWidget(deviceLabel_);

  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());
  restoreState(settings.value("window/state").toByteArray());

  probe_ = new DeviceProbe(this);
  connect(probe_, &DeviceProbe::found, this, [this](const QString& name, const QString& details) {
    deviceLabel_->setText(tr("Device: %1").arg(name));
    deviceLabel_->setToolTip(details);
    openViewDevice();
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
    boundary_->setData(train);
    trainData_ = train;
    runWeights_.reset();
    initialParameters_.reset();
    currentParameters_.reset();
    trajectory_.clear();
    if (train->sampleShape.isImage()) filters_->setImageShape(train->sampleShape);
  });
  connect(controller_, &TrainingController::ready, this, [this](const QString& description) {
    progressLabel_->setText(description);
    charts_->follow(controller_->runId(), controller_->generation());
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
    showSnapshot(*s);
    keepWeights(s);
  });

  // Autosave: the experiment every 30 s and on quit; what a crashed session left is offered at start.
  try {
    const QString folder = autosaveFolder.isEmpty()
                               ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave"
                               : autosaveFolder;
    autosave_ = std::make_unique<persist::AutosaveSlot>(folder.toStdString());
  } catch (const std::exception& e) {
    statusBar()->showMessage(tr("Autosave is off: %1").arg(QString::fromUtf8(e.what())), 10000);
  }
  autosaveTimer_ = new QTimer(this);
  autosaveTimer_->setInterval(int(std::chrono::milliseconds(persist::kAutosaveInterval).count()));
  connect(autosaveTimer_, &QTimer::timeout, this, &MainWindow::autosaveNow);
  autosaveTimer_->start();

  rebuildTimer_ = new QTimer(this);
  rebuildTimer_->setSingleShot(true);
  rebuildTimer_->setInterval(400);  // edits in quick succession rebuild the run once
  connect(rebuildTimer_, &QTimer::timeout, this, &MainWindow::rebuildRun);
  updateActions(train::RunState::Preparing);
}

MainWindow::~MainWindow() {
  autosaveWrite_.waitForFinished();  // it writes through autosave_
  delete docks_["filters"];  // its spectrum job uses viewDevice_: finish it before the device goes
}

// The views' own device (filter spectra), opened off the UI thread; training has its own.
void MainWindow::openViewDevice() {
  auto* watcher = new QFutureWatcher<std::shared_ptr<gpu::Context>>(this);
  connect(watcher, &QFutureWatcher<std::shared_ptr<gpu::Context>>::finished, this, [this, watcher] {
    viewDevice_ = watcher->result();
    watcher->deleteLater();
    if (viewDevice_) filters_->setSpectrumDevice(viewDevice_.get());
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

void MainWindow::createActions() {
  play_ = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"), this);
  play_->setShortcut(Qt::Key_Space);
  play_->setToolTip(tr("Train (Space); press again to pause"));
  connect(play_, &QAction::triggered, this, [this] {
    if (showingRace()) racePanel_->play();  // the race as its controls now read, as the panel's Play
    else if (controller_->state() == train::RunState::Running) controller_->pause();
    else controller_->play();
  });
  step_ = new QAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Step"), this);
  step_->setShortcut(Qt::Key_F10);
  step_->setToolTip(tr("Train one step (F10)"));
  connect(step_, &QAction::triggered, controller_, &TrainingController::step);
  reset_ = new QAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Reset"), this);
  reset_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  reset_->setToolTip(tr("Back to the seed's initial weights (Ctrl+R)"));
  connect(reset_, &QAction::triggered, this, [this] {
    if (!document_.weights.empty())
      statusBar()->showMessage(tr("Reset to the seed's initial weights; the weights opened from the file are no longer used."), 10000);
    document_.weights.clear();  // a rebuilt run starts from the seed's too
    document_.progress = {};
    runWeights_.reset();
    runProgress_.reset();
    initialParameters_.reset();
    trajectory_.clear();
    charts_->clear();
    showingSavedCurves_ = false;
    histograms_->clear();
    depth_->setReport(nullptr);
    boundary_->clear();
    banner_->hide();
    controller_->reset();
    charts_->follow(controller_->runId(), controller_->generation());  // nothing from before the reset
  });
  for (QAction* a : {play_, step_, reset_}) a->setShortcutContext(Qt::WindowShortcut);
  QToolBar* bar = addToolBar(tr("Training"));
  bar->setObjectName("training");
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->addActions({play_, step_, reset_});
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New"), QKeySequence::New, this, [this] {
    if (maybeSave()) newExperiment();
  });
  file->addAction(tr("&Open…"), QKeySequence::Open, this, &MainWindow::open);
  save_ = file->addAction(tr("&Save"), QKeySequence::Save, this, &MainWindow::save);
  file->addAction(tr("Save &As…"), QKeySequence::SaveAs, this, &MainWindow::saveAs);
  file->addSeparator();
  file->addAction(tr("&Export Metrics as CSV…"), this, &MainWindow::exportMetrics);
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addActions(editor_->editActions());

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addActions({play_, step_, reset_});
  run->addSeparator();
  QAction* check = run->addAction(tr("Check &Gradients…"), this, &MainWindow::checkGradients);
  check->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
  check->setToolTip(tr("Compare the backward pass with finite differences, layer by layer"));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  for (QDockWidget* d : findChildren<QDockWidget*>()) view->addAction(d->toggleViewAction());

  QMenu* demoMenu = menuBar()->addMenu(tr("&Demos"));
  std::map<QString, QMenu*> groups;
  for (const Demo& demo : demos()) {
    QMenu* parent = demoMenu;
    QString title = demo.menu;
    if (demo.menu.contains('/')) {
      const QString group = demo.menu.section('/', 0, 0);
      if (!groups.count(group)) groups[group] = demoMenu->addMenu(group);
      parent = groups[group];
      title = demo.menu.section('/', 1);
    }
    QAction* a = parent->addAction(title, this, [this, &demo] {
      if (maybeSave()) openDemo(demo);
    });
    a->setToolTip(demo.explanation);
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About GradLab"), this, &MainWindow::showAbout);
}

QDockWidget* MainWindow::addView(const QString& key, const QString& title, QWidget* view, Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName("dock-" + key);  // saveState() remembers docks by object name
  dock->setWidget(view);
  addDockWidget(area, dock);
  docks_[key] = dock;
  return dock;
}

QDockWidget* MainWindow::dock(const QString& view) const {
  const auto it = docks_.find(view);
  return it == docks_.end() ? nullptr : it->second;
}

void MainWindow::createDocks() {
  auto* centre = new QWidget(this);
  auto* layout = new QVBoxLayout(centre);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(4);
  banner_ = strip(centre, "QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c2c0;"
                          " border-radius: 4px; padding: 8px; }");
  explanation_ = strip(centre, "QLabel { background: #e8f1fb; color: #0d3c61; border: 1px solid #b6d4f2;"
                               " border-radius: 4px; padding: 8px; }");
  editor_ = new NetworkEditor(centre);
  layout->addWidget(banner_);
  layout->addWidget(explanation_);
  layout->addWidget(editor_, 1);
  setCentralWidget(centre);
  connect(editor_, &NetworkEditor::graphChanged, this, &MainWindow::networkEdited);
  connect(editor_, &NetworkEditor::statusMessage, this, [this](const QString& text) { statusBar()->showMessage(text, 6000); });

  palette_ = new LayerPalette(this);
  connect(palette_, &LayerPalette::layerActivated, this, [this](const QString& type) {
    editor_->addLayer(type, editor_->view()->mapToScene(editor_->view()->viewport()->rect().center()));
  });
  addView("palette", tr("Layers"), palette_, Qt::LeftDockWidgetArea);

  inspector_ = new LayerInspector(editor_, this);
  addView("inspector", tr("Inspector"), inspector_, Qt::RightDockWidgetArea);

  addView("text", tr("Text"), new NetworkTextView(editor_, this), Qt::RightDockWidgetArea);

  panel_ = new TrainingPanel(this);
  panel_->setRunActions(play_, step_, reset_);
  connect(panel_, &TrainingPanel::settingsChanged, this, [this] {
    setModified(true);
    document_.progress = {};  // a run continues only under the settings it was trained with
    rebuildTimer_->start();
  });
  connect(panel_, &TrainingPanel::learningRateChanged, this, [this](double rate) {
    setModified(true);
    if (controller_->loaded()) controller_->setLearningRate(rate);  // on the fly, even while training
    else rebuildTimer_->start();
  });
  auto* panelScroll = new QScrollArea(this);  // the settings are taller than a small screen
  panelScroll->setWidget(panel_);
  panelScroll->setWidgetResizable(true);
  panelScroll->setFrameShape(QFrame::NoFrame);
  addView("training", tr("Training"), panelScroll, Qt::RightDockWidgetArea);

  charts_ = new TrainingCharts(this);
  histograms_ = new LayerHistogramsView(this);
  depth_ = new DepthStatsView(this);
  filters_ = new FilterGridView(this);
  boundary_ = new DecisionBoundaryView(this);
  racePanel_ = new SurfaceRacePanel(deviceRequest_, this);
  surface_ = racePanel_->view();
  race_ = racePanel_->runner();
  connect(race_, &SurfaceRaceRunner::finished, this, [this](const QString& summary) {
    statusBar()->showMessage(summary, 15000);
    emit raceFinished(summary);
  });
  connect(race_, &SurfaceRaceRunner::failed, this, [this](const QString& message) {
    banner_->setText(tr("<b>The optimizer race could not run.</b> %1").arg(message.toHtmlEscaped()));
    banner_->show();
  });
  QDockWidget* first = addView("loss", tr("Loss and accuracy"), charts_, Qt::BottomDockWidgetArea);
  for (const auto& [key, title, view] :
       {std::tuple<QString, QString, QWidget*>{"histograms", tr("Activations"), histograms_},
        {"depth", tr("By depth"), depth_},
        {"filters", tr("Filters"), filters_},
        {"boundary", tr("Decision boundary"), boundary_},
        {"surface", tr("Optimizer race"), racePanel_},
        {"landscape", tr("Loss landscape"), landscape_ = new LandscapeView(this)},
        {"receptive", tr("Receptive field"), receptive_ = new ReceptiveFieldView(this)}})
    tabifyDockWidget(first, addView(key, title, view, Qt::BottomDockWidgetArea));
  first->raise();
  for (const char* key : {"landscape", "receptive"})  // shown: give them the run's parameters as they are
    connect(docks_[key], &QDockWidget::visibilityChanged, this, [this](bool visible) {
      if (visible) updateAnalysisSource();
    });
  tabifyDockWidget(docks_["inspector"], docks_["text"]);
  tabifyDockWidget(docks_["inspector"], docks_["training"]);
  docks_["training"]->raise();  // first the settings and Play; selecting a layer brings its inspector
  connect(editor_, &NetworkEditor::selectedNodeChanged, this, [this](const QString& name) {
    if (!name.isEmpty()) docks_["inspector"]->raise();
  });
  resizeDocks({docks_["palette"], docks_["training"]}, {210, 340}, Qt::Horizontal);
  resizeDocks({first}, {330}, Qt::Vertical);
}

void MainWindow::openExperiment(const persist::Experiment& experiment, const QString& path) {
  showingDemo_ = false;
  const auto parsed = nn::parseNetwork(experiment.network);
  Positions positions;
  for (const auto& [name, p] : experiment.layout) positions[name] = QPointF(p.x, p.y);
  editor_->setGraph(parsed.graph, positions);
  panel_->setSettings(experiment.training);
  document_ = experiment;  // after the graph: showing it counts as an edit, which drops weights
  runWeights_.reset();
  charts_->clear();
  charts_->setHistory(experiment.trainingHistory, experiment.validationHistory);
  // A file with run state continues its curves; one without starts a new run, which replaces them.
  showingSavedCurves_ = !experiment.trainingHistory.empty() && (experiment.weights.empty() || experiment.progress.empty());
  histograms_->clear();
  boundary_->clear();
  banner_->hide();
  explanation_->hide();
  path_ = path;
  setModified(false);
  if (!parsed.ok()) {
    banner_->setText(tr("<b>The network text has errors.</b> %1").arg(QString::fromStdString(parsed.errors.front().text()).toHtmlEscaped()));
    banner_->show();
  }
  rebuildRun();
  rebuildTimer_->stop();  // showing the graph counted as an edit; the run is already being built
  setModified(false);
}

void MainWindow::fitTo(const QSize& available) { resize(size().boundedTo(available).expandedTo(minimumSize())); }

void MainWindow::newExperiment() {
  openExperiment(defaultExperiment());
  showingDemo_ = true;
}

void MainWindow::openDemo(const Demo& demo) {
  if (demo.race) openRace(demo);
  else openExperiment(demo.experiment);
  explanation_->setText(QString("<b>%1.</b> %2").arg(demo.menu.section('/', -1).toHtmlEscaped(), demo.explanation.toHtmlEscaped()));
  explanation_->show();
  if (QDockWidget* d = dock(demo.view)) {
    d->show();
    d->raise();
  }
  if (demo.race) race_->run(*demo.race, deviceRequest_);
  showingDemo_ = true;
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
  path_.clear();
  runWeights_.reset();
  initialParameters_.reset();
  currentParameters_.reset();
  trajectory_.clear();
  charts_->clear();
  showingSavedCurves_ = false;
  histograms_->clear();
  boundary_->clear();
  banner_->hide();
  rebuildTimer_->stop();  // the editor's empty graph is no edit to build a run for
  playBlockedReason_.clear();
  setModified(false);
  updateActions(controller_->state());
}

bool MainWindow::showingRace() const { return !editor_->placeholderText().isEmpty(); }

void MainWindow::networkEdited() {
  setModified(true);
  document_.weights.clear();  // trained for the network as it was
  document_.progress = {};
  runWeights_.reset();
  playBlockedReason_ = editor_->problem();
  updateActions(controller_->state());
  rebuildTimer_->start();
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
  if (e.training.device.empty()) e.training.device = deviceRequest_.toStdString();
  const bool continues = !e.weights.empty() && !e.progress.empty();  // the curves shown are its own
  if (!showingSavedCurves_ && !continues) charts_->clear();
  histograms_->clear();
  depth_->setReport(nullptr);
  boundary_->clear();
  controller_->load(e);
}

persist::Experiment MainWindow::experiment() const {
  persist::Experiment e = document_;
  e.network = nn::printNetwork(editor_->graph());
  e.layout.clear();
  for (const auto& [name, p] : editor_->positions()) e.layout[name] = {p.x(), p.y()};
  e.training = panel_->settings();
  if (e.title.empty()) e.title = editor_->graph().title;
  e.trainingHistory = charts_->trainingHistory();
  e.validationHistory = charts_->validationHistory();
  if (runWeights_) {
    e.weights.clear();
    for (const train::WeightSnapshot& w : *runWeights_) e.weights[w.name] = {w.shape.dims, w.values};
    e.progress = runProgress_ && runProgress_->step > 0 ? savedProgress(*runProgress_) : persist::RunProgress{};
  }
  return e;
}

bool MainWindow::openFile(const QString& path, QString* error) {
  try {
    const persist::Experiment opened = persist::loadExperiment(path.toStdString());
    openExperiment(opened, path);
    statusBar()->showMessage(tr("Opened %1: %2.").arg(QString::fromStdString(util::printable(QFileInfo(path).fileName().toStdString())),
                                                      QString::fromStdString(util::printable(persist::contentsOf(opened)))),
                             15000);
    return true;
  } catch (const std::exception& e) {  // FileError: the message says what is wrong and what to do
    *error = QString::fromStdString(util::printableLines(e.what()));  // it may quote the file: no control bytes
    return false;
  }
}

bool MainWindow::saveFile(const QString& path, QString* error) {
  try {
    persist::saveExperiment(experiment(), path.toStdString());
    path_ = path;
    showingDemo_ = false;  // the user's own experiment now
    setModified(false);
    return true;
  } catch (const std::exception& e) {
    *error = QString::fromStdString(util::printableLines(e.what()));
    return false;
  }
}

void MainWindow::open() {
  if (!maybeSave()) return;
  const QString path = QFileDialog::getOpenFileName(this, tr("Open experiment"), QSettings().value("files/last").toString(), fileFilter());
  if (!path.isEmpty()) openChosenFile(path);
}

void MainWindow::openChosenFile(const QString& path) {
  QString error;
  if (!openFile(path, &error))
    QMessageBox::warning(this, tr("Cannot open %1").arg(QString::fromStdString(util::printable(QFileInfo(path).fileName().toStdString()))), error);
  else QSettings().setValue("files/last", path);
}

bool MainWindow::save() {
  if (path_.isEmpty()) return saveAs();
  QString error;
  if (saveFile(path_, &error)) return true;
  QMessageBox::warning(this, tr("Cannot save"), error);
  return false;
}

bool MainWindow::saveAs() {
  QString path = QFileDialog::getSaveFileName(this, tr("Save experiment"), path_.isEmpty() ? QSettings().value("files/last").toString() : path_,
                                              fileFilter());
  if (path.isEmpty()) return false;
  if (!path.endsWith(persist::kExtension)) path += persist::kExtension;
  QString error;
  if (!saveFile(path, &error)) {
    QMessageBox::warning(this, tr("Cannot save"), error);
    return false;
  }
  QSettings().setValue("files/last", path);
  return true;
}

void MainWindow::exportMetrics() {
  const QString path = QFileDialog::getSaveFileName(this, tr("Export metrics"), QString(), tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (!exportMetricsTo(path, &error)) QMessageBox::warning(this, tr("Cannot export"), error);
}

// The curves the charts show, which hold the current run's generation only.
bool MainWindow::exportMetricsTo(const QString& path, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    *error = file.errorString();
    return false;
  }
  QByteArray csv = "step,split,loss,accuracy\n";
  const persist::Experiment e = experiment();
  for (const auto& [split, points] : {std::pair{"train", &e.trainingHistory}, std::pair{"validation", &e.validationHistory}})
    for (const auto& p : *points)
      csv += QByteArray::number(qulonglong(p.step)) + "," + split + "," + QByteArray::number(p.loss, 'g', 9) + "," +
             QByteArray::number(p.accuracy, 'g', 9) + "\n";
  file.write(csv);
  if (file.commit()) return true;
  *error = file.errorString();
  return false;
}

bool MainWindow::maybeSave() {
  if (!modified_) return true;
  const QString name = path_.isEmpty() ? tr("Untitled") : QFileInfo(path_).fileName();
  const auto answer = QMessageBox::warning(this, tr("Unsaved changes"), tr("Save changes to %1?").arg(name),
                                           QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

// Copying the experiment is cheap; encoding it (base64 weights) and writing it to disk are not,
// so they run on a worker thread. A write still running when the next one is due wins: skip.
void MainWindow::autosaveNow() {
  if (!autosave_ || !autosaveWrite_.isFinished()) return;
  autosaveWrite_ = QtConcurrent::run([slot = autosave_.get(), e = experiment()] {
    try {
      slot->save(e);
      return QString();
    } catch (const std::exception& error) {
      return QString::fromUtf8(error.what());
    }
  });
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
    const QString error = watcher->result();
    watcher->deleteLater();
    if (!error.isEmpty()) statusBar()->showMessage(tr("Autosave failed: %1").arg(error), 10000);
  });
  watcher->setFuture(autosaveWrite_);
}

void MainWindow::offerRecovery() {
  if (!autosave_) return;
  const auto found = autosave_->recoverable();
  autosave_->begin();
  if (found.empty()) return;
  const persist::Recoverable& newest = found.front();
  const auto answer = QMessageBox::question(
      this, tr("Restore your work?"),
      tr("GradLab did not close properly last time. Restore the experiment it autosaved then?"),
      QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
  if (answer == QMessageBox::Yes) {
    QString error;
    const QString file = QString::fromStdString(newest.file.string());
    if (!openFile(file, &error)) {
      // Kept, to be offered again or rescued by hand: a failed restore must not lose the work.
      QMessageBox::warning(this, tr("Cannot restore"), tr("%1 The autosaved file is kept: %2").arg(error, file));
      return;
    }
    setModified(true);
  }
  for (const auto& r : found) autosave_->discard(r);
}

void MainWindow::setModified(bool modified) {
  modified_ = modified;
  updateTitle();
}

void MainWindow::updateTitle() {
  // A file name may hold control characters: shown escaped, never passed to the window manager raw.
  const QString name = path_.isEmpty() ? tr("Untitled")
                                       : QString::fromStdString(util::printable(QFileInfo(path_).completeBaseName().toStdString(), 120));
  setWindowTitle(QString("%1%2 — GradLab").arg(name, modified_ ? "*" : ""));
}

QString MainWindow::bannerText() const { return banner_->isVisible() ? banner_->text() : QString(); }
QString MainWindow::explanationText() const { return explanation_->isVisible() ? explanation_->text() : QString(); }

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings settings;
  settings.setValue("window/geometry", saveGeometry());
  settings.setValue("window/state", saveState());
  if (autosave_) {  // the last state is kept while the user decides below, here, not on a worker
    autosaveWrite_.waitForFinished();
    try {
      autosave_->save(experiment());
    } catch (const std::exception&) {  // nothing to tell: the window is closing
    }
  }
  if (!maybeSave()) {
    event->ignore();
    return;
  }
  if (autosave_) autosave_->finish();
  QMainWindow::closeEvent(event);
}

QString MainWindow::deviceText() const { return deviceLabel_->text(); }

void MainWindow::showSnapshot(const train::Snapshot& s) {
  if (showingRace()) return;  // the last network's run, paused: the race replaced it
  if (showingSavedCurves_ && !s.records.empty()) {  // a saved experiment's curves give way to new training
    charts_->clear();
    showingSavedCurves_ = false;
  }
  charts_->add(s);
  if (s.probes) {  // the views keep the report and redraw from their own timers or workers
    rememberParameters(s.probes);
    histograms_->setReport(s.probes);
    depth_->setReport(s.probes);
    filters_->showWeights(s.probes, controller_->filterTensor());
  }
  if (s.boundary) boundary_->setBoundary(s.boundary);
  lastStep_ = s.step;
  QString progress = tr("step %1 · epoch %2").arg(s.step).arg(s.epoch, 0, 'f', 2);
  if (s.stepsPerSecond > 0) progress += tr(" · %1 steps/s").arg(s.stepsPerSecond, 0, 'f', 0);
  if (!s.records.empty()) progress += tr(" · loss %1").arg(s.records.back().loss, 0, 'f', 4);
  progressLabel_->setText(progress);
  const char* names[] = {"Preparing", "Ready", "Training", "Paused", "Finished", "Stopped", "Failed"};
  stateLabel_->setText(tr(names[int(s.state)]));
  if (s.nonFinite) {
    banner_->setText(tr("<b>The run diverged.</b> %1 Press Reset to start again.")
                         .arg(QString::fromStdString(s.nonFinite->message).toHtmlEscaped()));
    banner_->show();
  } else if (!s.error.empty()) {
    banner_->setText(tr("<b>Training failed.</b> %1").arg(QString::fromStdString(util::printableLines(s.error)).toHtmlEscaped()));
    banner_->show();
  }
  updateActions(s.state);
  if (s.state != train::RunState::Running && s.probes) updateAnalysisSource();
  if (s.state == train::RunState::Ready && !announcedReady_) {
    announcedReady_ = true;
    emit demoReady();
  } else if (s.state == train::RunState::Failed && !announcedReady_) {
    announcedReady_ = true;
    emit demoFailed(QString::fromStdString(util::printableLines(s.error)));
  }
}

// The run's weights as they stand, for saving; and for the views when training stopped between
// probes or has not started (weights opened from a file): the last probe showed older values.
void MainWindow::keepWeights(const std::shared_ptr<const train::Snapshot>& s) {
  if (!s->records.empty() && !modified_ && !showingDemo_) setModified(true);  // trained weights and curves are unsaved work
  if (s->probes && !s->probes->weights.empty()) runWeights_ = {s->probes, &s->probes->weights};
  // The run state fits only weights of its own step, with curves that end there too.
  if (!s->records.empty() || (s->probes && !s->probes->weights.empty())) runProgress_.reset();
  if (!s->parameters) return;
  runWeights_ = s->parameters;
  runProgress_ = s->progress;
  if (s->probes) return;  // the probe of the last step carried these same values to the views
  train::ProbeReport values;
  values.step = s->step;
  values.weights = *s->parameters;
  rememberParameters(values);
  for (const auto& w : *s->parameters)
    if (w.name == controller_->filterTensor()) filters_->setWeights(w);
  updateAnalysisSource();
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
  const bool canTrain = playBlockedReason_.isEmpty() && (state == train::RunState::Ready || state == train::RunState::Paused);
  play_->setText(running ? tr("Pause") : tr("Play"));
  play_->setIcon(style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  play_->setEnabled(running || canTrain);
  play_->setToolTip(playBlockedReason_.isEmpty() ? tr("Train (Space); press again to pause")
                                                 : tr("Cannot train: %1").arg(playBlockedReason_));
  step_->setEnabled(canTrain);
  reset_->setEnabled(playBlockedReason_.isEmpty() && state != train::RunState::Preparing && state != train::RunState::Failed);
  if (!playBlockedReason_.isEmpty()) stateLabel_->setText(tr("Cannot train: %1").arg(playBlockedReason_));
}

// Keeps the parameters every probe carries: the first (initial weights), the latest, and a
// trajectory thinned to at most 64 snapshots (every other one dropped when full).
void MainWindow::rememberParameters(std::shared_ptr<const train::ProbeReport> report) {
  if (report->weights.empty()) return;
  if (!initialParameters_ || report->step == 0) {
    initialParameters_ = report;
    trajectory_.clear();
  }
  if (trajectory_.size() >= 64) {
    std::vector<std::shared_ptr<const train::ProbeReport>> thinned;
    for (size_t i = 0; i < trajectory_.size(); i += 2) thinned.push_back(std::move(trajectory_[i]));
    trajectory_ = std::move(thinned);
  }
  trajectory_.push_back(report);
  currentParameters_ = std::move(report);
}

void MainWindow::rememberParameters(const train::ProbeReport& report) {
  rememberParameters(std::make_shared<const train::ProbeReport>(report));
}

// Hands the analysis views what they analyse; done when they are shown or training pauses, not
// on every probe (the parameters are copied out of the reports here, and the trajectory is
// megabytes).
void MainWindow::updateAnalysisSource() {
  if (!trainData_) return;
  const bool landscape = docks_["landscape"]->isVisible(), receptive = docks_["receptive"]->isVisible();
  const bool checking = gradientCheck_ && gradientCheck_->isVisible();
  if (!landscape && !receptive && !checking) return;
  auto source = std::make_shared<AnalysisSource>();
  source->graph = editor_->graph();
  source->train = trainData_;
  source->normalization = data::parseNormalization(panel_->settings().normalization);
  if (currentParameters_) {
    source->current = parametersOf(*currentParameters_);
    source->step = currentParameters_->step;
  }
  if (initialParameters_) source->initial = parametersOf(*initialParameters_);
  if (landscape)
    for (const auto& report : trajectory_) source->trajectory.push_back(parametersOf(*report));
  source->seed = panel_->settings().seed;
  source->batch = panel_->settings().batch;
  source->device = deviceRequest_.toStdString();
  if (landscape) landscape_->setSource(source);
  if (receptive) receptive_->setSource(source);
  if (checking) gradientCheck_->setSource(source);
}

void MainWindow::checkGradients() {
  if (!gradientCheck_) gradientCheck_ = new GradientCheckDialog(this);
  if (controller_->state() == train::RunState::Running) controller_->pause();
  gradientCheck_->show();
  gradientCheck_->raise();
  updateAnalysisSource();
  gradientCheck_->start();
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About GradLab"),
                     tr("<h3>GradLab %1</h3><p>A visual lab for training neural networks with Vulkan compute "
                        "shaders.</p>")
                         .arg(QApplication::applicationVersion()));
}

}  // namespace gradlab::ui

// MainWindow's parts that build it: the Play/Step/Reset actions, the menus, and the docks that
// hold the palette, inspector, settings and views.
#include "main_window.h"

#include "analysis/landscape_view.h"
#include "analysis/receptive_field_view.h"
#include "compare_dialog.h"
#include "editor/layer_inspector.h"
#include "editor/layer_palette.h"
#include "editor/network_editor.h"
#include "editor/network_text_view.h"
#include "export/export_dialog.h"
#include "help/context_help.h"
#include "model_export.h"
#include "persist/run_variant.h"
#include "run_list_dock.h"
#include "surface_race_runner.h"
#include "timeline/timeline_bar.h"
#include "training_charts.h"
#include "training_panel.h"
#include "util/printable.h"
#include "views/decision_boundary_view.h"
#include "views/depth_stats_view.h"
#include "views/filter_grid_view.h"
#include "views/internals_view.h"
#include "views/layer_histograms_view.h"
#include "views/point_drawing.h"
#include "views/sharpness_view.h"
#include "views/surface_race_panel.h"
#include "views/update_ratio_view.h"
#include "window/keyboard_shortcuts.h"
#include "window/presentation.h"
#include "window/theme.h"

#include <QAction>
#include <QDockWidget>
#include <QHBoxLayout>
#include <QLabel>
#include <QMenuBar>
#include <QScrollArea>
#include <QStatusBar>
#include <QStyle>
#include <QTimer>
#include <QToolBar>
#include <QVBoxLayout>

#include <algorithm>

namespace gradlab::ui {
namespace {

// A coloured strip above the canvas: errors (a run that went NaN) and a demo's explanation.
QLabel* strip(QWidget* parent, const QString& style) {
  auto* label = new QLabel(parent);
  label->setWordWrap(true);
  label->setTextFormat(Qt::RichText);
  label->setStyleSheet(style);
  label->hide();
  return label;
}

// The docks that hold views of the run, in their tab order.
constexpr const char* kViewKeys[] = {
    "loss",    "histograms", "depth",     "internals", "filters", "boundary",
    "surface", "landscape",  "receptive", "sharpness", "updates",
};

// A view in a scroll area: the tallest view's minimum height would otherwise be the whole tab
// group's, and squeeze the canvas to a strip on a 720 px screen; squeezed, a view scrolls.
QWidget* scrolling(QWidget* view) {
  auto* area = new QScrollArea;
  area->setWidget(view);
  area->setWidgetResizable(true);
  area->setFrameShape(QFrame::NoFrame);
  return area;
}

}  // namespace

void MainWindow::createActions() {
  play_ = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"), this);
  play_->setShortcut(Qt::Key_Space);
  play_->setToolTip(tr("Train (Space); press again to pause"));
  connect(play_, &QAction::triggered, this, [this] {
    if (showingRace())
      racePanel_->play();  // the race as its controls now read, as the panel's Play
    else if (controller_->state() == train::RunState::Running)
      controller_->pause();
    else {
      views_->showLive();  // the run goes on from where it is, not from a moment the timeline shows
      controller_->play();
    }
  });
  step_ = new QAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Step"), this);
  step_->setShortcut(Qt::Key_F10);
  step_->setToolTip(tr("Train one step (F10)"));
  connect(step_, &QAction::triggered, this, [this] {
    views_->showLive();
    controller_->step();
  });
  reset_ = new QAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Reset"), this);
  reset_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  reset_->setToolTip(tr("Back to the seed's initial weights (Ctrl+R)"));
  connect(reset_, &QAction::triggered, this, &MainWindow::resetRun);
  for (QAction* a : {play_, step_, reset_}) a->setShortcutContext(Qt::WindowShortcut);
  QToolBar* bar = addToolBar(tr("Training"));
  bar->setObjectName("training");
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  bar->addActions({play_, step_, reset_});
}

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  file->addAction(tr("&New"), QKeySequence::New, this, [this] {
    if (files_->maybeSave()) newExperiment();
  });
  file->addAction(tr("&Open…"), QKeySequence::Open, files_, &DocumentFiles::open);
  save_ = file->addAction(tr("&Save"), QKeySequence::Save, files_, &DocumentFiles::save);
  file->addAction(tr("Save &As…"), QKeySequence::SaveAs, files_, &DocumentFiles::saveAs);
  file->addAction(tr("&Initialise from Experiment…"), this, &MainWindow::chooseInitialisation)
      ->setToolTip(tr("Fine-tuning: start the layers whose names and shapes match a saved run from its weights"));
  file->addSeparator();
  file->addAction(tr("&Export Metrics as CSV…"), files_, &DocumentFiles::exportMetrics);
  file->addAction(tr("Export &Model…"), this, [this] { exportModel(this, experiment()); });
  QAction* exportView = file->addAction(tr("Export &View…"), this, [this] { ExportDialog::open(this, nullptr); });
  exportView->setShortcut(QKeySequence(Qt::CTRL | Qt::SHIFT | Qt::Key_E));
  exportView->setToolTip(
      tr("Any view as PNG, SVG, CSV or an animation of the steps to come (also: right-click a view)"));
  file->addSeparator();
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);

  QMenu* edit = menuBar()->addMenu(tr("&Edit"));
  edit->addActions(editor_->editActions());

  QMenu* run = menuBar()->addMenu(tr("&Run"));
  run->addActions({play_, step_, reset_});
  run->addSeparator();
  QAction* check = run->addAction(tr("Check &Gradients…"), views_, &RunViews::checkGradients);
  check->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_G));
  check->setToolTip(tr("Compare the backward pass with finite differences, layer by layer"));

  QMenu* view = menuBar()->addMenu(tr("&View"));
  present_ = view->addAction(tr("&Presentation Mode"), this, [this](bool on) { setPresenting(on); });
  present_->setCheckable(true);
  present_->setShortcut(Qt::Key_F11);
  present_->setToolTip(tr("The view in front, full screen and large; Esc leaves (F11)"));
  addThemeMenu(view);
  view->addSeparator();
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
      if (files_->maybeSave()) openDemo(demo);
    });
    a->setToolTip(demo.explanation);
  }

  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help::addHelpActions(help, this);
  QAction* keys = help->addAction(tr("&Keyboard Shortcuts"), this, [this] { showKeyboardShortcuts(this); });
  keys->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Slash));
  help->addAction(tr("&About GradLab"), this, &MainWindow::showAbout);
}

QDockWidget* MainWindow::addView(const QString& key, const QString& title, QWidget* view, Qt::DockWidgetArea area) {
  auto* dock = new QDockWidget(title, this);
  dock->setObjectName("dock-" + key);  // saveState() remembers docks by object name
  dock->setWidget(view);
  addDockWidget(area, dock);
  docks_[key] = dock;
  help::attachHelp(dock, help::viewTopic(key));  // its "?" and What's This lead to its page
  return dock;
}

QDockWidget* MainWindow::frontView() const {
  for (const char* key : kViewKeys)
    if (QDockWidget* d = dock(key); d && d->isVisible() && d->widget() && d->widget()->isVisible()) return d;
  return dock("loss");
}

void MainWindow::setPresenting(bool on) {
  if (on == (presentation_ != nullptr)) return;
  if (!on) {
    presentation_->close();  // its finished() below tidies up
    return;
  }
  presentation_ = new Presentation(frontView(), {play_, step_, reset_}, this, presentationExtra_, giveBackExtra_);
  connect(presentation_, &Presentation::finished, this, [this] {
    presentation_->deleteLater();
    presentation_ = nullptr;
    present_->setChecked(false);
  });
  present_->setChecked(true);
  presentation_->showFullScreen();
  presentation_->activateWindow();
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
  banner_ = strip(centre,
                  "QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c2c0;"
                  " border-radius: 4px; padding: 8px; }");
  explanation_ = strip(centre,
                       "QLabel { background: #e8f1fb; color: #0d3c61; border: 1px solid #b6d4f2;"
                       " border-radius: 4px; padding: 8px; }");
  editor_ = new NetworkEditor(centre);
  layout->addWidget(banner_);
  layout->addWidget(explanation_);
  layout->addWidget(editor_, 1);
  setCentralWidget(centre);
  connect(editor_, &NetworkEditor::graphChanged, this, &MainWindow::networkEdited);
  connect(editor_, &NetworkEditor::statusMessage, this,
          [this](const QString& text) { statusBar()->showMessage(text, 6000); });

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
    dropRunProgress(false);  // a run continues only under the settings it was trained with
    rebuildTimer_->start();
  });
  connect(panel_, &TrainingPanel::learningRateChanged, this, [this](double rate) {
    setModified(true);
    if (controller_->loaded())
      controller_->setLearningRate(rate);  // on the fly, even while training
    else
      rebuildTimer_->start();
  });
  auto* panelScroll = new QScrollArea(this);  // the settings are taller than a small screen
  panelScroll->setWidget(panel_);
  panelScroll->setWidgetResizable(true);
  panelScroll->setFrameShape(QFrame::NoFrame);
  addView("training", tr("Training"), panelScroll, Qt::RightDockWidgetArea);
  connectLayerTraining();

  views_ = new RunViews(this, controller_, editor_, panel_, deviceRequest_);
  connectPointDrawing(panel_, views_->boundary());
  auto* timeline = new QToolBar(tr("Timeline"), this);  // under the views, above the status bar
  timeline->setObjectName("timeline");
  timeline->setMovable(false);
  auto* timelineHome = new QWidget(timeline);  // where the timeline returns after a presentation
  timelineHome->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);
  auto* timelineLayout = new QHBoxLayout(timelineHome);
  timelineLayout->setContentsMargins(0, 0, 0, 0);
  timelineLayout->addWidget(views_->timeline());
  timeline->addWidget(timelineHome);
  addToolBar(Qt::BottomToolBarArea, timeline);
  setPresentationExtra(views_->timeline(), [timelineLayout](QWidget* bar) {
    timelineLayout->addWidget(bar);
    bar->show();  // reparenting hid it
  });
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
  // The views span the window's width below the editor's columns: on a projector's 1280 px their
  // tabs all show, and the wide charts get the room.
  setCorner(Qt::BottomLeftCorner, Qt::BottomDockWidgetArea);
  setCorner(Qt::BottomRightCorner, Qt::BottomDockWidgetArea);
  QDockWidget* first = addView("loss", tr("Loss and accuracy"), scrolling(views_->charts()), Qt::BottomDockWidgetArea);
  for (const auto& [key, title, view] :
       {std::tuple<QString, QString, QWidget*>{"histograms", tr("Activations"), views_->histograms()},
        {"depth", tr("By depth"), views_->depth()},
        {"internals", tr("Internals"), views_->internals()},
        {"filters", tr("Filters"), views_->filters()},
        {"boundary", tr("Decision boundary"), views_->boundary()},
        {"surface", tr("Optimizer race"), racePanel_},
        {"landscape", tr("Loss landscape"), views_->landscape()},
        {"receptive", tr("Receptive field"), views_->receptive()},
        {"sharpness", tr("Sharpness"), views_->sharpness()},
        {"updates", tr("Update ratios"), views_->updateRatios()}})
    tabifyDockWidget(first, addView(key, title, scrolling(view), Qt::BottomDockWidgetArea));
  first->raise();
  views_->setAnalysisDocks(docks_["landscape"], docks_["receptive"]);
  tabifyDockWidget(docks_["inspector"], docks_["text"]);
  tabifyDockWidget(docks_["inspector"], docks_["training"]);
  createRunList();
  docks_["training"]->raise();  // first the settings and Play; selecting a layer brings its inspector
  connect(editor_, &NetworkEditor::selectedNodeChanged, this, [this](const QString& name) {
    if (!name.isEmpty()) docks_["inspector"]->raise();
  });
}

// Leaving the training layout gives back the docks as they were before it, the user's layout.
void MainWindow::arrangeDocks(bool training) {
  if (training && !trainingLayout_) editingLayout_ = saveState();
  if (!training && trainingLayout_ && !editingLayout_.isEmpty()) {
    trainingLayout_ = false;
    restoreState(std::exchange(editingLayout_, {}));
    return;
  }
  trainingLayout_ = training;
  const QSize s = size();
  resizeDocks({docks_["palette"], docks_["training"]},
              {std::clamp(s.width() * 15 / 100, 160, 260), std::clamp(s.width() * 26 / 100, 300, 480)}, Qt::Horizontal);
  resizeDocks({docks_["loss"]}, {s.height() * (training ? 62 : 44) / 100}, Qt::Vertical);
}

// Beside the training settings (a tab of their column, so the views below keep their height on a
// small screen): which runs train side by side, and how each looks in the views.
void MainWindow::createRunList() {
  runList_ = new RunListDock(this);
  QDockWidget* runs = addView("runs", tr("Runs"), runList_, Qt::RightDockWidgetArea);
  tabifyDockWidget(docks_["training"], runs);
  docks_["training"]->raise();
  connect(runList_, &RunListDock::compareRequested, this, &MainWindow::compare);
  connect(runList_, &RunListDock::runsEdited, this, &MainWindow::runsEdited);
  connect(runList_, &RunListDock::looksChanged, this, &MainWindow::restyleRuns);
  connect(runList_, &RunListDock::namesChanged, this, [this] {
    const auto& edited = runList_->comparisons();
    document_.look = runList_->firstLook();
    for (size_t i = 0; i < edited.size() && i < document_.comparisons.size(); ++i) {
      document_.comparisons[i].name = edited[i].name;
      document_.comparisons[i].colour = edited[i].colour;
    }
    setModified(true);
  });
}

void MainWindow::showRuns(const persist::Experiment& e) {
  std::vector<QString> descriptions;
  for (const persist::RunVariant& run : e.comparisons) {
    try {
      descriptions.push_back(QString::fromStdString(util::printable(persist::variantDescription(e, run))));
    } catch (const std::exception&) {  // the run's build names the problem; the list shows the changes
      descriptions.push_back(changesText(run.changes));
    }
  }
  runList_->setRuns(e.look, e.comparisons, descriptions);
  restyleRuns();
  if (!e.comparisons.empty()) docks_["runs"]->raise();  // a set: which runs, in which colours
}

// A run alone keeps the views' single-run look: styles only for a set.
void MainWindow::restyleRuns() {
  const RunStyles styles = runList_->runCount() >= 2 ? runList_->styles() : RunStyles{};
  const auto& shown = runList_->comparisons();
  document_.look.visible = runList_->firstLook().visible;
  for (size_t i = 0; i < shown.size() && i < document_.comparisons.size(); ++i)
    document_.comparisons[i].visible = shown[i].visible;
  views_->setRunStyles(styles);
  setStatus_.setStyles(styles);
  showProgress();  // no removed run's rate
}

// The set's runs start together from the seed's weights: results of the old set do not carry over.
void MainWindow::runsEdited() {
  document_.comparisons = runList_->comparisons();
  for (persist::RunVariant& run : document_.comparisons) {
    run.trainingHistory.clear();
    run.validationHistory.clear();
  }
  dropRunProgress(true);
  setModified(true);
  showRuns(document_);
  rebuildTimer_->start();
}

void MainWindow::dropRunProgress(bool weightsToo) {
  if (weightsToo) document_.weights.clear();
  document_.progress = {};
  for (persist::RunVariant& run : document_.comparisons) {
    if (weightsToo) run.weights.clear();
    run.progress = {};
  }
  if (weightsToo) views_->forgetWeights();
}

void MainWindow::compare() {
  if (runList_->runCount() >= train::kMaxRunsInSet) return;
  CompareDialog dialog(experiment(), QString(QChar('A' + int(runList_->runCount()))), this);
  if (dialog.exec() != QDialog::Accepted) return;
  QString error;
  if (const auto run = dialog.run(&error)) runList_->addRun(*run);
}

}  // namespace gradlab::ui

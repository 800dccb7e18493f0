#pragma once
// GradLab's main window: the network canvas in the centre, the layer palette, the inspector and
// the training settings in docks beside it, and the live views (loss and accuracy, activation and
// gradient histograms, statistics by depth, filters, decision boundary, optimizer race on a test
// surface) in docks below. The window holds the experiment being edited; it saves and opens it,
// autosaves it every 30 s, and offers to restore it after a crash. Training runs off the UI thread.
#include "demos.h"
#include "nn/graph.h"
#include "persist/experiment.h"
#include "training_controller.h"
#include "window/document_files.h"
#include "window/run_set_status.h"
#include "window/run_views.h"

#include <QMainWindow>

#include <functional>
#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QTimer;

namespace gradlab::ui {

class DecisionBoundaryView;
class DeviceProbe;
class FilterGridView;
class LayerHistogramsView;
class LayerInspector;
class LayerPalette;
class NetworkEditor;
class Presentation;
class RunListDock;
class SurfaceRacePanel;
class SurfaceRaceRunner;
class SurfaceView;
class TrainingCharts;
class TrainingPanel;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  // `autosaveFolder` empty: the user's application data folder.
  explicit MainWindow(const QString& deviceRequest = {}, const QString& autosaveFolder = {}, QWidget* parent = nullptr);
  ~MainWindow() override;

  QString deviceText() const;  // what the status bar shows about the device
  // Shrinks the window to fit `available` (a projector's 1280x720), never below its minimum size,
  // and shares it out again between the canvas and the docks.
  void fitTo(const QSize& available);
  // The docks' sizes as shares of the window: the editing layout leaves the canvas most of the
  // room; the training layout (Play) gives the views most of the height.
  void arrangeDocks(bool training);
  // Shows the experiment in the editor and the training panel and builds its run.
  void openExperiment(const persist::Experiment& experiment, const QString& path = {});
  void openDemo(const Demo& demo);
  // The window's start: the default experiment (an MLP ready to Play), untouched like a demo.
  void openDefaultExperiment();
  // File > New: an empty canvas titled Untitled, with the default experiment's training settings.
  void newExperiment();
  bool showingRace() const;  // an optimizer race demo: no network, Play runs the race again
  // File > Open and File > Save without dialogs; false with a message for the user.
  bool openFile(const QString& path, QString* error) { return files_->openFile(path, error); }
  // File > Open once its dialog has given a path: opens it, or says why not in a message box.
  void openChosenFile(const QString& path) { files_->openChosenFile(path); }
  bool saveFile(const QString& path, QString* error) { return files_->saveFile(path, error); }
  // File > Export Metrics as CSV
  bool exportMetricsTo(const QString& path, QString* error) { return files_->exportMetricsTo(path, error); }
  // The experiment as it stands: network, layout, settings and the curves so far.
  // With at most `momentBytes` of the timeline's moments, as a Save keeps them by default.
  persist::Experiment experiment(uint64_t momentBytes = persist::kSavedMomentBytes) const;
  // After a crash: asks whether to restore the newest autosave (main() calls this once).
  void offerRecovery() { files_->offerRecovery(); }
  // Collects the experiment here and writes it on a worker thread (skipped while a write runs).
  void autosaveNow() { files_->autosaveNow(); }
  bool isModified() const { return files_->isModified(); }

  // For tests and scripts.
  TrainingController& controller() { return *controller_; }
  const TrainingCharts& charts() const { return *views_->charts(); }
  NetworkEditor& editor() { return *editor_; }
  TrainingPanel& trainingPanel() { return *panel_; }
  RunListDock& runList() { return *runList_; }  // the runs of the comparison
  const LayerHistogramsView& histograms() const { return *views_->histograms(); }
  const FilterGridView& filters() const { return *views_->filters(); }
  const DecisionBoundaryView& boundary() const { return *views_->boundary(); }
  const SurfaceView& surface() const { return *surface_; }
  QDockWidget* dock(const QString& view) const;  // "loss", "histograms", "depth", "filters", "boundary", "surface"
  // View > Presentation Mode (F11): the view in front, full screen and large, with Play, Step
  // and Reset; Esc leaves it and the window is as it was. presentation(): null when not presenting.
  void setPresenting(bool on);
  Presentation* presentation() const { return presentation_; }
  // Shown under the view in presentation mode (the timeline): borrowed from where it lives while
  // the presentation lasts and handed to `giveBack` after.
  void setPresentationExtra(QWidget* widget, std::function<void(QWidget*)> giveBack) {
    presentationExtra_ = widget;
    giveBackExtra_ = std::move(giveBack);
  }
  QDockWidget* frontView() const;  // the view dock in front: what presentation mode shows
  QString bannerText() const;
  QString explanationText() const;
  QString currentPath() const { return files_->path(); }
  // Starts the layers whose names and shapes match the experiment at `path` from its weights (the
  // others initialised; the run starts again at step 0) and returns what the status bar says:
  // which layers were copied and why the others were not, or why the file gives none.
  QString initialiseFrom(const QString& path);
  uint64_t step() const { return lastStep_; }
  persist::AutosaveSlot* autosaveSlot() const { return files_->autosaveSlot(); }

 signals:
  void deviceReady();  // the device line is final (found or failed)
  void demoReady();    // the run is built and ready to play
  void demoFailed(const QString& message);
  void raceFinished(const QString& summary);

 protected:
  void closeEvent(QCloseEvent* event) override;
  void showEvent(QShowEvent* event) override;

 private:
  // Building the window (window/actions_and_docks.cpp).
  void createActions();
  void createMenus();
  void createDocks();
  QDockWidget* addView(const QString& key, const QString& title, QWidget* view, Qt::DockWidgetArea area);
  void createRunList();
  // The runs of a comparison (window/actions_and_docks.cpp): the run list shows `e`'s, and every
  // view draws them in their styles.
  void showRuns(const persist::Experiment& e);
  void restyleRuns();
  void runsEdited();  // added or removed: the set is built again
  void compare();     // Compare…: asks what the new run changes
  // Trained weights and progress no longer fit the run they would continue (every run's).
  void dropRunProgress(bool weightsToo);
  void chooseInitialisation();  // File > Initialise from Experiment…
  void connectLayerTraining();  // the inspector's frozen and lr × fields edit the panel's settings
  void followLayerTraining();   // frozen layers and multipliers follow a renamed layer, drop a deleted one

  void showSnapshot(const train::Snapshot& s);
  void showProgress();
  void updateActions(train::RunState state);
  void networkEdited();
  void followBaseNetwork();  // comparisons' network variants follow an edit of the first run's
  void openRace(const Demo& demo);
  void rebuildRun();
  void resetRun();
  void setModified(bool modified) { files_->setModified(modified); }
  void showAbout();

  QString deviceRequest_;
  persist::Experiment document_;  // the settings and network last applied
  DocumentFiles* files_ = nullptr;
  RunViews* views_ = nullptr;
  RunListDock* runList_ = nullptr;
  RunSetStatus setStatus_;
  QString progressText_;  // the first run's step, epoch and loss, as the status bar shows them
  QTimer* rebuildTimer_ = nullptr;

  QLabel* deviceLabel_ = nullptr;
  QLabel* stateLabel_ = nullptr;
  QLabel* progressLabel_ = nullptr;
  QLabel* banner_ = nullptr;
  QLabel* explanation_ = nullptr;
  NetworkEditor* editor_ = nullptr;
  LayerPalette* palette_ = nullptr;
  LayerInspector* inspector_ = nullptr;
  TrainingPanel* panel_ = nullptr;
  SurfaceView* surface_ = nullptr;
  SurfaceRaceRunner* race_ = nullptr;
  SurfaceRacePanel* racePanel_ = nullptr;  // its controls say which race Play runs
  std::map<QString, QDockWidget*> docks_;
  QAction *play_ = nullptr, *step_ = nullptr, *reset_ = nullptr, *save_ = nullptr, *present_ = nullptr;
  Presentation* presentation_ = nullptr;
  QWidget* presentationExtra_ = nullptr;
  std::function<void(QWidget*)> giveBackExtra_;
  DeviceProbe* probe_ = nullptr;
  TrainingController* controller_ = nullptr;
  uint64_t lastStep_ = 0;
  bool announcedReady_ = false;
  bool arranged_ = false;        // the docks were shared out for the window's size once shown
  bool trainingLayout_ = false;  // the views have the room (since Play, until the next edit)
  bool restoredLayout_ = false;  // the docks are as the user left them last time: not shared out anew
  bool showingFile_ = false;     // an opened file (or demo) is being shown: not an edit of the user's
  QByteArray editingLayout_;     // the docks as they were before Play arranged them for training
  QString playBlockedReason_;
  nn::Graph layerTrainingGraph_;  // the network as followLayerTraining last saw it
};

}  // namespace gradlab::ui

#pragma once
// GradLab's main window: the network canvas in the centre, the layer palette, the inspector and
// the training settings in docks beside it, and the live views (loss and accuracy, activation and
// gradient histograms, statistics by depth, filters, decision boundary, optimizer race on a test
// surface) in docks below. The window holds the experiment being edited; it saves and opens it,
// autosaves it every 30 s, and offers to restore it after a crash. Training runs off the UI thread.
#include "demos.h"
#include "persist/experiment.h"
#include "training_controller.h"

#include <QFuture>
#include <QMainWindow>

#include <memory>

class QAction;
class QDockWidget;
class QLabel;
class QTimer;

namespace gradlab::gpu {
class Context;
}
namespace gradlab::persist {
class AutosaveSlot;
struct Recoverable;
}

namespace gradlab::ui {

struct AnalysisSource;
class DecisionBoundaryView;
class GradientCheckDialog;
class LandscapeView;
class ReceptiveFieldView;
class DepthStatsView;
class DeviceProbe;
class FilterGridView;
class LayerHistogramsView;
class LayerInspector;
class LayerPalette;
class NetworkEditor;
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
  // Shrinks the window to fit `available` (a projector's 1280x720), never below its minimum size.
  void fitTo(const QSize& available);
  // Shows the experiment in the editor and the training panel and builds its run.
  void openExperiment(const persist::Experiment& experiment, const QString& path = {});
  void openDemo(const Demo& demo);
  // File > New and the window's start: the default experiment, untouched like a demo.
  void newExperiment();
  bool showingRace() const;  // an optimizer race demo: no network, Play runs the race again
  // File > Open and File > Save without dialogs; false with a message for the user.
  bool openFile(const QString& path, QString* error);
  // File > Open once its dialog has given a path: opens it, or says why not in a message box.
  void openChosenFile(const QString& path);
  bool saveFile(const QString& path, QString* error);
  bool exportMetricsTo(const QString& path, QString* error);  // File > Export Metrics as CSV
  // The experiment as it stands: network, layout, settings and the curves so far.
  persist::Experiment experiment() const;
  // After a crash: asks whether to restore the newest autosave (main() calls this once).
  void offerRecovery();
  // Collects the experiment here and writes it on a worker thread (skipped while a write runs).
  void autosaveNow();
  bool isModified() const { return modified_; }

  // For tests and scripts.
  TrainingController& controller() { return *controller_; }
  const TrainingCharts& charts() const { return *charts_; }
  NetworkEditor& editor() { return *editor_; }
  TrainingPanel& trainingPanel() { return *panel_; }
  const LayerHistogramsView& histograms() const { return *histograms_; }
  const FilterGridView& filters() const { return *filters_; }
  const DecisionBoundaryView& boundary() const { return *boundary_; }
  const SurfaceView& surface() const { return *surface_; }
  QDockWidget* dock(const QString& view) const;  // "loss", "histograms", "depth", "filters", "boundary", "surface"
  QString bannerText() const;
  QString explanationText() const;
  QString currentPath() const { return path_; }
  uint64_t step() const { return lastStep_; }
  persist::AutosaveSlot* autosaveSlot() const { return autosave_.get(); }

 signals:
  void deviceReady();  // the device line is final (found or failed)
  void demoReady();    // the run is built and ready to play
  void demoFailed(const QString& message);
  void raceFinished(const QString& summary);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createActions();
  void createMenus();
  void createDocks();
  QDockWidget* addView(const QString& key, const QString& title, QWidget* view, Qt::DockWidgetArea area);
  void showSnapshot(const train::Snapshot& s);
  void updateActions(train::RunState state);
  void networkEdited();
  void openRace(const Demo& demo);
  void rebuildRun();
  void setModified(bool modified);
  void updateTitle();
  // Asks "Save changes to NAME?" when there are unsaved changes; false when the user cancels.
  bool maybeSave();
  void open();
  bool save();
  bool saveAs();
  void exportMetrics();
  void showAbout();
  void openViewDevice();
  void rememberParameters(std::shared_ptr<const train::ProbeReport> report);
  void rememberParameters(const train::ProbeReport& report);  // a copy of it, for values not from a probe
  void updateAnalysisSource();
  void checkGradients();
  void keepWeights(const std::shared_ptr<const train::Snapshot>& s);

  QString deviceRequest_;
  persist::Experiment document_;  // the settings and network last applied
  QString path_;
  bool modified_ = false;
  std::unique_ptr<persist::AutosaveSlot> autosave_;
  QFuture<QString> autosaveWrite_;  // the autosave being written (its error, or empty)
  QTimer* autosaveTimer_ = nullptr;
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
  TrainingCharts* charts_ = nullptr;
  LayerHistogramsView* histograms_ = nullptr;
  DepthStatsView* depth_ = nullptr;
  FilterGridView* filters_ = nullptr;
  DecisionBoundaryView* boundary_ = nullptr;
  SurfaceView* surface_ = nullptr;
  SurfaceRaceRunner* race_ = nullptr;
  SurfaceRacePanel* racePanel_ = nullptr;  // its controls say which race Play runs
  LandscapeView* landscape_ = nullptr;
  ReceptiveFieldView* receptive_ = nullptr;
  GradientCheckDialog* gradientCheck_ = nullptr;
  // What the analysis views work on: the run's parameters now, at the start and along the way,
  // as the probe reports that carry them. Reports are immutable and shared with the run, so
  // keeping one costs no copy of its (megabytes of) parameters.
  std::shared_ptr<const train::ProbeReport> initialParameters_, currentParameters_;
  std::vector<std::shared_ptr<const train::ProbeReport>> trajectory_;
  std::shared_ptr<const data::Dataset> trainData_;
  // What a save stores as the trained weights: the run's latest values (a probe's copy while
  // training, the final ones when it stops); null until the run has any.
  std::shared_ptr<const std::vector<train::WeightSnapshot>> runWeights_;
  std::shared_ptr<const train::RunProgress> runProgress_;  // with runWeights_ from a stopped run: to continue it
  std::map<QString, QDockWidget*> docks_;
  QAction *play_ = nullptr, *step_ = nullptr, *reset_ = nullptr, *save_ = nullptr;
  DeviceProbe* probe_ = nullptr;
  TrainingController* controller_ = nullptr;
  uint64_t lastStep_ = 0;
  bool announcedReady_ = false;
  bool showingSavedCurves_ = false;  // the curves of an opened file, until training starts again
  // A demo or the default experiment as the menu opened it: training it is watching, not unsaved
  // work (it can be run again).
  bool showingDemo_ = false;
  QString playBlockedReason_;
  std::shared_ptr<gpu::Context> viewDevice_;
};

}  // namespace gradlab::ui

#pragma once
// GradLab's main window: the device in the status bar (found off the UI thread), and the lab's
// first demo: a network training on the GPU with Play/Pause, Step and Reset, live loss and
// accuracy charts, and a banner that explains a run that went NaN. The network editor and the
// other views dock into this window in later steps.
#include "training_controller.h"

#include <QMainWindow>

class QAction;
class QLabel;
class QStackedWidget;

namespace gradlab::ui {

class DeviceProbe;
class TrainingCharts;

// The demo the lab opens on: an MLP learning Fashion-MNIST, ready to Play.
DemoSetup defaultDemo();

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const QString& deviceRequest = {}, QWidget* parent = nullptr);

  QString deviceText() const;  // what the status bar shows about the device
  void startDemo(DemoSetup setup);

  // For tests and scripts.
  TrainingController& controller() { return *controller_; }
  const TrainingCharts& charts() const { return *charts_; }
  QString bannerText() const;
  uint64_t step() const { return lastStep_; }

 signals:
  void deviceReady();  // the device line is final (found or failed)
  void demoReady();    // the run is built and ready to play
  void demoFailed(const QString& message);

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createMenus();
  void createToolBar();
  QWidget* createWelcome();
  QWidget* createLab();
  void showSnapshot(const train::Snapshot& s);
  void updateActions(train::RunState state);
  void showAbout();

  QString deviceRequest_;
  QLabel* deviceLabel_ = nullptr;
  QLabel* welcomeDevice_ = nullptr;
  QLabel* welcomeStatus_ = nullptr;
  QLabel* stateLabel_ = nullptr;
  QLabel* progressLabel_ = nullptr;
  QLabel* title_ = nullptr;
  QLabel* banner_ = nullptr;
  QStackedWidget* pages_ = nullptr;
  TrainingCharts* charts_ = nullptr;
  QAction *play_ = nullptr, *step_ = nullptr, *reset_ = nullptr;
  DeviceProbe* probe_ = nullptr;
  TrainingController* controller_ = nullptr;
  uint64_t lastStep_ = 0;
  bool announcedReady_ = false;
};

}  // namespace gradlab::ui

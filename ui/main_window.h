#pragma once
// GradLab's main window. For now: the frame every later panel docks into, a welcome page, and
// the Vulkan device in the status bar (found off the UI thread).
#include <QMainWindow>

class QLabel;

namespace gradlab::ui {

class DeviceProbe;

class MainWindow : public QMainWindow {
  Q_OBJECT
 public:
  explicit MainWindow(const QString& deviceRequest = {}, QWidget* parent = nullptr);

  QString deviceText() const;  // what the status bar shows about the device

 signals:
  void deviceReady();  // the device line is final (found or failed)

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void createMenus();
  QWidget* createWelcome();
  void showAbout();

  QLabel* deviceLabel_ = nullptr;
  QLabel* welcomeDevice_ = nullptr;
  DeviceProbe* probe_ = nullptr;
};

}  // namespace gradlab::ui

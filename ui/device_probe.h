#pragma once
// Finds the Vulkan device GradLab will use, on a worker thread so the window never waits on the
// driver, and reports it (or what went wrong) as signals on the UI thread.
#include <QObject>
#include <QString>

namespace gradlab::ui {

class DeviceProbe : public QObject {
  Q_OBJECT
 public:
  explicit DeviceProbe(QObject* parent = nullptr) : QObject(parent) {}
  // `request`: an index or a name substring; empty uses GRADLAB_DEVICE or the best device.
  void start(const QString& request);

 signals:
  void found(const QString& name, const QString& details);
  void failed(const QString& message);
};

}  // namespace gradlab::ui

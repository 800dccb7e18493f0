#include "device_probe.h"

#include "gpu/device_info.h"

#include <QFutureWatcher>
#include <QtConcurrent/QtConcurrentRun>

#include <cstdlib>

namespace gradlab::ui {
namespace {

struct Outcome {
  QString name, details, error;
};

Outcome probe(const std::string& wanted) {
  Outcome out;
  try {
    const auto devices = gpu::enumerateDevices();
    const auto& d = devices[gpu::selectDevice(devices, wanted)];
    out.name = QString::fromStdString(d.name);
    out.details = QString("%1 · %2 %3 · Vulkan %4 · %5 MiB")
                      .arg(gpu::deviceTypeName(d.type), QString::fromStdString(d.driverName),
                           QString::fromStdString(d.driverInfo), QString::fromStdString(d.apiVersionString()))
                      .arg(d.deviceLocalBytes >> 20);
  } catch (const std::exception& e) {
    out.error = QString::fromUtf8(e.what());
  }
  return out;
}

}  // namespace

void DeviceProbe::start(const QString& request) {
  const char* env = std::getenv("GRADLAB_DEVICE");
  const std::string wanted = request.isEmpty() ? std::string(env ? env : "") : request.toStdString();
  // The global thread pool is joined when the application exits, so no probe outlives it.
  auto* watcher = new QFutureWatcher<Outcome>(this);
  connect(watcher, &QFutureWatcher<Outcome>::finished, this, [this, watcher] {
    const Outcome out = watcher->result();
    watcher->deleteLater();
    if (out.error.isEmpty())
      emit found(out.name, out.details);
    else
      emit failed(out.error);
  });
  watcher->setFuture(QtConcurrent::run(probe, wanted));
}

}  // namespace gradlab::ui

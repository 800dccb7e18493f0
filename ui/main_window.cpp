#include "main_window.h"

#include "device_probe.h"

#include <QAction>
#include <QCloseEvent>
#include <QApplication>
#include <QFont>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStatusBar>
#include <QVBoxLayout>

namespace gradlab::ui {

MainWindow::MainWindow(const QString& deviceRequest, QWidget* parent) : QMainWindow(parent) {
  setWindowTitle("GradLab");
  setMinimumSize(800, 560);
  resize(1200, 800);
  createMenus();
  setCentralWidget(createWelcome());

  deviceLabel_ = new QLabel(tr("Looking for a Vulkan device…"), this);
  deviceLabel_->setContentsMargins(8, 0, 12, 0);  // clear of the size grip
  statusBar()->addPermanentWidget(deviceLabel_);

  QSettings settings;
  restoreGeometry(settings.value("window/geometry").toByteArray());

  probe_ = new DeviceProbe(this);
  connect(probe_, &DeviceProbe::found, this, [this](const QString& name, const QString& details) {
    deviceLabel_->setText(tr("Device: %1").arg(name));
    deviceLabel_->setToolTip(details);
    const QString muted = palette().color(QPalette::Disabled, QPalette::WindowText).name();
    welcomeDevice_->setText(tr("Training runs on <b>%1</b><br><span style='color:%3'>%2</span>")
                                .arg(name.toHtmlEscaped(), details.toHtmlEscaped(), muted));
    emit deviceReady();
  });
  connect(probe_, &DeviceProbe::failed, this, [this](const QString& message) {
    deviceLabel_->setText(tr("No Vulkan device"));
    deviceLabel_->setToolTip(message);
    welcomeDevice_->setText(tr("<b>No Vulkan device is available.</b><br>%1").arg(message.toHtmlEscaped()));
    emit deviceReady();
  });
  probe_->start(deviceRequest);
}

void MainWindow::closeEvent(QCloseEvent* event) {
  QSettings().setValue("window/geometry", saveGeometry());
  QMainWindow::closeEvent(event);
}

QString MainWindow::deviceText() const { return deviceLabel_->text(); }

void MainWindow::createMenus() {
  QMenu* file = menuBar()->addMenu(tr("&File"));
  QAction* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
  quit->setShortcut(QKeySequence::Quit);
  QMenu* help = menuBar()->addMenu(tr("&Help"));
  help->addAction(tr("&About GradLab"), this, &MainWindow::showAbout);
}

QWidget* MainWindow::createWelcome() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(48, 48, 48, 48);
  layout->addStretch(2);
  auto* title = new QLabel(tr("GradLab"), page);
  QFont titleFont = title->font();
  titleFont.setPointSizeF(titleFont.pointSizeF() * 2.6);
  titleFont.setBold(true);
  title->setFont(titleFont);
  title->setAlignment(Qt::AlignCenter);
  auto* subtitle = new QLabel(tr("Build neural networks, train them on the GPU, and watch what training does."), page);
  QFont subtitleFont = subtitle->font();
  subtitleFont.setPointSizeF(subtitleFont.pointSizeF() * 1.25);
  subtitle->setFont(subtitleFont);
  subtitle->setAlignment(Qt::AlignCenter);
  subtitle->setWordWrap(true);
  welcomeDevice_ = new QLabel(tr("Looking for a Vulkan device…"), page);
  welcomeDevice_->setAlignment(Qt::AlignCenter);
  welcomeDevice_->setWordWrap(true);
  welcomeDevice_->setTextFormat(Qt::RichText);
  layout->addWidget(title);
  layout->addSpacing(12);
  layout->addWidget(subtitle);
  layout->addSpacing(28);
  layout->addWidget(welcomeDevice_);
  layout->addStretch(3);
  return page;
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About GradLab"),
                     tr("<h3>GradLab %1</h3><p>A visual lab for training neural networks with Vulkan compute "
                        "shaders.</p>")
                         .arg(QApplication::applicationVersion()));
}

}  // namespace gradlab::ui

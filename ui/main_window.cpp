#include "main_window.h"

#include "device_probe.h"
#include "training_charts.h"

#include <QAction>
#include <QApplication>
#include <QCloseEvent>
#include <QFile>
#include <QFont>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QSettings>
#include <QStackedWidget>
#include <QStatusBar>
#include <QStyle>
#include <QToolBar>
#include <QVBoxLayout>

namespace gradlab::ui {

DemoSetup defaultDemo() {
  DemoSetup demo;
  demo.title = "MLP 784-256-10";
  QFile file(":/networks/mlp_784_256_10.net");
  if (file.open(QIODevice::ReadOnly)) demo.networkText = QString::fromUtf8(file.readAll());
  demo.dataset = "fashion-mnist";
  demo.batch = 64;
  demo.optimizer = "sgd";
  demo.learningRate = 0.1;
  return demo;
}

MainWindow::MainWindow(const QString& deviceRequest, QWidget* parent)
    : QMainWindow(parent), deviceRequest_(deviceRequest) {
  setWindowTitle("GradLab");
  setMinimumSize(800, 560);
  resize(1200, 800);
  controller_ = new TrainingController(this);
  createMenus();
  createToolBar();
  pages_ = new QStackedWidget(this);
  pages_->addWidget(createWelcome());
  pages_->addWidget(createLab());
  setCentralWidget(pages_);

  stateLabel_ = new QLabel(this);
  progressLabel_ = new QLabel(this);
  deviceLabel_ = new QLabel(tr("Looking for a Vulkan device…"), this);
  deviceLabel_->setContentsMargins(8, 0, 12, 0);  // clear of the size grip
  statusBar()->addWidget(stateLabel_);
  statusBar()->addWidget(progressLabel_, 1);
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

  connect(controller_, &TrainingController::loading, this, [this](const QString& what) {
    welcomeStatus_->setText(what);
    stateLabel_->setText(tr("Loading"));
    updateActions(train::RunState::Preparing);
  });
  connect(controller_, &TrainingController::ready, this, [this](const QString& description) {
    title_->setText(description);
    charts_->clear();
    banner_->hide();
    pages_->setCurrentIndex(1);
    stateLabel_->setText(tr("Preparing"));
    announcedReady_ = false;
  });
  connect(controller_, &TrainingController::failed, this, [this](const QString& message) {
    welcomeStatus_->setText(tr("<b>The demo could not start.</b><br>%1").arg(message.toHtmlEscaped()));
    stateLabel_->setText(tr("Not ready"));
    pages_->setCurrentIndex(0);
    emit demoFailed(message);
  });
  connect(controller_, &TrainingController::snapshot, this,
          [this](std::shared_ptr<const train::Snapshot> s) { showSnapshot(*s); });
  updateActions(train::RunState::Preparing);
}

void MainWindow::startDemo(DemoSetup setup) {
  if (setup.device.isEmpty()) setup.device = deviceRequest_;
  controller_->load(setup);
}

QString MainWindow::bannerText() const { return banner_->isVisible() ? banner_->text() : QString(); }

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

void MainWindow::createToolBar() {
  QToolBar* bar = addToolBar(tr("Training"));
  bar->setObjectName("training");
  bar->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
  play_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"));
  play_->setShortcut(Qt::Key_Space);
  play_->setToolTip(tr("Train (Space); press again to pause"));
  connect(play_, &QAction::triggered, this, [this] {
    if (controller_->state() == train::RunState::Running) controller_->pause();
    else controller_->play();
  });
  step_ = bar->addAction(style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Step"));
  step_->setShortcut(Qt::Key_F10);
  step_->setToolTip(tr("Train one step (F10)"));
  connect(step_, &QAction::triggered, controller_, &TrainingController::step);
  reset_ = bar->addAction(style()->standardIcon(QStyle::SP_BrowserReload), tr("Reset"));
  reset_->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_R));
  reset_->setToolTip(tr("Back to the initial weights (Ctrl+R)"));
  connect(reset_, &QAction::triggered, this, [this] {
    charts_->clear();
    banner_->hide();
    controller_->reset();
  });
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
  welcomeStatus_ = new QLabel(page);
  for (QLabel* l : {welcomeDevice_, welcomeStatus_}) {
    l->setAlignment(Qt::AlignCenter);
    l->setWordWrap(true);
    l->setTextFormat(Qt::RichText);
  }
  layout->addWidget(title);
  layout->addSpacing(12);
  layout->addWidget(subtitle);
  layout->addSpacing(28);
  layout->addWidget(welcomeDevice_);
  layout->addSpacing(12);
  layout->addWidget(welcomeStatus_);
  layout->addStretch(3);
  return page;
}

QWidget* MainWindow::createLab() {
  auto* page = new QWidget(this);
  auto* layout = new QVBoxLayout(page);
  layout->setContentsMargins(12, 8, 12, 8);
  title_ = new QLabel(page);
  QFont font = title_->font();
  font.setPointSizeF(font.pointSizeF() * 1.2);
  font.setBold(true);
  title_->setFont(font);
  banner_ = new QLabel(page);
  banner_->setWordWrap(true);
  banner_->setTextFormat(Qt::RichText);
  banner_->setStyleSheet("QLabel { background: #fdecea; color: #611a15; border: 1px solid #f5c2c0;"
                         " border-radius: 4px; padding: 8px; }");
  banner_->hide();
  charts_ = new TrainingCharts(page);
  layout->addWidget(title_);
  layout->addWidget(banner_);
  layout->addWidget(charts_, 1);
  return page;
}

void MainWindow::showSnapshot(const train::Snapshot& s) {
  charts_->add(s);
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
    banner_->setText(tr("<b>Training failed.</b> %1").arg(QString::fromStdString(s.error).toHtmlEscaped()));
    banner_->show();
  }
  updateActions(s.state);
  if (s.state == train::RunState::Ready && !announcedReady_) {
    announcedReady_ = true;
    emit demoReady();
  } else if (s.state == train::RunState::Failed && !announcedReady_) {
    announcedReady_ = true;
    emit demoFailed(QString::fromStdString(s.error));
  }
}

void MainWindow::updateActions(train::RunState state) {
  const bool running = state == train::RunState::Running;
  const bool canTrain = state == train::RunState::Ready || state == train::RunState::Paused;
  play_->setText(running ? tr("Pause") : tr("Play"));
  play_->setIcon(style()->standardIcon(running ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
  play_->setEnabled(running || canTrain);
  step_->setEnabled(canTrain);
  reset_->setEnabled(state != train::RunState::Preparing && state != train::RunState::Failed);
}

void MainWindow::showAbout() {
  QMessageBox::about(this, tr("About GradLab"),
                     tr("<h3>GradLab %1</h3><p>A visual lab for training neural networks with Vulkan compute "
                        "shaders.</p>")
                         .arg(QApplication::applicationVersion()));
}

}  // namespace gradlab::ui

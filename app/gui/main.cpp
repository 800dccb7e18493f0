// gradlab: the lab window. With a file argument it opens that experiment; otherwise the default
// demo (an MLP on Fashion-MNIST, ready to Play), after offering to restore work a crash left.
#include "demos.h"
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>
#include <QMessageBox>
#include <QScreen>

int main(int argc, char** argv) {
  QApplication app(argc, argv);
  QApplication::setApplicationName("GradLab");
  QApplication::setOrganizationName("GradLab");
  QApplication::setApplicationVersion(GRADLAB_VERSION);

  QCommandLineParser parser;
  parser.setApplicationDescription("GradLab: build, train and watch neural networks on the GPU.");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption device("device", "Vulkan device to use: an index or part of its name (see gradlab-cli devices).",
                            "INDEX|NAME");
  parser.addOption(device);
  parser.addPositionalArgument("experiment", "a .gradlab file to open", "[FILE]");
  parser.process(app);

  gradlab::ui::MainWindow window(parser.value(device));
  window.show();
  // Its preferred size is for a desktop; on a projector's 1280x720 it must not run off the screen.
  if (const QScreen* screen = QGuiApplication::primaryScreen()) window.fitTo(screen->availableGeometry().size());
  window.openDefaultExperiment();
  window.offerRecovery();
  if (!parser.positionalArguments().isEmpty()) {
    QString error;
    if (!window.openFile(parser.positionalArguments().front(), &error))
      QMessageBox::warning(&window, QObject::tr("Cannot open the experiment"), error);
  }
  return app.exec();
}

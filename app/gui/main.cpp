// gradlab: the lab window. With a file argument it opens that experiment, network or ONNX model;
// otherwise the default demo (an MLP on Fashion-MNIST, ready to Play), after offering to restore
// work a crash left.
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
  parser.setApplicationDescription(
      "GradLab: build, train and watch neural networks on the GPU.\n"
      "FILE may be an experiment (.gradlab: network, settings, curves, weights and timeline), a network\n"
      "(.net, GradLab's network text) or an ONNX model (.onnx, with its weights). Without FILE the lab\n"
      "opens an MLP on Fashion-MNIST, ready to Play. gradlab-cli trains, compares and exports headless.");
  parser.addHelpOption();
  parser.addVersionOption();
  QCommandLineOption device("device", "Vulkan device to use: an index or part of its name (see gradlab-cli devices).",
                            "INDEX|NAME");
  parser.addOption(device);
  parser.addPositionalArgument("file", "the experiment, network or ONNX model to open (.gradlab, .net, .onnx)",
                               "[FILE]");
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

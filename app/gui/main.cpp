// gradlab: the lab window.
#include "main_window.h"

#include <QApplication>
#include <QCommandLineParser>

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
  parser.process(app);

  gradlab::ui::MainWindow window(parser.value(device));
  window.show();
  window.startDemo(gradlab::ui::defaultDemo());
  return app.exec();
}

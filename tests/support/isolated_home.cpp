// Linked into every test program: each test process keeps what the lab remembers (QSettings: window
// layout, theme, last file, timeline budget; QFileDialog's history; autosaves under AppDataLocation)
// in a fresh directory of its own, removed when the application ends. Tests then never read a
// developer's settings or each other's (two processes of one test program share a settings file
// otherwise, as under ctest -j), and never write the user's ~/.config or ~/.local/share.
//
// HOME moves too, because QStandardPaths' test mode (which several tests turn on) ignores the XDG
// variables and writes under ~/.qttest. The cache stays where it was: lavapipe's compiled shaders
// and fontconfig's cache there make tests fast and hold no settings.
#include <QCoreApplication>
#include <QDir>
#include <QFile>
#include <QSettings>
#include <QTemporaryDir>

namespace {

QTemporaryDir* home = nullptr;

void removeHome() {
  delete home;
  home = nullptr;
}

void isolateHome() {
  if (home) return;
  if (qEnvironmentVariableIsEmpty("XDG_CACHE_HOME"))
    qputenv("XDG_CACHE_HOME", QFile::encodeName(QDir::homePath() + "/.cache"));
  home = new QTemporaryDir(QDir::tempPath() + "/gradlab-test-home-XXXXXX");
  if (!home->isValid()) qFatal("cannot make a settings directory for the test under %s", qPrintable(QDir::tempPath()));
  const QString root = home->path();
  qputenv("HOME", QFile::encodeName(root));
  qputenv("XDG_CONFIG_HOME", QFile::encodeName(root + "/.config"));
  qputenv("XDG_DATA_HOME", QFile::encodeName(root + "/.local/share"));
  qputenv("XDG_STATE_HOME", QFile::encodeName(root + "/.local/state"));
  for (QSettings::Format format : {QSettings::NativeFormat, QSettings::IniFormat}) {
    QSettings::setPath(format, QSettings::UserScope, root + "/.config");
    QSettings::setPath(format, QSettings::SystemScope, root + "/etc/xdg");
  }
  qAddPostRoutine(removeHome);
}

}  // namespace

Q_COREAPP_STARTUP_FUNCTION(isolateHome)

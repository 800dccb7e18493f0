#include "window/document_files.h"

#include "export/model.h"
#include "persist/autosave.h"
#include "persist/experiment_file.h"
#include "persist/saved_moments.h"
#include "util/printable.h"

#include <QFileDialog>
#include <QFileInfo>
#include <QFutureWatcher>
#include <QMainWindow>
#include <QMessageBox>
#include <QSaveFile>
#include <QSettings>
#include <QStandardPaths>
#include <QStatusBar>
#include <QTimer>
#include <QtConcurrent/QtConcurrentRun>

namespace gradlab::ui {
namespace {

QString fileFilter() { return QObject::tr("GradLab experiments (*%1)").arg(persist::kExtension); }

// A file name may hold control characters: shown escaped.
QString printableName(const QString& name, size_t limit = 200) {
  return QString::fromStdString(util::printable(name.toStdString(), limit));
}

}  // namespace

DocumentFiles::DocumentFiles(QMainWindow* window, const QString& autosaveFolder, Collect collect, Show show)
    : QObject(window), window_(window), collect_(std::move(collect)), show_(std::move(show)) {
  // Autosave: the experiment every 30 s and on quit; what a crashed session left is offered at start.
  try {
    const QString folder = autosaveFolder.isEmpty()
                               ? QStandardPaths::writableLocation(QStandardPaths::AppDataLocation) + "/autosave"
                               : autosaveFolder;
    autosave_ = std::make_unique<persist::AutosaveSlot>(folder.toStdString());
  } catch (const std::exception& e) {
    window_->statusBar()->showMessage(tr("Autosave is off: %1").arg(QString::fromUtf8(e.what())), 10000);
  }
  autosaveTimer_ = new QTimer(this);
  autosaveTimer_->setInterval(int(std::chrono::milliseconds(persist::kAutosaveInterval).count()));
  connect(autosaveTimer_, &QTimer::timeout, this, &DocumentFiles::autosaveNow);
  autosaveTimer_->start();
}

DocumentFiles::~DocumentFiles() { autosaveWrite_.waitForFinished(); }  // it writes through autosave_

bool DocumentFiles::openFile(const QString& path, QString* error) {
  try {
    // Also a network file or an ONNX model (with its weights): what a double-click hands over.
    const persist::Experiment opened = exporting::openExperiment(path.toStdString());
    show_(opened, path);
    window_->statusBar()->showMessage(tr("Opened %1: %2.")
                                          .arg(printableName(QFileInfo(path).fileName()),
                                               QString::fromStdString(util::printable(persist::contentsOf(opened)))),
                                      15000);
    return true;
  } catch (const std::exception& e) {  // FileError: the message says what is wrong and what to do
    *error = QString::fromStdString(util::printableLines(e.what()));  // it may quote the file: no control bytes
    return false;
  }
}

bool DocumentFiles::saveFile(const QString& path, QString* error) {
  try {
    persist::saveExperiment(collect_(persist::kSavedMomentBytes), path.toStdString());
    path_ = path;
    showingDemo_ = false;  // the user's own experiment now
    setModified(false);
    return true;
  } catch (const std::exception& e) {
    *error = QString::fromStdString(util::printableLines(e.what()));
    return false;
  }
}

void DocumentFiles::open() {
  if (!maybeSave()) return;
  const QString path = QFileDialog::getOpenFileName(
      window_, tr("Open experiment"), QSettings().value("files/last").toString(),
      fileFilter() + ";;" + tr("Networks and ONNX models (*.net *.onnx)") + ";;" + tr("All files (*)"));
  if (!path.isEmpty()) openChosenFile(path);
}

void DocumentFiles::openChosenFile(const QString& path) {
  QString error;
  if (!openFile(path, &error))
    QMessageBox::warning(window_, tr("Cannot open %1").arg(printableName(QFileInfo(path).fileName())), error);
  else
    QSettings().setValue("files/last", path);
}

bool DocumentFiles::save() {
  if (path_.isEmpty()) return saveAs();
  QString error;
  if (saveFile(path_, &error)) return true;
  QMessageBox::warning(window_, tr("Cannot save"), error);
  return false;
}

bool DocumentFiles::saveAs() {
  QString path =
      QFileDialog::getSaveFileName(window_, tr("Save experiment"),
                                   path_.isEmpty() ? QSettings().value("files/last").toString() : path_, fileFilter());
  if (path.isEmpty()) return false;
  if (!path.endsWith(persist::kExtension)) path += persist::kExtension;
  QString error;
  if (!saveFile(path, &error)) {
    QMessageBox::warning(window_, tr("Cannot save"), error);
    return false;
  }
  QSettings().setValue("files/last", path);
  return true;
}

void DocumentFiles::exportMetrics() {
  const QString path = QFileDialog::getSaveFileName(window_, tr("Export metrics"), QString(), tr("CSV files (*.csv)"));
  if (path.isEmpty()) return;
  QString error;
  if (!exportMetricsTo(path, &error)) QMessageBox::warning(window_, tr("Cannot export"), error);
}

// The curves the charts show, which hold the current run's generation only.
bool DocumentFiles::exportMetricsTo(const QString& path, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    *error = file.errorString();
    return false;
  }
  QByteArray csv = "step,split,loss,accuracy\n";
  const persist::Experiment e = collect_(0);  // the curves only
  for (const auto& [split, points] :
       {std::pair{"train", &e.trainingHistory}, std::pair{"validation", &e.validationHistory}})
    for (const auto& p : *points)
      csv += QByteArray::number(qulonglong(p.step)) + "," + split + "," + QByteArray::number(p.loss, 'g', 9) + "," +
             QByteArray::number(p.accuracy, 'g', 9) + "\n";
  file.write(csv);
  if (file.commit()) return true;
  *error = file.errorString();
  return false;
}

bool DocumentFiles::maybeSave() {
  if (!modified_) return true;
  const QString name = path_.isEmpty() ? tr("Untitled") : QFileInfo(path_).fileName();
  const auto answer =
      QMessageBox::warning(window_, tr("Unsaved changes"), tr("Save changes to %1?").arg(name),
                           QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
  if (answer == QMessageBox::Save) return save();
  return answer == QMessageBox::Discard;
}

// Copying the experiment is cheap; encoding it (base64 weights) and writing it to disk are not,
// so they run on a worker thread. A write still running when the next one is due wins: skip.
void DocumentFiles::autosaveNow() {
  if (!autosave_ || !autosaveWrite_.isFinished()) return;
  autosaveWrite_ = QtConcurrent::run([slot = autosave_.get(), e = collect_(kAutosaveMomentBytes)] {
    try {
      slot->save(e);
      return QString();
    } catch (const std::exception& error) {
      return QString::fromUtf8(error.what());
    }
  });
  auto* watcher = new QFutureWatcher<QString>(this);
  connect(watcher, &QFutureWatcher<QString>::finished, this, [this, watcher] {
    const QString error = watcher->result();
    watcher->deleteLater();
    if (!error.isEmpty()) window_->statusBar()->showMessage(tr("Autosave failed: %1").arg(error), 10000);
  });
  watcher->setFuture(autosaveWrite_);
}

void DocumentFiles::offerRecovery() {
  if (!autosave_) return;
  const auto found = autosave_->recoverable();
  autosave_->begin();
  if (found.empty()) return;
  const persist::Recoverable& newest = found.front();
  const auto answer =
      QMessageBox::question(window_, tr("Restore your work?"),
                            tr("GradLab did not close properly last time. Restore the experiment it autosaved then?"),
                            QMessageBox::Yes | QMessageBox::No, QMessageBox::Yes);
  if (answer == QMessageBox::Yes) {
    QString error;
    const QString file = QString::fromStdString(newest.file.string());
    if (!openFile(file, &error)) {
      // Kept, to be offered again or rescued by hand: a failed restore must not lose the work.
      QMessageBox::warning(window_, tr("Cannot restore"), tr("%1 The autosaved file is kept: %2").arg(error, file));
      return;
    }
    setModified(true);
  }
  for (const auto& r : found) autosave_->discard(r);
}

bool DocumentFiles::close() {
  if (autosave_) {  // the last state is kept while the user decides below, here, not on a worker
    autosaveWrite_.waitForFinished();
    try {
      autosave_->save(collect_(kAutosaveMomentBytes));
    } catch (const std::exception&) {  // nothing to tell: the window is closing
    }
  }
  if (!maybeSave()) return false;
  if (autosave_) autosave_->finish();
  return true;
}

void DocumentFiles::setModified(bool modified) {
  modified_ = modified;
  updateTitle();
}

void DocumentFiles::updateTitle() {
  // Never passed to the window manager raw.
  const QString name = path_.isEmpty() ? tr("Untitled") : printableName(QFileInfo(path_).completeBaseName(), 120);
  window_->setWindowTitle(QString("%1%2 — GradLab").arg(name, modified_ ? "*" : ""));
}

}  // namespace gradlab::ui

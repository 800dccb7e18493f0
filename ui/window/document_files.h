#pragma once
// The lab window's document as a file: its path and whether it has unsaved changes (shown in the
// window's title), File > Open, Save, Save As and Export Metrics, the autosave every 30 s and the
// offer to restore what a crashed session autosaved. The window supplies the experiment to write
// and shows the one opened.
#include "persist/experiment.h"

#include <QFuture>
#include <QObject>
#include <QString>

#include <functional>
#include <memory>

class QCloseEvent;
class QMainWindow;
class QTimer;

namespace gradlab::persist {
class AutosaveSlot;
}

namespace gradlab::ui {

// What an autosave keeps of the timeline's moments: it writes every 30 s, so it keeps far less
// than a Save (persist::kSavedMomentBytes); the first and the latest moments are always kept.
inline constexpr uint64_t kAutosaveMomentBytes = uint64_t(8) << 20;

class DocumentFiles : public QObject {
  Q_OBJECT
 public:
  // The experiment as it stands, with at most `momentBytes` of the timeline's moments.
  using Collect = std::function<persist::Experiment(uint64_t momentBytes)>;
  using Show = std::function<void(const persist::Experiment&, const QString&)>;  // shows an opened file
  // `autosaveFolder` empty: the user's application data folder.
  DocumentFiles(QMainWindow* window, const QString& autosaveFolder, Collect collect, Show show);
  ~DocumentFiles() override;

  QString path() const { return path_; }
  void setPath(const QString& path) { path_ = path; }
  bool isModified() const { return modified_; }
  void setModified(bool modified);
  // A demo or the default experiment as the menu opened it: training it is watching, not unsaved
  // work (it can be run again).
  bool showingDemo() const { return showingDemo_; }
  void setShowingDemo(bool demo) { showingDemo_ = demo; }
  persist::AutosaveSlot* autosaveSlot() const { return autosave_.get(); }

  // Without dialogs: false with a message for the user.
  bool openFile(const QString& path, QString* error);
  bool saveFile(const QString& path, QString* error);
  bool exportMetricsTo(const QString& path, QString* error);
  // With dialogs: File > Open, Save, Save As, Export Metrics as CSV.
  void open();
  void openChosenFile(const QString& path);  // once Open's dialog has given a path
  bool save();
  bool saveAs();
  void exportMetrics();
  // Asks "Save changes to NAME?" when there are unsaved changes; false when the user cancels.
  bool maybeSave();
  // Collects the experiment and writes it on a worker thread (skipped while a write runs).
  void autosaveNow();
  void offerRecovery();  // after a crash: asks whether to restore the newest autosave
  // The window is closing: keeps the last state, asks about unsaved changes; false to stay open.
  bool close();

 private:
  void updateTitle();

  QMainWindow* window_;
  Collect collect_;
  Show show_;
  QString path_;
  bool modified_ = false;
  bool showingDemo_ = false;
  std::unique_ptr<persist::AutosaveSlot> autosave_;
  QFuture<QString> autosaveWrite_;  // the autosave being written (its error, or empty)
  QTimer* autosaveTimer_ = nullptr;
};

}  // namespace gradlab::ui

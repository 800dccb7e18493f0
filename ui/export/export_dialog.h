#pragma once
// File > Export view… and a view's "Export (size, animation)…": which view, as what (PNG, SVG,
// CSV, clipboard, animated GIF, MP4, PNG sequence), at what size, and for an animation which
// steps of the run: from its first to its latest step unless changed. Steps the timeline holds
// are replayed into the file at once; a range reaching past the latest step is recorded live as
// the run trains. Failures show as one line in the dialog.
#include <QDialog>

#include <cstdint>
#include <utility>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace gradlab::ui {

class RunViews;
class ViewRecorder;

class ExportDialog : public QDialog {
  Q_OBJECT
 public:
  enum class Kind { Png, Svg, Csv, Clipboard, Gif, Mp4, PngSequence };

  // The window's export dialog (made on first use), shown on `view` (null: as it was).
  static ExportDialog* open(QWidget* window, QWidget* view);
  explicit ExportDialog(QWidget* window);

  void setView(QWidget* view);
  QWidget* view() const;
  void setKind(Kind kind);
  Kind kind() const;
  void setSize(QSize size);
  void setPath(const QString& path);
  void setSteps(uint64_t first, uint64_t last);
  uint64_t firstStep() const;
  uint64_t lastStep() const;
  // Exports now (an animation: starts recording); false with message() saying why.
  bool exportNow();
  void stopRecording();
  ViewRecorder* recorder() const { return recorder_; }
  QString message() const;

 private:
  void fillViews();
  void kindChanged();
  void browse();
  void followRun();  // the steps: the run's first and latest
  bool record(const QString& path);
  void replay(RunViews* views, std::pair<size_t, size_t> range);
  void say(const QString& text, bool error);

  QWidget* window_;
  QComboBox *views_ = nullptr, *kinds_ = nullptr;
  QSpinBox *width_ = nullptr, *height_ = nullptr, *first_ = nullptr, *last_ = nullptr, *fps_ = nullptr;
  QLineEdit* path_ = nullptr;
  QPushButton *export_ = nullptr, *stop_ = nullptr, *browse_ = nullptr;
  QLabel* message_ = nullptr;
  QWidget* animation_ = nullptr;  // the rows only animations use
  ViewRecorder* recorder_ = nullptr;
};

}  // namespace gradlab::ui

#pragma once
// File > Export view… and a view's "Export (size, animation)…": which view, as what (PNG, SVG,
// CSV, clipboard, animated GIF, MP4, PNG sequence), at what size, and for an animation which
// steps of the run to record live. Failures show as one line in the dialog.
#include <QDialog>

class QComboBox;
class QLabel;
class QLineEdit;
class QPushButton;
class QSpinBox;

namespace gradlab::ui {

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
  // Exports now (an animation: starts recording); false with message() saying why.
  bool exportNow();
  void stopRecording();
  ViewRecorder* recorder() const { return recorder_; }
  QString message() const;

 private:
  void fillViews();
  void kindChanged();
  void browse();
  bool record(const QString& path);
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

#pragma once
// The network in its text form (docs/NETWORK_FORMAT.md), following the editor while untouched.
// Edited text is applied as one undoable command that replaces the graph and keeps the positions
// of the layers whose names survive; text that does not parse is never applied and its errors
// are listed with their lines.
#include <QWidget>

class QLabel;
class QPlainTextEdit;
class QPushButton;

namespace gradlab::ui {

class NetworkEditor;

class NetworkTextView : public QWidget {
  Q_OBJECT
 public:
  explicit NetworkTextView(NetworkEditor* editor, QWidget* parent = nullptr);

  QString text() const;
  void setText(const QString& text);  // as if typed: not applied yet
  bool apply();                       // false (and the errors shown) when the text does not parse
  void revert();                      // back to the editor's network
  QString errorText() const;
  bool isModified() const { return modified_; }

 private:
  void showGraph();
  void showErrors(const QStringList& errors, const QList<int>& lines);

  NetworkEditor* editor_;
  QPlainTextEdit* edit_;
  QLabel* errors_;
  QPushButton* apply_;
  QPushButton* revert_;
  QString shown_;  // the editor's network as last shown
  bool modified_ = false;
};

}  // namespace gradlab::ui

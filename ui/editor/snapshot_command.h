#pragma once
// An undoable editor command: the editor's state before and after. Consecutive commands with the
// same merge key (the same hyper-parameter of the same node) merge into one undo step.
#include "editor/editor_state.h"

#include <QUndoCommand>

#include <functional>

namespace gradlab::ui {

class SnapshotCommand : public QUndoCommand {
 public:
  using Apply = std::function<void(const EditorState&)>;
  SnapshotCommand(const QString& text, EditorState before, EditorState after, Apply apply, QString mergeKey = {});

  void undo() override { apply_(before_); }
  void redo() override { apply_(after_); }
  int id() const override { return mergeKey_.isEmpty() ? -1 : 1; }
  bool mergeWith(const QUndoCommand* other) override;

 private:
  EditorState before_, after_;
  Apply apply_;
  QString mergeKey_;
};

}  // namespace gradlab::ui

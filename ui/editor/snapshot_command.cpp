#include "editor/snapshot_command.h"

namespace gradlab::ui {

SnapshotCommand::SnapshotCommand(const QString& text, EditorState before, EditorState after, Apply apply,
                                 QString mergeKey)
    : QUndoCommand(text), before_(std::move(before)), after_(std::move(after)), apply_(std::move(apply)),
      mergeKey_(std::move(mergeKey)) {}

bool SnapshotCommand::mergeWith(const QUndoCommand* other) {
  const auto* next = static_cast<const SnapshotCommand*>(other);
  if (next->mergeKey_ != mergeKey_) return false;
  after_ = next->after_;
  return true;
}

}  // namespace gradlab::ui

#pragma once
// Everything an undo step restores: the network, where its boxes are, and what was selected.
// Each editor command holds the state before and after it, so every kind of edit undoes alike.
#include "editor/auto_layout.h"

#include <QStringList>

namespace gradlab::ui {

struct EditorState {
  nn::Graph graph;
  Positions positions;
  QStringList selection;
};

}  // namespace gradlab::ui

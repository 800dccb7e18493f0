#pragma once
// Help > Keyboard Shortcuts: every action of the window that has a key, listed from the actions
// themselves (menus first, in menu order), so the list cannot go stale.
#include <QString>

#include <vector>

class QWidget;

namespace gradlab::ui {

struct ShortcutEntry {
  QString where;  // "Run > Play"
  QString keys;   // "Space", "Ctrl+Z, Ctrl+Shift+Z"
};

std::vector<ShortcutEntry> keyboardShortcuts(const QWidget& window);
void showKeyboardShortcuts(QWidget* window);

}  // namespace gradlab::ui

#pragma once
// View > Theme: the lab's colours follow the desktop (System) or are set Light or Dark, for a
// room's lighting and a projector's contrast. The choice is remembered.
#include <QString>

class QMenu;

namespace gradlab::ui {

enum class Theme { System, Light, Dark };

// Sets the application's palette; every view follows palette changes.
void applyTheme(Theme theme);
Theme currentTheme();
// The Theme submenu of `view`, its choice checked; applies and remembers what the user picks.
QMenu* addThemeMenu(QMenu* view);

}  // namespace gradlab::ui

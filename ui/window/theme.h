#pragma once
// View > Theme: the lab's colours follow the desktop (System) or are set Light or Dark, for a
// room's lighting and a projector's contrast. The choice is remembered.
#include <QString>

class QChart;
class QMenu;
class QPalette;

namespace gradlab::ui {

enum class Theme { System, Light, Dark };

// Sets the application's palette; every view follows palette changes, the charts too once
// followPaletteInCharts() was called.
void applyTheme(Theme theme);
Theme currentTheme();
// The Theme submenu of `view`, its choice checked; applies and remembers what the user picks.
QMenu* addThemeMenu(QMenu* view);

// Qt Charts take no colour from the palette (their own theme is white): the chart's background,
// title, legend and axes (labels, titles, lines, grid) are set from `palette`, so they read in the
// Dark theme as in Light. Series keep their colours (a run's colour is its identity).
void styleChart(QChart* chart, const QPalette& palette);
// From now on every chart view of the application styles its chart from its palette: when it is
// first shown, when the palette changes (a theme, a presentation's window) and when its chart
// changes (an axis added later, as a log scale is).
void followPaletteInCharts();

}  // namespace gradlab::ui

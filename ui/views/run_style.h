#pragma once
// How the views tell the runs of a comparison apart: a colour from the Okabe-Ito palette (safe for
// the common colour-vision deficiencies) and, as a second channel that survives grey-scale
// printing and projectors, a line style. Run i of a set always gets palette entry i unless the user
// re-coloured it, so "B" is the same orange in every view.
#include <QColor>
#include <QString>
#include <Qt>

#include <cstdint>
#include <utility>
#include <vector>

namespace gradlab::ui {

// The palette's size: a set has at most train::kMaxRunsInSet (4) runs, the rest serve re-colouring.
constexpr uint32_t kRunPaletteSize = 8;

// Okabe-Ito, reordered so the first four are the most distinct on white and on dark backgrounds:
// blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow, black/white.
QColor runColor(uint32_t index);
// Solid, dashed, dotted, dash-dot, then repeating: the set's runs differ in grey too.
Qt::PenStyle runPenStyle(uint32_t index);

// One run as the views draw it.
struct RunStyle {
  uint32_t member = 0;  // the run's index in its set (train::Snapshot::member)
  QString label;        // "A", "B", or the name the user gave it
  QString description;  // what it changes from the first run: "init=xavier_normal"; "base"
  QColor color;
  Qt::PenStyle pen = Qt::SolidLine;
  bool visible = true;

  // "B: init=xavier_normal", the text legends show.
  QString legend() const { return description.isEmpty() ? label : label + ": " + description; }
};

// The default style of member `index` of a set: palette entry `index`, label "A", "B", ...
RunStyle defaultRunStyle(uint32_t index);

using RunStyles = std::vector<RunStyle>;

// The runs a view draws, in the set's order: the visible ones of `styles`; with no styles (a view
// nobody told of a set), member 0 alone in its default style.
RunStyles shownRuns(const RunStyles& styles);

// "step 300"; "steps 300 (A), 150 (B)" when the runs' steps differ (runs of different batch sizes
// take different numbers of steps over the same samples). Each entry: a run's label and step.
QString stepText(const std::vector<std::pair<QString, uint64_t>>& steps);

}  // namespace gradlab::ui

#include "views/run_style.h"

#include <QStringList>

namespace gradlab::ui {

QColor runColor(uint32_t index) {
  static const QRgb kPalette[kRunPaletteSize] = {
      qRgb(0, 114, 178),    // blue
      qRgb(213, 94, 0),     // vermillion
      qRgb(0, 158, 115),    // bluish green
      qRgb(204, 121, 167),  // reddish purple
      qRgb(230, 159, 0),    // orange
      qRgb(86, 180, 233),   // sky blue
      qRgb(240, 228, 66),   // yellow
      qRgb(0, 0, 0),        // black
  };
  return QColor(kPalette[index % kRunPaletteSize]);
}

Qt::PenStyle runPenStyle(uint32_t index) {
  static const Qt::PenStyle kStyles[] = {Qt::SolidLine, Qt::DashLine, Qt::DotLine, Qt::DashDotLine};
  return kStyles[index % 4];
}

RunStyle defaultRunStyle(uint32_t index) {
  RunStyle style;
  style.member = index;
  style.label = QString(QChar('A' + char(index % 26)));
  style.color = runColor(index);
  style.pen = runPenStyle(index);
  return style;
}

RunStyles shownRuns(const RunStyles& styles) {
  if (styles.empty()) return {defaultRunStyle(0)};
  RunStyles shown;
  for (const RunStyle& style : styles)
    if (style.visible) shown.push_back(style);
  return shown;
}

QString stepText(const std::vector<std::pair<QString, uint64_t>>& steps) {
  if (steps.empty()) return {};
  bool same = true;
  for (const auto& [label, step] : steps) same = same && step == steps.front().second;
  if (same) return QString("step %1").arg(steps.front().second);
  QStringList each;
  for (const auto& [label, step] : steps) each << QString("%1 (%2)").arg(step).arg(label);
  return "steps " + each.join(", ");
}

}  // namespace gradlab::ui

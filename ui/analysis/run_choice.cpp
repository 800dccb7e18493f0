#include "analysis/run_choice.h"

#include <QPainter>
#include <QPixmap>

namespace gradlab::ui {
namespace {

// A swatch of the run's colour crossed by a line in its line style, as the legends draw runs.
QIcon swatch(const RunStyle& style, int size) {
  QPixmap pixmap(size, size);
  pixmap.fill(Qt::transparent);
  QPainter p(&pixmap);
  p.setPen(QPen(style.color, 3, style.pen, Qt::FlatCap));
  p.drawLine(QPointF(1, size / 2.0), QPointF(size - 1, size / 2.0));
  return QIcon(pixmap);
}

}  // namespace

RunChoice::RunChoice(QWidget* parent) : QComboBox(parent) {
  setSizeAdjustPolicy(QComboBox::AdjustToContents);
  setToolTip(tr("The run of the set to analyse"));
  hide();
}

void RunChoice::setSource(const AnalysisSource* source, QWidget* label) {
  const QVariant member = currentData();
  clear();
  const bool set = source && source->isSet();
  if (set)
    for (const RunAnalysis& run : source->runs)
      addItem(swatch(run.style, fontMetrics().height()), run.style.legend(), run.style.member);
  if (member.isValid()) chooseMember(member.toUInt());
  setVisible(set);
  if (label) label->setVisible(set);
}

bool RunChoice::chooseMember(uint32_t member) {
  const int index = findData(member);
  if (index < 0) return false;
  setCurrentIndex(index);
  return true;
}

std::shared_ptr<const AnalysisSource> RunChoice::chosen(const std::shared_ptr<const AnalysisSource>& source) const {
  if (!source || !source->isSet() || currentIndex() < 0 || size_t(currentIndex()) >= source->runs.size()) return source;
  return std::make_shared<const AnalysisSource>(source->forRun(size_t(currentIndex())));
}

QString RunChoice::chosenLegend() const { return count() > 0 ? currentText() : QString(); }

}  // namespace gradlab::ui

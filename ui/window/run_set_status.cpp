#include "window/run_set_status.h"

#include <QObject>
#include <QStringList>

namespace gradlab::ui {

void RunSetStatus::setStyles(const RunStyles& styles) {
  if (styles.size() != styles_.size()) clear();
  styles_ = styles;
}

void RunSetStatus::clear() {
  rates_.clear();
  diverged_.clear();
}

void RunSetStatus::note(const train::Snapshot& s) {
  if (s.state == train::RunState::Running || s.stepsPerSecond > 0) rates_[s.member] = s.stepsPerSecond;
  if (s.nonFinite) {
    diverged_[s.member] = QString::fromStdString(s.nonFinite->message);
    rates_.erase(s.member);  // it no longer steps
  }
}

QString RunSetStatus::rates() const {
  if (!isSet()) return {};
  QStringList parts;
  for (const RunStyle& style : styles_) {
    const QString letter = style.label.left(1);
    if (diverged_.count(style.member))
      parts << QObject::tr("%1 diverged").arg(letter);
    else if (const auto it = rates_.find(style.member); it != rates_.end() && it->second > 0)
      parts << QString("%1 %2/s").arg(letter).arg(it->second, 0, 'f', 0);
  }
  return parts.join(" · ");
}

QString RunSetStatus::withRates(const QString& progress) const {
  const QString text = rates();
  return text.isEmpty() ? progress : progress + " · " + text;
}

QString RunSetStatus::banner() const {
  if (!isSet() || diverged_.empty()) return {};
  QStringList lines;
  for (const RunStyle& style : styles_) {
    const auto it = diverged_.find(style.member);
    if (it == diverged_.end()) continue;
    lines << QObject::tr("<span style=\"color:%1\">&#9632; <b>Run %2 diverged.</b></span> %3")
                 .arg(style.color.name(), style.legend().toHtmlEscaped(), it->second.toHtmlEscaped());
  }
  const bool all = diverged_.size() >= styles_.size();
  lines << (all ? QObject::tr("Every run stopped. Press Reset to start again.")
                : QObject::tr("The other runs go on; Reset starts them all again."));
  return lines.join("<br>");
}

}  // namespace gradlab::ui

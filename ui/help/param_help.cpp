#include "help/param_help.h"

#include <QApplication>
#include <QRegularExpression>
#include <QStringList>

namespace gradlab::ui::help {
namespace {

QString tr(const char* text) { return QApplication::translate("gradlab::ui::help", text); }

QString number(double value) { return QString::fromStdString(nn::formatNumber(value)); }

// Default, choices and range, as one line.
QString facts(const nn::ParamDef& def) {
  QStringList facts;
  if (def.required())
    facts << tr("required");
  else
    facts << tr("default %1").arg(QString::fromStdString(def.defaultValue));
  if (def.kind == nn::ParamKind::Choice) {
    QStringList choices;
    for (const std::string& c : def.choices) choices << QString::fromStdString(c);
    facts << tr("one of %1").arg(choices.join(", "));
  }
  const bool numeric = def.kind == nn::ParamKind::Int || def.kind == nn::ParamKind::Float;
  if (numeric && def.min <= def.max && !statesRange(QString::fromStdString(def.help)))
    facts << tr("%1 to %2").arg(number(def.min), number(def.max));
  return facts.join("; ");
}

}  // namespace

bool statesRange(const QString& help) {
  static const QRegularExpression range(R"((>=|<=|≥|≤|> -?\d|< -?\d|\bin [\[(]))");
  return help.contains(range);
}

QString paramToolTip(const nn::ParamDef& def) {
  const QString help = QString::fromStdString(def.help);
  return QString("<p><b>%1</b>: %2</p><p>%3</p>")
      .arg(QString::fromStdString(def.name).toHtmlEscaped(), help.toHtmlEscaped(), facts(def).toHtmlEscaped());
}

}  // namespace gradlab::ui::help

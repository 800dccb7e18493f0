#include "param_form.h"

#include "editor/param_fields.h"

#include <QFormLayout>
#include <QLabel>

namespace gradlab::ui {

ParamForm::ParamForm(QWidget* parent) : QWidget(parent) {
  layout_ = new QFormLayout(this);
  layout_->setContentsMargins(0, 0, 0, 0);
  layout_->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
}

void ParamForm::setParams(std::vector<nn::ParamDef> defs, const std::map<std::string, std::string>& values) {
  while (layout_->rowCount() > 0) layout_->removeRow(0);
  defs_ = std::move(defs);
  values_.clear();
  problems_.clear();
  for (const nn::ParamDef& def : defs_) {
    const auto given = values.find(def.name);
    values_[def.name] = given != values.end() ? given->second : def.defaultValue;
    ParamField* field = ParamField::create(def, this);  // the inspector's editors: same kinds, same checks
    const std::string name = def.name;
    if (valueCheck_) field->setValueCheck([this, name](const QString& text) { return valueCheck_(name, text); });
    field->setObjectName(QString::fromStdString(def.name));
    auto* reason = new QLabel(this);
    reason->setWordWrap(true);
    reason->setStyleSheet("QLabel { color: #c62828; }");
    reason->hide();
    connect(field, &ParamField::edited, this, [this, name](const QString& text) {
      values_[name] = text.toStdString();
      emit valueChanged(QString::fromStdString(name), text);
    });
    connect(field, &ParamField::problemChanged, this, [this, name, reason](const QString& why) {
      problems_[name] = why;
      reason->setText(why);
      reason->setVisible(!why.isEmpty());
      emit problemChanged();
    });
    field->setValueText(QString::fromStdString(values_[def.name]));  // a refused value shows its reason too
    layout_->addRow(QString::fromStdString(def.name), field);
    layout_->addRow(reason);
  }
}

QString ParamForm::problem() const {
  for (const nn::ParamDef& def : defs_) {
    const auto it = problems_.find(def.name);
    if (it != problems_.end() && !it->second.isEmpty()) return it->second;
  }
  return {};
}

std::map<std::string, std::string> ParamForm::changedValues() const {
  std::map<std::string, std::string> out;
  for (const nn::ParamDef& def : defs_) {
    const std::string& v = values_.at(def.name);
    if (v != def.defaultValue) out[def.name] = v;
  }
  return out;
}

}  // namespace gradlab::ui

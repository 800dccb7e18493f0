#include "param_form.h"

#include "editor/param_fields.h"

#include <QFormLayout>

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
  invalid_.clear();
  for (const nn::ParamDef& def : defs_) {
    const auto given = values.find(def.name);
    values_[def.name] = given != values.end() ? given->second : def.defaultValue;
    ParamField* field = ParamField::create(def, this);  // the inspector's editors: same kinds, same checks
    field->setValueText(QString::fromStdString(values_[def.name]));
    field->setObjectName(QString::fromStdString(def.name));
    const std::string name = def.name;
    connect(field, &ParamField::edited, this, [this, name](const QString& text) {
      values_[name] = text.toStdString();
      emit valueChanged(QString::fromStdString(name), text);
    });
    connect(field, &ParamField::problemChanged, this, [this, name](const QString& reason) { invalid_[name] = !reason.isEmpty(); });
    layout_->addRow(QString::fromStdString(def.name), field);
  }
}

std::map<std::string, std::string> ParamForm::changedValues() const {
  std::map<std::string, std::string> out;
  for (const nn::ParamDef& def : defs_) {
    const std::string& v = values_.at(def.name);
    if (v != def.defaultValue) out[def.name] = v;
  }
  return out;
}

bool ParamForm::valid() const {
  for (const auto& [name, bad] : invalid_)
    if (bad) return false;
  return true;
}

}  // namespace gradlab::ui

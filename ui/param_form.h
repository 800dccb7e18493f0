#pragma once
// A form for a list of hyper-parameters (nn::ParamDef: kind, default, range, help), such as an
// optimizer's: one of the inspector's fields (ParamField) per value, PyTorch's names as labels,
// checked as typed. A value that does not parse or is out of range turns red, its reason shows
// under it, and it is not passed on.
#include "nn/hyper_params.h"

#include <QWidget>

#include <functional>
#include <map>
#include <string>
#include <vector>

class QFormLayout;

namespace gradlab::ui {

class ParamForm : public QWidget {
  Q_OBJECT
 public:
  explicit ParamForm(QWidget* parent = nullptr);

  // Rebuilds the form; `values` override the defaults by name.
  void setParams(std::vector<nn::ParamDef> defs, const std::map<std::string, std::string>& values);
  // The values that differ from their defaults (what a file or command line needs to say).
  std::map<std::string, std::string> changedValues() const;
  bool valid() const { return problem().isEmpty(); }
  QString problem() const;  // why the first refused value was refused; empty when none is
  // The check every value passes besides its kind and declared range, for the fields from the
  // next setParams on: `check(name, text)` returns why the value is refused, or empty.
  using ValueCheck = std::function<QString(const std::string& name, const QString& text)>;
  void setValueCheck(ValueCheck check) { valueCheck_ = std::move(check); }

 signals:
  void valueChanged(const QString& name, const QString& text);
  void problemChanged();  // a value was refused, or a refused one is fine again

 private:
  std::vector<nn::ParamDef> defs_;
  std::map<std::string, std::string> values_;  // the last valid text of each
  std::map<std::string, QString> problems_;    // the refused values' reasons
  ValueCheck valueCheck_;
  QFormLayout* layout_ = nullptr;
};

}  // namespace gradlab::ui

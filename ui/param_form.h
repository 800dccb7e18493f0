#pragma once
// A form for a list of hyper-parameters (nn::ParamDef: kind, default, range, help), such as an
// optimizer's: one of the inspector's fields (ParamField) per value, PyTorch's names as labels,
// checked as typed. A value that does not parse or is out of range turns red with the reason and
// is not passed on.
#include "nn/hyper_params.h"

#include <QWidget>

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
  bool valid() const;

 signals:
  void valueChanged(const QString& name, const QString& text);

 private:
  std::vector<nn::ParamDef> defs_;
  std::map<std::string, std::string> values_;  // the last valid text of each
  std::map<std::string, bool> invalid_;
  QFormLayout* layout_ = nullptr;
};

}  // namespace gradlab::ui

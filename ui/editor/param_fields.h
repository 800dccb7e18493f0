#pragma once
// The inspector's editor for one hyper-parameter, chosen by its kind in the catalog: a spin box
// for integers, a spin box that reads and writes the text form for reals, a combo box for
// choices, a check box for flags. Text typed into a spin box is checked as it is typed with the
// engine's own parser: invalid text turns red and reports the reason, and is never applied.
#include "nn/hyper_params.h"

#include <QWidget>

#include <functional>

namespace gradlab::ui {

// Makes the mouse wheel change `field` (a spin box or combo box) only while it has keyboard focus:
// a wheel turned to scroll a form over it scrolls the form instead of editing the value.
void wheelOnlyWhenFocused(QWidget* field);

class ParamField : public QWidget {
  Q_OBJECT
 public:
  static ParamField* create(const nn::ParamDef& def, QWidget* parent);

  // Shows a value (its text form; empty: a required value not set yet) without emitting edited().
  virtual void setValueText(const QString& text) = 0;
  virtual QString valueText() const = 0;
  // The editing widget itself (the spin box, combo or check box), for focus and tests.
  virtual QWidget* editor() const = 0;
  QString problem() const { return problem_; }
  // A check beyond the declared kind and range (the whole set of values, as the engine will take
  // them): returns why `text` is refused, or empty. Refused values turn red and are not applied.
  void setValueCheck(std::function<QString(const QString& text)> check) { valueCheck_ = std::move(check); }

 signals:
  void edited(const QString& text);            // a valid new value to apply
  void problemChanged(const QString& reason);  // empty: the text is fine again

 protected:
  explicit ParamField(const nn::ParamDef& def, QWidget* parent);
  // Checks typed text with the engine's parser, colours the editor and reports the reason; true
  // when the text is a value to apply.
  bool check(QWidget* editor, const QString& text);

  nn::ParamDef def_;
  QString problem_;
  std::function<QString(const QString&)> valueCheck_;
};

}  // namespace gradlab::ui

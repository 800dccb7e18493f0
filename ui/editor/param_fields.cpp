#include "editor/param_fields.h"

#include "help/param_help.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLineEdit>
#include <QSignalBlocker>
#include <QSpinBox>

#include <cmath>

namespace gradlab::ui {
namespace {

const QColor kInvalid(214, 39, 40);

// Lets a wheel event over an unfocused field go to the widgets under it (the scroll area).
class WheelWithFocusOnly : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() != QEvent::Wheel || static_cast<QWidget*>(watched)->hasFocus()) return false;
    event->ignore();  // ignored, the application hands it on to the parent widgets
    return true;
  }
};

void setTextColor(QWidget* w, const QColor& color) {
  QPalette p = w->palette();
  p.setColor(QPalette::Text, color.isValid() ? color : w->parentWidget()->palette().color(QPalette::Text));
  w->setPalette(p);
}

// What 0 stands for, from the catalog's help ("step between windows (0: the kernel size)"):
// "= kernel size", shown instead of a bare 0. Empty when 0 is just a number.
QString zeroMeaning(const nn::ParamDef& def) {
  const QString help = QString::fromStdString(def.help);
  const int at = help.indexOf("(0: ");
  if (at < 0 || def.min != 0) return {};
  QString meaning = help.mid(at + 4).section(')', 0, 0).trimmed();
  if (meaning.startsWith("the ")) meaning = meaning.mid(4);
  return "= " + meaning;
}

// An integer spin box; a required value not yet set shows as "required" one below the minimum.
class IntSpin : public QSpinBox {
 public:
  using QSpinBox::QSpinBox;
  QLineEdit* edit() const { return lineEdit(); }
};

// A real spin box that writes the shortest text that reads back exactly ("1e-05", "0.5").
class RealSpin : public QDoubleSpinBox {
 public:
  using QDoubleSpinBox::QDoubleSpinBox;
  QLineEdit* edit() const { return lineEdit(); }
  QString textFromValue(double value) const override { return QString::fromStdString(nn::formatNumber(value)); }
  double valueFromText(const QString& text) const override { return text.toDouble(); }
  QValidator::State validate(QString& text, int&) const override {
    bool ok = false;
    const double v = text.toDouble(&ok);
    if (ok && std::isfinite(v) && v >= minimum() && v <= maximum()) return QValidator::Acceptable;
    static const QRegularExpression partial("^[-+]?[0-9]*\\.?[0-9]*([eE][-+]?[0-9]*)?$");
    return partial.match(text).hasMatch() ? QValidator::Intermediate : QValidator::Invalid;
  }
};

class IntField : public ParamField {
 public:
  IntField(const nn::ParamDef& def, QWidget* parent) : ParamField(def, parent) {
    spin_ = new IntSpin(this);
    const bool bounded = def.min <= def.max;
    spin_->setRange(bounded ? int(def.min) - (def.required() ? 1 : 0) : -1000000000,
                    bounded ? int(def.max) : 1000000000);
    if (def.required())
      spin_->setSpecialValueText(tr("required"));
    else
      spin_->setSpecialValueText(zeroMeaning(def));
    spin_->setKeyboardTracking(false);
    layout()->addWidget(spin_);
    wheelOnlyWhenFocused(spin_);
    connect(spin_, &QSpinBox::valueChanged, this, [this](int v) {
      if (def_.required() && v == spin_->minimum()) return;  // "required" is not a value
      if (check(spin_, QString::number(v))) emit edited(QString::number(v));
    });
    connect(spin_->edit(), &QLineEdit::textEdited, this, [this](const QString& text) { check(spin_, text); });
    connect(spin_, &QSpinBox::editingFinished, this, [this] { check(spin_, valueText()); });
  }
  void setValueText(const QString& text) override {
    const QSignalBlocker block(spin_);
    spin_->setValue(text.isEmpty() ? spin_->minimum() : text.toInt());
    check(spin_, valueText());
  }
  QString valueText() const override {
    return def_.required() && spin_->value() == spin_->minimum() ? QString() : QString::number(spin_->value());
  }
  QWidget* editor() const override { return spin_; }

 private:
  IntSpin* spin_;
};

class RealField : public ParamField {
 public:
  RealField(const nn::ParamDef& def, QWidget* parent) : ParamField(def, parent) {
    spin_ = new RealSpin(this);
    spin_->setDecimals(15);
    if (def.min <= def.max)
      spin_->setRange(def.min, def.max);
    else
      spin_->setRange(-1e30, 1e30);
    spin_->setSingleStep(def.max - def.min <= 1 ? 0.01 : 0.1);
    spin_->setKeyboardTracking(false);
    layout()->addWidget(spin_);
    wheelOnlyWhenFocused(spin_);
    connect(spin_, &QDoubleSpinBox::valueChanged, this, [this](double v) {
      const QString text = QString::fromStdString(nn::formatNumber(v));
      if (check(spin_, text)) emit edited(text);
    });
    connect(spin_->edit(), &QLineEdit::textEdited, this, [this](const QString& text) { check(spin_, text); });
    connect(spin_, &QDoubleSpinBox::editingFinished, this, [this] { check(spin_, valueText()); });
  }
  void setValueText(const QString& text) override {
    const QSignalBlocker block(spin_);
    spin_->setValue(text.toDouble());
    check(spin_, valueText());
  }
  QString valueText() const override { return QString::fromStdString(nn::formatNumber(spin_->value())); }
  QWidget* editor() const override { return spin_; }

 private:
  RealSpin* spin_;
};

class ChoiceField : public ParamField {
 public:
  ChoiceField(const nn::ParamDef& def, QWidget* parent) : ParamField(def, parent) {
    combo_ = new QComboBox(this);
    for (const auto& c : def.choices) combo_->addItem(QString::fromStdString(c));
    layout()->addWidget(combo_);
    wheelOnlyWhenFocused(combo_);
    connect(combo_, &QComboBox::currentTextChanged, this, [this](const QString& text) { emit edited(text); });
  }
  void setValueText(const QString& text) override {
    const QSignalBlocker block(combo_);
    combo_->setCurrentText(text);
  }
  QString valueText() const override { return combo_->currentText(); }
  QWidget* editor() const override { return combo_; }

 private:
  QComboBox* combo_;
};

class BoolField : public ParamField {
 public:
  BoolField(const nn::ParamDef& def, QWidget* parent) : ParamField(def, parent) {
    box_ = new QCheckBox(this);
    layout()->addWidget(box_);
    connect(box_, &QCheckBox::toggled, this, [this](bool on) { emit edited(on ? "true" : "false"); });
  }
  void setValueText(const QString& text) override {
    const QSignalBlocker block(box_);
    box_->setChecked(text == "true");
  }
  QString valueText() const override { return box_->isChecked() ? "true" : "false"; }
  QWidget* editor() const override { return box_; }

 private:
  QCheckBox* box_;
};

}  // namespace

void wheelOnlyWhenFocused(QWidget* field) {
  field->setFocusPolicy(Qt::StrongFocus);  // not Qt::WheelFocus: a wheel passing over does not take focus
  field->installEventFilter(new WheelWithFocusOnly(field));
}

ParamField::ParamField(const nn::ParamDef& def, QWidget* parent) : QWidget(parent), def_(def) {
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  setToolTip(help::paramToolTip(def));
}

ParamField* ParamField::create(const nn::ParamDef& def, QWidget* parent) {
  switch (def.kind) {
    case nn::ParamKind::Int: return new IntField(def, parent);
    case nn::ParamKind::Float: return new RealField(def, parent);
    case nn::ParamKind::Choice: return new ChoiceField(def, parent);
    case nn::ParamKind::Bool: return new BoolField(def, parent);
  }
  return nullptr;
}

bool ParamField::check(QWidget* editor, const QString& text) {
  const QString value = text == tr("required") ? QString() : text.trimmed();
  QString reason = QString::fromStdString(nn::valueProblem(def_, value.toStdString()));
  if (reason.isEmpty() && !value.isEmpty() && valueCheck_) reason = valueCheck_(value);
  setTextColor(editor, reason.isEmpty() ? QColor() : kInvalid);
  if (reason != problem_) {
    problem_ = reason;
    emit problemChanged(reason);
  }
  return reason.isEmpty();
}

}  // namespace gradlab::ui

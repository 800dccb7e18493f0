#pragma once
// The selected layer's details: its type, its name (renamed in place, checked to be a free
// identifier), what it outputs and how many parameters it has, the engine's messages about it,
// and every hyper-parameter of its type with an editor fitting its kind, under PyTorch's names.
// For an input: its shape. Each change is an undoable command on the editor's stack. A field
// that means nothing under the others' values (init_std unless init=normal) is not shown; the
// engine's messages and why a typed value is refused appear in a fixed area under the fields,
// so no field moves under the mouse as a message comes and goes.
#include <QWidget>

#include <map>

class QFormLayout;
class QLabel;
class QLineEdit;
class QScrollArea;

namespace gradlab::ui {

class NetworkEditor;
class ParamField;

class LayerInspector : public QWidget {
  Q_OBJECT
 public:
  explicit LayerInspector(NetworkEditor* editor, QWidget* parent = nullptr);

  QString node() const { return node_; }  // the layer shown; empty: none
  QLineEdit* nameField() const { return name_; }
  QLineEdit* shapeField() const { return shape_; }
  ParamField* paramField(const QString& key) const;
  QString problem(const QString& field) const;  // "name", "shape" or a hyper-parameter: why its text is invalid
  QString messageText() const;                  // what the fixed area under the fields says
  bool fieldShown(const QString& key) const;    // whether the row of a hyper-parameter is shown

 private:
  void rebuild();
  void refresh();
  void setProblem(const QString& field, const QString& reason);
  void showMessages();
  void addNameRow(QFormLayout* form);
  void addShapeRow(QFormLayout* form);

  NetworkEditor* editor_;
  QString node_, type_;
  QScrollArea* scroll_;
  QWidget* form_ = nullptr;
  QLabel* header_ = nullptr;
  QLabel* facts_ = nullptr;
  QLabel* messages_ = nullptr;  // under the scroll area: its height never moves the fields
  QFormLayout* formLayout_ = nullptr;
  QLineEdit* name_ = nullptr;
  QLineEdit* shape_ = nullptr;
  std::map<QString, ParamField*> fields_;
  std::map<QString, QString> problems_;  // field -> why its text is refused
  QStringList engineMessages_;           // the engine's about this layer
};

}  // namespace gradlab::ui

#pragma once
// The selected layer's details: its type, its name (renamed in place, checked to be a free
// identifier), what it outputs and how many parameters it has, the engine's messages about it,
// and every hyper-parameter of its type with an editor fitting its kind, under PyTorch's names.
// For an input: its shape. Each change is an undoable command on the editor's stack. A field
// that means nothing under the others' values (init_std unless init=normal) is not shown; the
// engine's messages and why a typed value is refused appear in a fixed area under the fields,
// so no field moves under the mouse as a message comes and goes. A layer with parameters also
// shows how it trains when fine-tuning (frozen, learning-rate multiplier): training settings, not
// the network's, read from and handed back to the window's training settings.
#include "persist/experiment.h"

#include <QWidget>

#include <functional>
#include <map>

class QCheckBox;
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
  // The training settings the frozen and lr multiplier fields show (unset: no such fields).
  void setTrainingSettingsSource(std::function<persist::TrainingSettings()> source);
  QCheckBox* frozenField() const { return frozen_; }        // null when not shown
  QLineEdit* lrMultiplierField() const { return lrMult_; }  // null when not shown
  // The training settings changed elsewhere (opened, edited in the training panel).
  void showTrainingSettings() { refresh(); }

 signals:
  // The user froze or unfroze `node`, or gave it a valid multiplier of the rate ("": the run's rate).
  void layerTrainingEdited(const QString& node, bool frozen, const QString& lrMultiplier);

 private:
  void rebuild();
  void refresh();
  void setProblem(const QString& field, const QString& reason);
  void showMessages();
  void addNameRow(QFormLayout* form);
  void addShapeRow(QFormLayout* form);
  void addTrainingRows(QFormLayout* form);
  void refreshTraining();

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
  QCheckBox* frozen_ = nullptr;
  QLineEdit* lrMult_ = nullptr;
  std::function<persist::TrainingSettings()> trainingSettings_;
  std::map<QString, ParamField*> fields_;
  std::map<QString, QString> problems_;  // field -> why its text is refused
  QStringList engineMessages_;           // the engine's about this layer
};

}  // namespace gradlab::ui

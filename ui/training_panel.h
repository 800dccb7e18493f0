#pragma once
// The training settings beside the canvas: the dataset with a preview of its samples, the
// optimizer with its hyper-parameters, the learning-rate schedule, batch size, epochs, seed and
// device, and the Play / Step / Reset buttons. It edits persist::TrainingSettings, the same
// values a saved experiment and gradlab-cli train take.
#include "persist/experiment.h"

#include <QWidget>

#include <functional>
#include <memory>

class QAction;
class QComboBox;
class QLabel;
class QLineEdit;
class QSpinBox;
class QDoubleSpinBox;
class QWidget;

namespace gradlab::data {
struct Dataset;
}

namespace gradlab::ui {

class DatasetPreview;
class ParamForm;

class TrainingPanel : public QWidget {
  Q_OBJECT
 public:
  explicit TrainingPanel(QWidget* parent = nullptr);

  void setSettings(const persist::TrainingSettings& settings);
  persist::TrainingSettings settings() const { return settings_; }
  void setRunActions(QAction* play, QAction* step, QAction* reset);
  void setDataset(std::shared_ptr<const data::Dataset> train);
  QString problem() const { return problem_; }  // empty when every value is valid
  // Asks for the folder or file of a dataset kind ("images", "cifar" or "points"); empty when
  // cancelled. A file dialog unless replaced (tests).
  using PathPicker = std::function<QString(const QString& kind)>;
  void setPathPicker(PathPicker picker) { pickPath_ = std::move(picker); }
  // Another dataset as if chosen here (points drawn on the boundary view): emits settingsChanged.
  void chooseDataset(const std::string& name);
  // Layer `layer` frozen or not, and trained at `lrMultiplier` times the rate ("" or "1": the run's
  // rate), as the layer inspector sets them: emits settingsChanged when that changes the settings.
  void setLayerTraining(const std::string& layer, bool frozen, const std::string& lrMultiplier);

 signals:
  // A setting that needs the run rebuilt changed (the dataset, the optimizer, the batch...).
  void settingsChanged();
  // Only the learning rate changed: a running run can take it on the fly.
  void learningRateChanged(double rate);
  // The dataset shown changed: chosen here, or set with the settings of an experiment.
  void datasetShown(const std::string& name);

 private:
  void fromWidgets();
  void pickDatasetPath(const QString& kind);
  void showDataRows(const std::string& dataset);
  void showOptimizer();
  void validate();

  persist::TrainingSettings settings_;
  PathPicker pickPath_;
  bool updating_ = false;
  QString problem_;
  QComboBox* dataset_ = nullptr;
  QSpinBox *toySamples_ = nullptr, *limit_ = nullptr, *batch_ = nullptr, *epochs_ = nullptr, *seed_ = nullptr;
  QDoubleSpinBox* toyNoise_ = nullptr;
  QWidget *toyRow_ = nullptr, *limitRow_ = nullptr;
  QLineEdit* classes_ = nullptr;  // the classes kept, as the dataset name carries them (data::splitClassSubset)
  DatasetPreview* preview_ = nullptr;
  QComboBox* optimizer_ = nullptr;
  QLabel* optimizerSummary_ = nullptr;
  ParamForm* optimizerForm_ = nullptr;
  QLineEdit* schedule_ = nullptr;
  QLineEdit* device_ = nullptr;
  QComboBox* conv_ = nullptr;  // how convolutions compute: auto, direct, fft
  QLabel* problemLabel_ = nullptr;
  QWidget* buttons_ = nullptr;
};

}  // namespace gradlab::ui

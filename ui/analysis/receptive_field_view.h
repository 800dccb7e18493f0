#pragma once
// Receptive fields: a table of every layer's theoretical field (size, jump and start per axis, in
// input pixels) and, for a chosen unit (layer, channel, position; a click on a row picks the
// layer's centre unit), its effective receptive field measured on the device — the mean
// |d unit / d pixel| over a batch of training images or of gaussian noise — drawn beside the
// first input with the theoretical box on both, and the share of the gradient inside the box.
// Dense networks see the whole input, which the view says instead of drawing. With a run set, a
// combo chooses the run whose network and weights are analysed.
#include "analysis/analysis_source.h"
#include "analysis/receptive_field.h"
#include "analysis/receptive_field_job.h"

#include <QWidget>

#include <memory>
#include <optional>

class QCheckBox;
class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;
template <class T>
class QFutureWatcher;

namespace gradlab::ui {

class HeatmapPlot;
class RunChoice;

class ReceptiveFieldView : public QWidget {
  Q_OBJECT
 public:
  explicit ReceptiveFieldView(QWidget* parent = nullptr);

  // Fills the table at once (no device work); Compute measures with this source.
  void setSource(std::shared_ptr<const AnalysisSource> source);

  // The unit to measure: a layer of the table and, for image outputs, channel and position.
  bool selectLayer(const QString& node);  // false: not a layer one can measure
  void setUnit(int channel, int y, int x);
  void setNoise(bool noise);
  void setBatch(int batch);

  const std::vector<analysis::ReceptiveField>& fields() const { return fields_; }
  QTableWidget* table() const { return table_; }
  QComboBox* runChoice() const;  // shown only when the source is a run set
  bool canMeasure() const;       // a layer with spatial axes to measure, so the measuring pane shows
  HeatmapPlot* fieldPlot() const { return heat_; }
  HeatmapPlot* inputPlot() const { return input_; }
  const ReceptiveFieldResult* result() const { return shown_ ? &*shown_ : nullptr; }
  bool isRunning() const { return watcher_ != nullptr; }
  QString statusText() const;
  // The shown field's heat map: one row per input pixel (y, x), its heat, and whether it lies in
  // the theoretical field.
  QString csv() const;

 public slots:
  void compute();

 signals:
  void finished();  // a measurement ended: shown or failed (statusText says which)

 private:
  void fillTable();
  void layerChosen();
  void showResult(const ReceptiveFieldResult& result);

  std::shared_ptr<const AnalysisSource> source_;
  std::shared_ptr<const AnalysisSource> analysed_;  // source_, or its chosen run
  std::vector<analysis::ReceptiveField> fields_;    // input first, then the graph's nodes
  std::optional<ReceptiveFieldResult> shown_;

  RunChoice* run_;
  QLabel* runLabel_;
  QLabel* summary_;
  QTableWidget* table_;
  QComboBox* layer_;
  QSpinBox* channel_;
  QSpinBox* y_;
  QSpinBox* x_;
  QCheckBox* noise_;
  QSpinBox* batch_;
  QPushButton* computeButton_;
  QWidget* measurePane_;  // the unit's controls, the status line and the two plots
  QLabel* status_;
  HeatmapPlot* input_;
  HeatmapPlot* heat_;
  QFutureWatcher<ReceptiveFieldResult>* watcher_ = nullptr;
};

}  // namespace gradlab::ui

#pragma once
// The gradient check as a dialog: the engine's backward pass against finite differences on the
// current network and weights (analysis::checkGradients, on a worker thread with a Context of
// its own), one table row per parameter tensor — entries checked, largest relative error, a
// verdict coloured by band and the entries left out for crossing a kink — and an overall pass or
// fail line that counts the kinks apart from the errors. Tooltips explain the bands and kinks.
// With a run set, a combo chooses the run whose network and weights are checked.
#include "analysis/analysis_source.h"
#include "analysis/gradient_check_job.h"

#include <QDialog>

#include <memory>
#include <optional>

class QComboBox;
class QLabel;
class QPushButton;
class QSpinBox;
class QTableWidget;
template <class T>
class QFutureWatcher;

namespace gradlab::ui {

class RunChoice;

class GradientCheckDialog : public QDialog {
  Q_OBJECT
 public:
  explicit GradientCheckDialog(QWidget* parent = nullptr);

  void setSource(std::shared_ptr<const AnalysisSource> source);

  bool isRunning() const { return watcher_ != nullptr; }
  const GradientCheckResult* result() const { return shown_ ? &*shown_ : nullptr; }
  QTableWidget* table() const { return table_; }
  QComboBox* runChoice() const;  // shown only when the source is a run set
  QString verdictText() const;

  // The bands of a relative error and why float32 reads higher than double: the tooltip text.
  static QString bandsExplanation();
  // What the kinks column counts and why those entries are not errors: the tooltip text.
  static QString kinksExplanation();

 public slots:
  void start();  // runs the check (again) on the source; the dialog stays responsive

 signals:
  void finished();  // a check ended: shown or failed (verdictText says which)

 private:
  void showResult(const GradientCheckResult& result, const QString& run);  // run: its legend, empty without a set
  // The lines under the verdict about kinks and straddling units; empty when there were none.
  static QString kinksSummary(const analysis::GradientCheckReport& report);

  std::shared_ptr<const AnalysisSource> source_;
  std::optional<GradientCheckResult> shown_;
  QLabel* intro_;
  RunChoice* run_;
  QLabel* runLabel_;
  QSpinBox* entries_;
  QSpinBox* batch_;
  QPushButton* checkButton_;
  QTableWidget* table_;
  QLabel* verdict_;
  QFutureWatcher<GradientCheckResult>* watcher_ = nullptr;
};

}  // namespace gradlab::ui

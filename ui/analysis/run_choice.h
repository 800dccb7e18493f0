#pragma once
// The run a one-run analysis (gradient check, receptive field) looks at, when the lab shows a run
// set: a combo of the set's runs, each with its colour swatch and legend. Hidden without a set.
#include "analysis/analysis_source.h"

#include <QComboBox>

#include <memory>

namespace gradlab::ui {

class RunChoice : public QComboBox {
 public:
  explicit RunChoice(QWidget* parent = nullptr);

  // Lists the source's runs, keeping the chosen run (by member) when it is still there; hides
  // itself (and `label`, if given) unless the source is a set.
  void setSource(const AnalysisSource* source, QWidget* label = nullptr);
  // Chooses the run that is member `member` of the set; false when none is.
  bool chooseMember(uint32_t member);

  // What to analyse: `source` itself without a set, else the chosen run of it (forRun).
  std::shared_ptr<const AnalysisSource> chosen(const std::shared_ptr<const AnalysisSource>& source) const;
  // "B: lr=0.1", the chosen run's legend; empty without a set.
  QString chosenLegend() const;
};

}  // namespace gradlab::ui

#pragma once
// What the status bar and the banner say about the runs of a set: each run's step rate
// ("A 120/s · B 118/s") and, for each run that diverged, a line in its own colour while the others
// go on. A run alone keeps the window's single-run wording, so this says nothing then.
#include "train/run.h"
#include "views/run_style.h"

#include <QString>

#include <map>

namespace gradlab::ui {

class RunSetStatus {
 public:
  // Empty: a run alone. Another number of runs (one added or removed) forgets the old members' rates
  // and divergences: member i is another run now.
  void setStyles(const RunStyles& styles);
  void clear();  // a new run or a reset: no rates, no divergence
  bool isSet() const { return styles_.size() >= 2; }
  // Notes member `s.member`'s rate and divergence.
  void note(const train::Snapshot& s);
  QString rates() const;  // "A 120/s · B 118/s"; empty for a run alone or before any rate
  // The status bar's progress text with the rates after it: "step 300 · ... · A 120/s · B 118/s".
  QString withRates(const QString& progress) const;
  QString banner() const;  // rich text, one line per diverged run; empty when none did

 private:
  RunStyles styles_;
  std::map<uint32_t, double> rates_;
  std::map<uint32_t, QString> diverged_;  // member -> what went non-finite
};

}  // namespace gradlab::ui

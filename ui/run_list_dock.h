#pragma once
// The run list: the runs of the experiment's comparison, one row each, with a colour swatch (its
// colour and line style in every view), a visibility checkbox, its name, what it changes from the
// first run, and its state and step rate. Compare… adds a run (at most train::kMaxRunsInSet), and
// a run can be removed, renamed and re-coloured. The first run, "A", is the experiment itself.
// Editing the set (adding, removing) asks for a rebuilt run; visibility, names and colours only
// restyle the views.
#include "persist/experiment.h"
#include "train/run.h"
#include "views/run_style.h"

#include <QWidget>

class QLabel;
class QPushButton;
class QTableWidget;

namespace gradlab::ui {

class RunListDock : public QWidget {
  Q_OBJECT
 public:
  explicit RunListDock(QWidget* parent = nullptr);

  // The document's runs: the first run's look and runs 2-4, with what each changes in words
  // (`descriptions`, one per run; missing ones are made from the changes).
  void setRuns(const persist::RunLook& first, const std::vector<persist::RunVariant>& comparisons,
               const std::vector<QString>& descriptions = {});
  const persist::RunLook& firstLook() const { return first_; }
  const std::vector<persist::RunVariant>& comparisons() const { return comparisons_; }
  size_t runCount() const { return comparisons_.size() + 1; }
  // How every view draws the runs: member i is row i.
  RunStyles styles() const;

  // Lines under the table about the set as a whole (a run that could not follow an edit of the
  // first run's network); empty hides them. setRuns clears them.
  void setNotice(const QStringList& lines);
  QString notice() const;

  // A run's state as its latest snapshot says; `diverged` when it stopped on a NaN or infinity.
  void showState(uint32_t member, train::RunState state, bool diverged);
  void clearStates();

  // What the buttons do, also for tests and scripts. Each returns false (and changes nothing) for a
  // run that is not there, or a set that is full.
  bool addRun(const persist::RunVariant& run);  // labelled and coloured by its place in the set
  bool removeRun(uint32_t member);              // never the first
  bool renameRun(uint32_t member, const QString& name);
  bool recolourRun(uint32_t member, uint32_t paletteIndex);
  bool setRunVisible(uint32_t member, bool visible);

  // The table's text, for tests: row = member; columns: 0 swatch, 1 run, 2 changes, 3 state.
  QString cellText(int row, int column) const;
  const QTableWidget* table() const { return table_; }

 signals:
  void compareRequested();  // Compare… pressed: the window asks what the new run changes
  void runsEdited();        // runs added or removed: the set must be built again
  void looksChanged();      // a name, colour or visibility changed: only the views' styles
  void namesChanged();      // a name or colour changed: the document has unsaved changes

 private:
  void refill();
  void updateButtons();
  int selectedMember() const;
  void chooseColour();
  void rename();
  QString labelOf(uint32_t member) const;

  std::vector<persist::RunVariant> comparisons_;
  std::vector<QString> descriptions_;  // per comparison
  persist::RunLook first_;             // the experiment's own run, A
  std::vector<QString> states_;        // per member
  std::vector<bool> diverged_;
  QTableWidget* table_ = nullptr;
  QLabel* notice_ = nullptr;
  QPushButton *compare_ = nullptr, *remove_ = nullptr, *rename_ = nullptr, *colour_ = nullptr;
  bool filling_ = false;
};

// What `changes` says in words when nothing better is known: "init=xavier_normal; lr=0.01".
QString changesText(const std::map<std::string, std::string>& changes);

}  // namespace gradlab::ui

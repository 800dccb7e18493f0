#pragma once
// Compare…: what the next run of a comparison changes from the first. One setting at a time
// (initialisation, optimizer, learning rate, batch size, seed, or BatchNorm/Dropout inserted or
// removed), its editor opened on the base's value, and a preview of the run's legend. The values
// are checked as an experiment file's are (persist::variantExperiment) before the dialog accepts.
#include "persist/experiment.h"

#include <QDialog>
#include <QStringList>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QSpinBox;
class QStackedWidget;

namespace gradlab::nn {
struct Graph;
}

namespace gradlab::ui {

// The network variants `graph` can have, as (words, network text): BatchNorm1d after every Linear
// but the last, Dropout(p=0.5) after every activation, and without each of BatchNorm1d,
// BatchNorm2d and Dropout it has. The words are what RunVariant::changes["network"] holds.
std::vector<std::pair<std::string, std::string>> networkVariants(const nn::Graph& graph);

// After an edit of the first run's network (`base`): each run of `comparisons` whose network is a
// variant of the first's (changes["network"] holds the variant's words) made again from `base`.
// A run whose variant `base` cannot have, or whose network is its own (a file's, or text without
// variant words), keeps its network text as it was; the result has one line for each such run,
// saying so. `changed` (when given) tells whether any run's network text changed.
QStringList rebuildVariants(const nn::Graph& base, std::vector<persist::RunVariant>& comparisons,
                            bool* changed = nullptr);

class CompareDialog : public QDialog {
  Q_OBJECT
 public:
  // `base`: the experiment the new run differs from; `label`: the new run's ("B").
  CompareDialog(const persist::Experiment& base, const QString& label, QWidget* parent = nullptr);

  // The settings it offers, by their compare keys: "init", "optimizer", "lr", "batch", "seed",
  // "network".
  static QStringList keys();
  // Opens the editor of `key`; false for a key it does not offer.
  bool choose(const QString& key);
  QString chosenKey() const;
  // Sets the chosen setting's value as text ("xavier_normal", "adam", "0.01", "32"; for "network"
  // one of networkChoices()); false when the editor has no such value.
  bool setValue(const QString& value);
  // The network variants this base offers ("BatchNorm1d after every Linear but the last", ...).
  QStringList networkChoices() const { return networkNames_; }

  // The run as chosen: its changes, and its network text when the network changes. Empty with a
  // message in `error` when the base refuses it.
  std::optional<persist::RunVariant> run(QString* error) const;
  QString preview() const;  // the run's legend as it will read

  void accept() override;  // only a run the base accepts

 private:
  void updatePreview();

  persist::Experiment base_;
  QString label_;
  QComboBox* what_ = nullptr;
  QStackedWidget* editors_ = nullptr;
  QComboBox *init_ = nullptr, *optimizer_ = nullptr, *network_ = nullptr;
  QDoubleSpinBox* lr_ = nullptr;
  QSpinBox *batch_ = nullptr, *seed_ = nullptr;
  QLabel *preview_ = nullptr, *error_ = nullptr;
  QStringList networkNames_;
  std::vector<std::string> networkTexts_;  // per networkNames_ entry
};

}  // namespace gradlab::ui

#include "compare_dialog.h"

#include "nn/graph_variants.h"
#include "nn/network_text.h"
#include "optim/optimizer.h"
#include "persist/run_variant.h"
#include "util/printable.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QDoubleSpinBox>
#include <QFormLayout>
#include <QLabel>
#include <QSpinBox>
#include <QStackedWidget>
#include <QVBoxLayout>

#include <algorithm>

namespace gradlab::ui {
namespace {

struct Setting {
  const char* key;
  const char* title;
};
const Setting kSettings[] = {{"init", "Initialisation"}, {"optimizer", "Optimizer"},
                             {"lr", "Learning rate"},    {"batch", "Batch size"},
                             {"seed", "Seed"},           {"network", "BatchNorm / Dropout"}};

double baseLearningRate(const persist::TrainingSettings& s) {
  const auto it = s.optimizerValues.find("lr");
  return it == s.optimizerValues.end() ? 0.1 : QString::fromStdString(it->second).toDouble();
}

}  // namespace

std::vector<std::pair<std::string, std::string>> networkVariants(const nn::Graph& graph) {
  std::vector<std::pair<std::string, std::string>> variants;
  auto offer = [&](const std::string& words, const std::function<nn::Graph()>& make) {
    try {
      variants.emplace_back(words, nn::printNetwork(make()));
    } catch (const std::exception&) {  // a variant this network cannot have is not offered
    }
  };
  const nn::LayerInsertion batchNorm{"BatchNorm1d", {}, nn::LayerInsertion::After::EveryLinearButLast};
  const nn::LayerInsertion dropout{"Dropout", {{"p", "0.5"}}, nn::LayerInsertion::After::EveryActivation};
  for (const auto& insertion : {batchNorm, dropout})
    offer(nn::describe(insertion), [&] { return nn::insertLayers(graph, insertion); });
  for (const char* type : {"BatchNorm1d", "BatchNorm2d", "Dropout"})
    offer(nn::describeRemoval(type), [&] { return nn::removeLayers(graph, type); });
  return variants;
}

QStringList rebuildVariants(const nn::Graph& base, std::vector<persist::RunVariant>& comparisons, bool* changed) {
  const auto variants = networkVariants(base);
  QStringList kept;
  if (changed) *changed = false;
  for (persist::RunVariant& run : comparisons) {
    const QString label = QString::fromStdString(util::printable(run.label, 8));
    const auto words = run.changes.find("network");
    if (words == run.changes.end()) {
      if (!run.network.empty())
        kept << QObject::tr("Run %1 keeps its own network, which does not follow edits of run A's.").arg(label);
      continue;
    }
    const auto variant =
        std::find_if(variants.begin(), variants.end(), [&](const auto& v) { return v.first == words->second; });
    const QString quoted = QString::fromStdString(util::printable(words->second, 80));
    if (variant == variants.end()) {
      kept << (run.network.empty()
                   ? QObject::tr("Run %1 keeps its own network (%2), which does not follow edits of run A's.")
                         .arg(label, quoted)
                   : QObject::tr("Run %1 keeps its network from before the edit: the edited network cannot have "
                                 "\"%2\".")
                         .arg(label, quoted));
      continue;
    }
    if (run.network != variant->second) {
      run.network = variant->second;
      if (changed) *changed = true;
    }
  }
  return kept;
}

CompareDialog::CompareDialog(const persist::Experiment& base, const QString& label, QWidget* parent)
    : QDialog(parent), base_(base), label_(label) {
  setWindowTitle(tr("Compare: add run %1").arg(label));
  what_ = new QComboBox(this);
  editors_ = new QStackedWidget(this);

  init_ = new QComboBox(this);
  init_->setEditable(true);  // any spec gradlab-cli probe --init takes
  init_->addItems({"normal:std=0.01", "xavier_normal", "xavier_uniform", "kaiming_normal", "kaiming_uniform",
                   "uniform:a=0.05", "default"});
  optimizer_ = new QComboBox(this);
  for (const optim::OptimizerDef& def : optim::optimizerCatalog())
    optimizer_->addItem(QString::fromStdString(def.title), QString::fromStdString(def.name));
  lr_ = new QDoubleSpinBox(this);
  lr_->setDecimals(6);
  lr_->setRange(0.000001, 1000);
  lr_->setValue(std::min(1000.0, baseLearningRate(base.training) * 10));
  batch_ = new QSpinBox(this);
  batch_->setRange(1, 65536);
  batch_->setValue(int(std::max<uint32_t>(1, base.training.batch / 2)));
  batch_->setToolTip(tr("Runs advance by samples seen: every run's batch must divide the largest"));
  seed_ = new QSpinBox(this);
  seed_->setRange(0, std::numeric_limits<int>::max());
  seed_->setValue(int(base.training.seed + 1));
  network_ = new QComboBox(this);

  // The network variants this base has: BatchNorm or Dropout inserted, or a kind it has removed.
  const auto parsed = nn::parseNetwork(base.network);
  if (parsed.ok())
    for (const auto& [words, text] : networkVariants(parsed.graph)) {
      networkNames_ << QString::fromStdString(words);
      networkTexts_.push_back(text);
    }
  network_->addItems(networkNames_);

  for (QWidget* editor : std::initializer_list<QWidget*>{init_, optimizer_, lr_, batch_, seed_, network_}) {
    auto* page = new QWidget(editors_);
    auto* form = new QFormLayout(page);
    form->setContentsMargins(0, 0, 0, 0);
    form->addRow(tr("New value:"), editor);
    editors_->addWidget(page);
  }
  for (const Setting& s : kSettings) what_->addItem(tr(s.title), QString(s.key));
  connect(what_, &QComboBox::currentIndexChanged, editors_, &QStackedWidget::setCurrentIndex);
  connect(what_, &QComboBox::currentIndexChanged, this, &CompareDialog::updatePreview);
  connect(init_, &QComboBox::currentTextChanged, this, &CompareDialog::updatePreview);
  connect(optimizer_, &QComboBox::currentIndexChanged, this, &CompareDialog::updatePreview);
  connect(network_, &QComboBox::currentIndexChanged, this, &CompareDialog::updatePreview);
  connect(lr_, &QDoubleSpinBox::valueChanged, this, &CompareDialog::updatePreview);
  connect(batch_, &QSpinBox::valueChanged, this, &CompareDialog::updatePreview);
  connect(seed_, &QSpinBox::valueChanged, this, &CompareDialog::updatePreview);

  preview_ = new QLabel(this);
  preview_->setWordWrap(true);
  error_ = new QLabel(this);
  error_->setWordWrap(true);
  error_->setStyleSheet("color: #b00020;");
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
  connect(buttons, &QDialogButtonBox::accepted, this, &CompareDialog::accept);
  connect(buttons, &QDialogButtonBox::rejected, this, &CompareDialog::reject);

  auto* form = new QFormLayout;
  form->addRow(tr("What changes:"), what_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(new QLabel(tr("Run %1 trains beside the others from the same initial weights on the same batches, "
                                  "with one setting changed.")
                                   .arg(label),
                               this));
  layout->itemAt(0)->widget()->setProperty("wordWrap", true);
  layout->addLayout(form);
  layout->addWidget(editors_);
  layout->addWidget(preview_);
  layout->addWidget(error_);
  layout->addWidget(buttons);
  updatePreview();
}

QStringList CompareDialog::keys() {
  QStringList keys;
  for (const Setting& s : kSettings) keys << s.key;
  return keys;
}

bool CompareDialog::choose(const QString& key) {
  const int index = what_->findData(key);
  if (index < 0) return false;
  what_->setCurrentIndex(index);
  editors_->currentWidget()->findChild<QWidget*>()->setFocus();
  return true;
}

QString CompareDialog::chosenKey() const { return what_->currentData().toString(); }

bool CompareDialog::setValue(const QString& value) {
  const QString key = chosenKey();
  bool ok = true;
  if (key == "init")
    init_->setCurrentText(value);
  else if (key == "optimizer") {
    const int i = optimizer_->findData(value);
    ok = i >= 0;
    if (ok) optimizer_->setCurrentIndex(i);
  } else if (key == "lr") {
    const double v = value.toDouble(&ok);
    if (ok) lr_->setValue(v);
  } else if (key == "batch" || key == "seed") {
    const int v = value.toInt(&ok);
    if (ok) (key == "batch" ? batch_ : seed_)->setValue(v);
  } else if (key == "network") {
    const int i = network_->findText(value);
    ok = i >= 0;
    if (ok) network_->setCurrentIndex(i);
  }
  updatePreview();
  return ok;
}

std::optional<persist::RunVariant> CompareDialog::run(QString* error) const {
  persist::RunVariant run;
  run.label = label_.toStdString();
  const QString key = chosenKey();
  if (key == "init")
    run.changes["init"] = init_->currentText().trimmed().toStdString();
  else if (key == "optimizer")
    run.changes["optimizer"] = optimizer_->currentData().toString().toStdString();
  else if (key == "lr")
    run.changes["lr"] = QString::number(lr_->value(), 'g', 6).toStdString();
  else if (key == "batch")
    run.changes["batch"] = std::to_string(batch_->value());
  else if (key == "seed")
    run.changes["seed"] = std::to_string(seed_->value());
  else if (key == "network") {
    const int i = network_->currentIndex();
    if (i < 0) {
      *error = tr("This network offers no BatchNorm or Dropout variant.");
      return std::nullopt;
    }
    run.changes["network"] = networkNames_[i].toStdString();
    run.network = networkTexts_[size_t(i)];
  }
  try {
    persist::variantExperiment(base_, run);  // checked as a file's run is
  } catch (const std::exception& e) {
    *error = QString::fromStdString(util::printable(e.what()));
    return std::nullopt;
  }
  return run;
}

QString CompareDialog::preview() const { return preview_->text(); }

void CompareDialog::updatePreview() {
  QString error;
  const auto chosen = run(&error);
  error_->setText(error);
  if (!chosen) {
    preview_->setText(tr("Run %1: —").arg(label_));
    return;
  }
  QString words;
  try {
    words = QString::fromStdString(util::printable(persist::variantDescription(base_, *chosen)));
  } catch (const std::exception& e) {
    words = QString::fromStdString(util::printable(e.what()));
  }
  preview_->setText(tr("Run %1: %2").arg(label_, words));
}

void CompareDialog::accept() {
  QString error;
  if (!run(&error)) {
    error_->setText(error);
    return;
  }
  QDialog::accept();
}

}  // namespace gradlab::ui

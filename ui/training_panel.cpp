#include "training_panel.h"

#include "data/dataset_choice.h"
#include "data/point_file.h"
#include "data/toy_datasets.h"
#include "dataset_preview.h"
#include "editor/param_fields.h"
#include "optim/optimizer.h"
#include "optim/schedule.h"
#include "optim/settings.h"
#include "param_form.h"
#include "persist/run_setup.h"
#include "util/option_ranges.h"
#include "util/printable.h"

#include <QAction>
#include <QComboBox>
#include <QDoubleSpinBox>
#include <QFileDialog>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace gradlab::ui {
namespace {

const std::pair<const char*, const char*> kDatasets[] = {
    {"fashion-mnist", "Fashion-MNIST (28×28 clothing images)"},
    {"spiral", "Spiral (2-D)"},
    {"circles", "Circles (2-D)"},
    {"xor", "XOR (2-D)"},
    {"blobs", "Gaussian blobs (2-D)"},
    {"moons", "Moons (2-D)"},
    {"drawn:", "Your own points (2-D): draw them on the boundary view"},
    {"pick:points", "Points from a CSV file (x,y,label)…"},
    {"pick:images", "Image folder (a sub-folder per class)…"},
    {"pick:cifar", "CIFAR-10/100 folder (binary version)…"},
};
const char* const kDrawn = "drawn:";

// The range gradlab-cli accepts (util::ranges), as far as a spin box's int reaches: a value from a
// file or the command line stays as it is when another field is edited.
void setRange(QSpinBox* box, const util::Range& range) {
  box->setRange(int(range.min), int(std::min<double>(range.max, std::numeric_limits<int>::max())));
}

// What a field shows for `value`: clamped to its range (and rounded to its decimals first, as
// QDoubleSpinBox::setValue does). A field's value is the user's edit only when it differs.
double shownValue(const QSpinBox* box, double value) {
  return std::clamp(value, double(box->minimum()), double(box->maximum()));
}
double shownValue(const QDoubleSpinBox* box, double value) {
  return std::clamp(QString::number(value, 'f', box->decimals()).toDouble(), box->minimum(), box->maximum());
}

// `saved` unless the user changed the field: a value the field cannot show (a seed beyond an int,
// a noise with more decimals) is not replaced by what it shows when another field is edited.
template <class Box, class T>
T editedValue(const Box* box, T saved) {
  return box->value() == shownValue(box, double(saved)) ? saved : T(box->value());
}

QWidget* row(QWidget* parent, std::initializer_list<std::pair<QString, QWidget*>> fields) {
  auto* w = new QWidget(parent);
  auto* form = new QFormLayout(w);
  form->setContentsMargins(0, 0, 0, 0);
  for (const auto& [label, field] : fields) form->addRow(label, field);
  return w;
}

}  // namespace

TrainingPanel::TrainingPanel(QWidget* parent) : QWidget(parent) {
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(6, 6, 6, 6);

  buttons_ = new QWidget(this);
  new QHBoxLayout(buttons_);
  buttons_->layout()->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(buttons_);
  problemLabel_ = new QLabel(this);
  problemLabel_->setWordWrap(true);
  problemLabel_->setStyleSheet("QLabel { color: #c62828; }");
  problemLabel_->hide();
  layout->addWidget(problemLabel_);

  auto* data = new QGroupBox(tr("Data"), this);
  auto* dataLayout = new QVBoxLayout(data);
  dataset_ = new QComboBox(data);
  for (const auto& [name, title] : kDatasets) dataset_->addItem(tr(title), QString(name));
  dataset_->setToolTip(
      tr("Fashion-MNIST comes with Debian (dataset-fashion-mnist); the 2-D sets are generated from the seed"));
  dataLayout->addWidget(dataset_);
  toySamples_ = new QSpinBox(data);
  setRange(toySamples_, util::ranges::kToySamples);
  toyNoise_ = new QDoubleSpinBox(data);
  toyNoise_->setRange(util::ranges::kToyNoise.min, util::ranges::kToyNoise.max);
  toyNoise_->setSingleStep(0.05);
  toySamples_->setToolTip(
      tr("how many points the 2-D set has; a fifth of them are held out for validation by default"));
  toyNoise_->setToolTip(
      tr("standard deviation of the gaussian noise added to each point: more noise, more overlap "
         "between the classes, more to overfit"));
  toyRow_ = row(data, {{tr("points"), toySamples_}, {tr("noise σ"), toyNoise_}});
  limit_ = new QSpinBox(data);
  setRange(limit_, util::ranges::kSampleLimit);
  limit_->setSingleStep(1000);
  limit_->setSpecialValueText(tr("all"));
  limit_->setToolTip(tr("train on the first N images only (quicker epochs)"));
  classes_ = new QLineEdit(data);
  classes_->setPlaceholderText(tr("all"));
  classes_->setToolTip(
      tr("train and evaluate on these classes only, e.g. 5-9 or 0;2;4; labels stay as they are, so the "
         "network keeps all its outputs (fine-tuning on part of a dataset)"));
  limitRow_ = row(data, {{tr("images"), limit_}, {tr("classes"), classes_}});
  dataLayout->addWidget(toyRow_);
  dataLayout->addWidget(limitRow_);
  preview_ = new DatasetPreview(data);
  dataLayout->addWidget(preview_, 1);
  layout->addWidget(data, 1);

  auto* optimizerBox = new QGroupBox(tr("Optimizer"), this);
  auto* optimizerLayout = new QVBoxLayout(optimizerBox);
  optimizer_ = new QComboBox(optimizerBox);
  for (const optim::OptimizerDef& def : optim::optimizerCatalog())
    optimizer_->addItem(QString::fromStdString(def.title), QString::fromStdString(def.name));
  optimizer_->setToolTip(
      tr("how the gradients change the weights (torch.optim's optimizers); each has a help page "
         "(Help > Help Contents)"));
  optimizerSummary_ = new QLabel(optimizerBox);
  optimizerSummary_->setWordWrap(true);
  QFont small = optimizerSummary_->font();
  small.setPointSizeF(small.pointSizeF() * 0.9);
  optimizerSummary_->setFont(small);
  optimizerForm_ = new ParamForm(optimizerBox);
  // Each value is checked as the run (and gradlab-cli) will check it, with the others as they are.
  optimizerForm_->setValueCheck([this](const std::string& name, const QString& text) {
    auto values = settings_.optimizerValues;
    values[name] = text.toStdString();
    try {
      optim::resolveSettings(settings_.optimizer, values);
      return QString();
    } catch (const std::exception& e) {
      return QString::fromStdString(util::printableLines(e.what()));  // it quotes what was typed
    }
  });
  schedule_ = new QLineEdit(optimizerBox);
  schedule_->setPlaceholderText("constant");
  schedule_->setToolTip(
      tr("learning-rate schedule: constant, step:step_size=N,gamma=G, exponential:gamma=G, "
         "inverse:decay=D, cosine:T_max=N,eta_min=E, sgdr:T_0=N,T_mult=M; add warmup=N to any"));
  optimizerLayout->addWidget(optimizer_);
  optimizerLayout->addWidget(optimizerSummary_);
  optimizerLayout->addWidget(optimizerForm_);
  optimizerLayout->addWidget(row(optimizerBox, {{tr("schedule"), schedule_}}));
  layout->addWidget(optimizerBox);

  auto* run = new QGroupBox(tr("Run"), this);
  batch_ = new QSpinBox(run);
  setRange(batch_, util::ranges::kBatch);
  epochs_ = new QSpinBox(run);
  setRange(epochs_, util::ranges::kEpochs);
  batch_->setToolTip(
      tr("samples per gradient step (a DataLoader's batch_size): larger batches give smoother "
         "gradients but fewer steps per epoch; 32 to 256 is usual"));
  epochs_->setToolTip(tr("passes over the training set before the run stops"));
  seed_ = new QSpinBox(run);
  setRange(seed_, util::ranges::kSeed);
  seed_->setToolTip(tr("the same seed gives the same initial weights, shuffling and dropout masks"));
  device_ = new QLineEdit(run);
  device_->setPlaceholderText(tr("best available"));
  device_->setToolTip(tr("a Vulkan device index or part of its name (gradlab-cli devices lists them)"));
  conv_ = new QComboBox(run);
  conv_->addItem(tr("automatic"), "auto");
  conv_->addItem(tr("direct (no FFT)"), "direct");
  conv_->addItem(tr("FFT where possible"), "fft");
  conv_->setToolTip(
      tr("How Conv2d layers compute. Automatic takes the FFT for stride-1 kernels of 7 x 7 and more, "
         "where it is faster; FFT forces it for every stride-1 convolution. Same results either way, "
         "within float rounding."));
  auto* runLayout = new QVBoxLayout(run);
  runLayout->addWidget(row(run, {{tr("batch size"), batch_},
                                 {tr("epochs"), epochs_},
                                 {tr("seed"), seed_},
                                 {tr("device"), device_},
                                 {tr("convolutions"), conv_}}));
  layout->addWidget(run);

  for (QWidget* field : std::initializer_list<QWidget*>{dataset_, toySamples_, toyNoise_, limit_, optimizer_, batch_,
                                                        epochs_, seed_, conv_})
    wheelOnlyWhenFocused(field);  // a wheel over the panel scrolls it, and changes nothing
  for (const auto& [field, name] : {std::pair<QWidget*, const char*>{dataset_, "dataset"},
                                    {toySamples_, "points"},
                                    {toyNoise_, "noise"},
                                    {limit_, "images"},
                                    {classes_, "classes"},
                                    {optimizer_, "optimizer"},
                                    {batch_, "batch"},
                                    {epochs_, "epochs"},
                                    {seed_, "seed"},
                                    {conv_, "convolutions"}})
    field->setObjectName(name);
  connect(dataset_, &QComboBox::currentIndexChanged, this, [this] { fromWidgets(); });
  // A file dialog only when an entry is chosen, not while the keys or the wheel pass over it.
  connect(dataset_, &QComboBox::activated, this, [this](int index) {
    const QString chosen = dataset_->itemData(index).toString();
    if (chosen.startsWith("pick:")) pickDatasetPath(chosen.mid(5));
  });
  connect(conv_, &QComboBox::currentIndexChanged, this, [this] { fromWidgets(); });
  for (QSpinBox* box : {toySamples_, limit_, batch_, epochs_, seed_})
    connect(box, &QSpinBox::editingFinished, this, [this] { fromWidgets(); });
  connect(toyNoise_, &QDoubleSpinBox::editingFinished, this, [this] { fromWidgets(); });
  connect(schedule_, &QLineEdit::editingFinished, this, [this] { fromWidgets(); });
  connect(classes_, &QLineEdit::editingFinished, this, [this] { fromWidgets(); });
  connect(device_, &QLineEdit::editingFinished, this, [this] { fromWidgets(); });
  connect(optimizer_, &QComboBox::currentIndexChanged, this, [this] {
    if (updating_) return;
    settings_.optimizer = optimizer_->currentData().toString().toStdString();
    settings_.optimizerValues.clear();
    showOptimizer();
    validate();
    emit settingsChanged();
  });
  connect(optimizerForm_, &ParamForm::problemChanged, this, [this] {
    if (!updating_) validate();
  });
  connect(optimizerForm_, &ParamForm::valueChanged, this, [this](const QString& name, const QString& text) {
    const auto values = optimizerForm_->changedValues();
    const bool changed = values != settings_.optimizerValues;  // not when a refused value went back
    settings_.optimizerValues = values;
    validate();
    if (!problem_.isEmpty() || !changed) return;
    if (name == "lr")
      emit learningRateChanged(text.toDouble());
    else
      emit settingsChanged();
  });
  setSettings(settings_);
}

void TrainingPanel::setRunActions(QAction* play, QAction* step, QAction* reset) {
  for (QAction* a : {play, step, reset}) {
    auto* button = new QToolButton(buttons_);
    button->setDefaultAction(a);
    button->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    button->setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
    buttons_->layout()->addWidget(button);
  }
}

void TrainingPanel::setDataset(std::shared_ptr<const data::Dataset> train) { preview_->setDataset(std::move(train)); }

void TrainingPanel::setSettings(const persist::TrainingSettings& s) {
  updating_ = true;
  settings_ = s;
  const data::ClassSubset subset = data::splitClassSubset(s.dataset);
  const int index = dataset_->findData(QString::fromStdString(subset.dataset));
  if (data::isDrawnPointsName(s.dataset)) {  // one entry for any drawn points: they are drawn on the view
    dataset_->setCurrentIndex(dataset_->findData(QString(kDrawn)));
  } else {
    if (index < 0)  // a folder named in the file: shown escaped, kept as it is
      dataset_->addItem(QString::fromStdString(util::printable(subset.dataset)),
                        QString::fromStdString(subset.dataset));
    dataset_->setCurrentIndex(index < 0 ? dataset_->count() - 1 : index);
  }
  toySamples_->setValue(int(s.toySamples));
  toyNoise_->setValue(s.toyNoise);
  limit_->setValue(int(s.sampleLimit));
  classes_->setText(QString::fromStdString(subset.classes));
  batch_->setValue(int(s.batch));
  epochs_->setValue(int(std::max(s.epochs, 1u)));
  seed_->setValue(int(std::min<double>(s.seed, seed_->maximum())));
  device_->setText(QString::fromStdString(s.device));
  conv_->setCurrentIndex(std::max(0, conv_->findData(QString::fromStdString(s.convolution))));
  schedule_->setText(s.schedule == "constant" && s.scheduleValues.empty()
                         ? QString()
                         : QString::fromStdString(persist::scheduleText(s)));
  optimizer_->setCurrentIndex(std::max(0, optimizer_->findData(QString::fromStdString(s.optimizer))));
  showOptimizer();
  showDataRows(s.dataset);
  updating_ = false;
  validate();
  emit datasetShown(s.dataset);
}

void TrainingPanel::chooseDataset(const std::string& name) {
  persist::TrainingSettings s = settings_;
  s.dataset = name;
  setSettings(s);
  if (problem_.isEmpty()) emit settingsChanged();
}

void TrainingPanel::setLayerTraining(const std::string& layer, bool frozen, const std::string& lrMultiplier) {
  persist::TrainingSettings s = settings_;
  std::erase(s.frozenLayers, layer);
  if (frozen) s.frozenLayers.push_back(layer);
  s.lrMultipliers.erase(layer);
  if (!frozen && !lrMultiplier.empty() && lrMultiplier != "1") s.lrMultipliers[layer] = lrMultiplier;
  if (s == settings_) return;
  settings_ = s;
  validate();
  if (problem_.isEmpty()) emit settingsChanged();
}

namespace {

bool isToySet(const std::string& dataset) {
  const auto& toys = data::toyDatasetNames();
  return std::find(toys.begin(), toys.end(), data::splitClassSubset(dataset).dataset) != toys.end();
}

// Image sets take a limit and a class subset.
bool isImageSet(const std::string& dataset) {
  const std::string whole = data::splitClassSubset(dataset).dataset;
  return !isToySet(whole) && !data::isDrawnPointsName(whole) && whole.rfind("points:", 0) != 0;
}

}  // namespace

// The generated sets take a number of points and a noise; image sets a limit and classes; point sets neither.
void TrainingPanel::showDataRows(const std::string& dataset) {
  toyRow_->setVisible(isToySet(dataset));
  limitRow_->setVisible(isImageSet(dataset));
}

// A dataset from the user's folder or file: the dialog's answer becomes the chooser's entry, and a
// cancel puts back the dataset chosen before.
void TrainingPanel::pickDatasetPath(const QString& kind) {
  QString path;
  if (pickPath_)
    path = pickPath_(kind);
  else if (kind == "points")
    path = QFileDialog::getOpenFileName(this, tr("2-D points: a CSV of x,y,label lines"), {},
                                        tr("CSV files (*.csv);;All files (*)"));
  else
    path = QFileDialog::getExistingDirectory(
        this, kind == "images" ? tr("Image folder: one sub-folder of images per class") : tr("CIFAR-10/100 folder"));
  const QString name =
      path.isEmpty() ? QString::fromStdString(data::splitClassSubset(settings_.dataset).dataset) : kind + ":" + path;
  updating_ = true;
  int index = dataset_->findData(name);
  if (index < 0 && data::isDrawnPointsName(name.toStdString())) index = dataset_->findData(QString(kDrawn));
  if (index < 0) {
    dataset_->addItem(QString::fromStdString(util::printable(name.toStdString())), name);
    index = dataset_->count() - 1;
  }
  dataset_->setCurrentIndex(index);
  updating_ = false;
  fromWidgets();
}

void TrainingPanel::showOptimizer() {
  const optim::OptimizerDef* def = optim::findOptimizer(settings_.optimizer);
  if (!def) return;
  optimizerSummary_->setText(QString::fromStdString(def->summary));
  optimizerForm_->setParams(def->params, settings_.optimizerValues);
}

void TrainingPanel::fromWidgets() {
  if (updating_) return;
  persist::TrainingSettings s = settings_;
  const QString chosen = dataset_->currentData().toString();
  if (chosen.startsWith("pick:")) {  // the dataset before stays until a path is picked (activated)
    updating_ = true;
    const int before = dataset_->findData(QString::fromStdString(data::splitClassSubset(settings_.dataset).dataset));
    dataset_->setCurrentIndex(before >= 0 ? before : dataset_->findData(QString(kDrawn)));
    updating_ = false;
    return;
  }
  if (chosen != kDrawn || !data::isDrawnPointsName(s.dataset)) {
    const std::string classes = classes_->text().trimmed().toStdString();
    s.dataset =
        isImageSet(chosen.toStdString()) ? data::withClassSubset(chosen.toStdString(), classes) : chosen.toStdString();
  }
  s.toySamples = editedValue(toySamples_, s.toySamples);
  s.toyNoise = editedValue(toyNoise_, s.toyNoise);
  s.sampleLimit = editedValue(limit_, s.sampleLimit);
  s.batch = editedValue(batch_, s.batch);
  s.epochs = editedValue(epochs_, s.epochs);
  s.seed = editedValue(seed_, s.seed);
  s.device = device_->text().trimmed().toStdString();
  s.convolution = conv_->currentData().toString().toStdString();
  const std::string schedule = schedule_->text().trimmed().toStdString();
  s.schedule = "constant";
  s.scheduleValues.clear();
  if (!schedule.empty()) {  // "cosine:T_max=1000,warmup=100" -> name and values, as the file keeps them
    try {
      const optim::ScheduleSpec spec = optim::parseScheduleSpec(schedule);
      s.schedule = spec.name;
      s.scheduleValues = spec.values;
    } catch (const std::invalid_argument&) {
      s.schedule = schedule;  // malformed: the run setup refuses it in the parser's words
    }
  }
  if (s == settings_) return;
  const bool datasetChanged = s.dataset != settings_.dataset;
  settings_ = s;
  showDataRows(s.dataset);
  validate();
  if (datasetChanged) emit datasetShown(s.dataset);
  if (problem_.isEmpty()) emit settingsChanged();
}

void TrainingPanel::validate() {
  problem_.clear();
  if (!optimizerForm_->valid())
    problem_ = optimizerForm_->problem();
  else {
    try {
      persist::runSetup(settings_);
    } catch (const std::exception& e) {
      problem_ = QString::fromStdString(util::printableLines(e.what()));  // it may quote names from the file
    }
  }
  problemLabel_->setText(problem_);
  problemLabel_->setVisible(!problem_.isEmpty());
  schedule_->setStyleSheet(problem_.contains("schedule") || problem_.contains("T_max") || problem_.contains("gamma")
                               ? "QLineEdit { border: 1px solid #c62828; }"
                               : QString());
}

}  // namespace gradlab::ui

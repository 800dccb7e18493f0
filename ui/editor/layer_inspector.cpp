#include "editor/layer_inspector.h"

#include "editor/graph_edits.h"
#include "editor/layer_style.h"
#include "editor/network_editor.h"
#include "editor/param_fields.h"
#include "help/context_help.h"
#include "nn/network_text.h"
#include "train/transfer.h"
#include "util/checked_values.h"

#include <QCheckBox>
#include <QFormLayout>
#include <QLabel>
#include <QLineEdit>
#include <QScrollArea>
#include <QVBoxLayout>

#include <functional>

namespace gradlab::ui {
namespace {

const char* kProblemStyle = "color: #d62728;";

// The shape typed for an input, checked by the engine's parser and checker; empty reason when usable.
QString shapeProblem(const QString& input, const QString& text, nn::Shape* shape) {
  const nn::ParsedNetwork parsed =
      nn::parseNetwork("input " + input.toStdString() + ": " + text.trimmed().toStdString());
  if (!parsed.ok()) return QString::fromStdString(parsed.errors.front().message);
  nn::Graph alone;
  alone.inputs = parsed.graph.inputs;
  for (const auto& issue : nn::analyze(alone).issues)
    if (issue.message.starts_with("input ")) return QString::fromStdString(issue.message);
  *shape = parsed.graph.inputs.front().shape;
  return {};
}

const nn::Node* findNode(const nn::Graph& graph, const QString& name) { return graph.find(name.toStdString()); }

// Hyper-parameters that mean something only with some values of another: shown with that choice.
// A parameter listed more than once is shown when any of its conditions holds.
struct Dependency {
  const char* param;
  const char* on;
  std::vector<const char*> values;
};
const Dependency kDependencies[] = {
    {"init_std", "init", {"normal"}},
    {"init_a", "init", {"uniform"}},
    {"init_value", "init", {"constant"}},
    {"init_value", "bias_init", {"constant"}},
    {"init_gain", "init", {"xavier_normal", "xavier_uniform"}},
    {"init_c", "init", {"scaled_variance"}},
    {"init_mode", "init", {"kaiming_normal", "kaiming_uniform"}},
    {"init_nonlinearity", "init", {"kaiming_normal", "kaiming_uniform"}},
    {"bias_init", "bias", {"true"}},
};

// Whether `key` matters given the other fields' values (`valueOf`: a key's value, set or default).
bool relevant(const QString& key, const std::function<QString(const QString&)>& valueOf) {
  bool conditioned = false;
  for (const Dependency& d : kDependencies) {
    if (key != d.param) continue;
    conditioned = true;
    for (const char* v : d.values)
      if (valueOf(d.on) == v) return true;
  }
  return !conditioned;
}

}  // namespace

LayerInspector::LayerInspector(NetworkEditor* editor, QWidget* parent) : QWidget(parent), editor_(editor) {
  scroll_ = new QScrollArea(this);
  scroll_->setWidgetResizable(true);
  scroll_->setFrameShape(QFrame::NoFrame);
  messages_ = new QLabel(this);
  messages_->setObjectName("messages");
  messages_->setWordWrap(true);
  messages_->setStyleSheet(kProblemStyle);
  messages_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  messages_->setContentsMargins(8, 4, 8, 4);
  messages_->setMinimumHeight(3 * messages_->fontMetrics().height() + 8);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(scroll_, 1);
  layout->addWidget(messages_);
  connect(editor, &NetworkEditor::selectedNodeChanged, this, &LayerInspector::rebuild);
  connect(editor, &NetworkEditor::graphChanged, this, [this] {
    const nn::Graph graph = editor_->graph();
    const nn::Node* node = findNode(graph, node_);
    const bool sameInput = isGraphInput(graph, node_.toStdString()) && type_ == kInputType;
    if (node_ == editor_->selectedName() && ((node && QString::fromStdString(node->type) == type_) || sameInput))
      refresh();
    else
      rebuild();
  });
  rebuild();
}

ParamField* LayerInspector::paramField(const QString& key) const {
  auto it = fields_.find(key);
  return it != fields_.end() ? it->second : nullptr;
}

QString LayerInspector::problem(const QString& field) const {
  auto it = problems_.find(field);
  return it != problems_.end() ? it->second : QString();
}

QString LayerInspector::messageText() const { return messages_->text(); }

bool LayerInspector::fieldShown(const QString& key) const {
  const ParamField* field = paramField(key);
  return field && formLayout_ && formLayout_->isRowVisible(const_cast<ParamField*>(field));
}

void LayerInspector::setProblem(const QString& field, const QString& reason) {
  const bool shown = field == "name" || field == "shape" || (field == "lr ×" && lrMult_) || fields_.count(field);
  if (!shown) return;  // a field of a form gone
  if (reason.isEmpty())
    problems_.erase(field);
  else
    problems_[field] = reason;
  showMessages();
}

void LayerInspector::showMessages() {
  QStringList lines;
  for (const auto& [field, reason] : problems_) lines << field + ": " + reason;
  lines << engineMessages_;
  messages_->setText(lines.join("\n"));
}

void LayerInspector::rebuild() {
  // The old form may be inside one of its own signals (a rename): let it finish before it goes.
  if (form_) {
    form_->hide();
    form_->deleteLater();
  }
  fields_.clear();
  problems_.clear();
  name_ = shape_ = nullptr;
  frozen_ = nullptr;
  lrMult_ = nullptr;
  form_ = new QWidget;
  auto* outer = new QVBoxLayout(form_);
  header_ = new QLabel(form_);
  header_->setWordWrap(true);
  facts_ = new QLabel(form_);
  facts_->setWordWrap(true);
  facts_->setAlignment(Qt::AlignLeft | Qt::AlignTop);
  facts_->setMinimumHeight(2 * facts_->fontMetrics().height());  // one line or two, or none: the fields stay
  outer->addWidget(header_);
  outer->addWidget(facts_);
  auto* form = new QFormLayout;
  formLayout_ = form;
  engineMessages_.clear();
  form->setFieldGrowthPolicy(QFormLayout::AllNonFixedFieldsGrow);
  outer->addLayout(form);
  outer->addStretch(1);

  node_ = editor_->selectedName();
  const nn::Graph graph = editor_->graph();
  const nn::Node* node = findNode(graph, node_);
  type_.clear();
  help::showsLayer(this, node ? QString::fromStdString(node->type) : QString());  // F1, What's This
  if (node_.isEmpty() || (!node && !isGraphInput(graph, node_.toStdString()))) {
    node_.clear();
    header_->setText(tr("Select a layer to see and change its settings."));
    facts_->hide();
  } else if (!node) {
    type_ = kInputType;
    header_->setText(tr("<b>Input</b>: the data the network reads, one sample's shape"));
    addNameRow(form);
    addShapeRow(form);
  } else {
    type_ = QString::fromStdString(node->type);
    const nn::LayerDef* def = nn::findLayer(node->type);
    header_->setText("<b>" + type_.toHtmlEscaped() + "</b>" +
                     (def ? ": " + QString::fromStdString(def->summary).toHtmlEscaped() : tr(": unknown layer type")));
    addNameRow(form);
    for (const auto& param : def ? def->params : std::vector<nn::ParamDef>{}) {
      const QString key = QString::fromStdString(param.name);
      ParamField* field = ParamField::create(param, form_);
      field->editor()->setObjectName(key);
      form->addRow(key, field);
      fields_[key] = field;
      connect(field, &ParamField::problemChanged, this,
              [this, key](const QString& reason) { setProblem(key, reason); });
      connect(field, &ParamField::edited, this,
              [this, key](const QString& text) { editor_->setParam(node_, key, text); });
    }
    const nn::GraphAnalysis& analysis = editor_->analysis();
    const size_t index = size_t(node - graph.nodes.data());
    if (trainingSettings_ && index < analysis.nodes.size() && !analysis.nodes[index].shape.params.empty())
      addTrainingRows(form);
  }
  scroll_->setWidget(form_);
  showMessages();
  refresh();
}

void LayerInspector::addNameRow(QFormLayout* form) {
  name_ = new QLineEdit(form_);
  name_->setObjectName("name");
  form->addRow(tr("name"), name_);
  connect(name_, &QLineEdit::textEdited, this, [this](const QString& text) {
    const QString why =
        QString::fromStdString(renameProblem(editor_->graph(), node_.toStdString(), text.toStdString()));
    QPalette p = palette();
    if (!why.isEmpty()) p.setColor(QPalette::Text, QColor(214, 39, 40));
    name_->setPalette(p);
    setProblem("name", why);
  });
  connect(name_, &QLineEdit::editingFinished, this, [this] {
    if (!name_ || name_->text() == node_) return;
    if (renameProblem(editor_->graph(), node_.toStdString(), name_->text().toStdString()).empty())
      editor_->renameLayer(node_, name_->text());
  });
}

void LayerInspector::addShapeRow(QFormLayout* form) {
  shape_ = new QLineEdit(form_);
  shape_->setObjectName("shape");
  shape_->setToolTip(tr("features (e.g. 2 or 784) or channels x height x width (e.g. 1x28x28)"));
  form->addRow(tr("shape"), shape_);
  connect(shape_, &QLineEdit::textEdited, this, [this](const QString& text) {
    nn::Shape shape;
    const QString why = shapeProblem(node_, text, &shape);
    QPalette p = palette();
    if (!why.isEmpty()) p.setColor(QPalette::Text, QColor(214, 39, 40));
    shape_->setPalette(p);
    setProblem("shape", why);
  });
  connect(shape_, &QLineEdit::editingFinished, this, [this] {
    nn::Shape shape;
    if (shape_ && shapeProblem(node_, shape_->text(), &shape).isEmpty()) editor_->setInputShape(node_, shape);
  });
}

void LayerInspector::setTrainingSettingsSource(std::function<persist::TrainingSettings()> source) {
  trainingSettings_ = std::move(source);
  rebuild();
}

namespace {

// Why `text` is not a multiplier of the rate ("" : it is, or it is empty: the run's rate).
QString lrMultiplierProblem(const QString& text) {
  if (text.trimmed().isEmpty()) return {};
  try {
    util::parseNumber("lr ×", text.trimmed().toStdString(), train::kLrMultiplier);
  } catch (const std::invalid_argument& e) {
    return QString::fromStdString(e.what()).section(": ", 1);
  }
  return {};
}

}  // namespace

void LayerInspector::addTrainingRows(QFormLayout* form) {
  frozen_ = new QCheckBox(tr("keep its parameters"), form_);
  frozen_->setObjectName("frozen");
  frozen_->setToolTip(
      tr("Fine-tuning: no gradient stored and no update for this layer's parameters; "
         "gradients still flow through it to the layers before"));
  form->addRow(tr("frozen"), frozen_);
  lrMult_ = new QLineEdit(form_);
  lrMult_->setObjectName("lr_mult");
  lrMult_->setPlaceholderText(tr("1 (the run's rate)"));
  lrMult_->setToolTip(tr("Fine-tuning: this layer trains at this many times the learning rate, in [0, 1000]"));
  form->addRow(tr("lr ×"), lrMult_);
  connect(frozen_, &QCheckBox::clicked, this, [this](bool frozen) {
    emit layerTrainingEdited(node_, frozen, frozen ? QString() : lrMult_->text().trimmed());
  });
  connect(lrMult_, &QLineEdit::textEdited, this,
          [this](const QString& text) { setProblem("lr ×", lrMultiplierProblem(text)); });
  connect(lrMult_, &QLineEdit::editingFinished, this, [this] {
    if (lrMult_ && lrMultiplierProblem(lrMult_->text()).isEmpty())
      emit layerTrainingEdited(node_, frozen_->isChecked(), lrMult_->text().trimmed());
  });
}

void LayerInspector::refreshTraining() {
  if (!frozen_ || !trainingSettings_) return;
  const persist::TrainingSettings s = trainingSettings_();
  const std::string layer = node_.toStdString();
  const bool frozen = std::find(s.frozenLayers.begin(), s.frozenLayers.end(), layer) != s.frozenLayers.end();
  frozen_->setChecked(frozen);
  lrMult_->setEnabled(!frozen);
  const auto factor = s.lrMultipliers.find(layer);
  if (!lrMult_->hasFocus())
    lrMult_->setText(factor == s.lrMultipliers.end() ? QString() : QString::fromStdString(factor->second));
}

void LayerInspector::refresh() {
  if (node_.isEmpty()) return;
  refreshTraining();
  const nn::Graph graph = editor_->graph();
  const nn::GraphAnalysis& analysis = editor_->analysis();
  if (name_ && !name_->hasFocus()) name_->setText(node_);
  if (shape_) {
    for (const auto& in : graph.inputs)
      if (QString::fromStdString(in.name) == node_ && !shape_->hasFocus())
        shape_->setText(QString::fromStdString(in.shape.text()));
  }
  const std::string name = node_.toStdString();
  QString facts;
  if (auto it = analysis.shapes.find(name); it != analysis.shapes.end())
    facts = tr("output %1 per sample").arg(shapeText(it->second));
  QStringList messages;
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const nn::Node& node = graph.nodes[i];
    if (node.name != name) continue;
    if (i < analysis.nodes.size() && analysis.nodes[i].valid)
      facts += (facts.isEmpty() ? "" : " · ") + paramCountText(analysis.nodes[i].shape.paramCount());
    for (auto& [key, field] : fields_) {
      QString text;
      for (const auto& [k, v] : node.params)
        if (QString::fromStdString(k) == key) text = QString::fromStdString(v);
      const nn::ParamDef* def = analysis.nodes[i].def ? analysis.nodes[i].def->param(key.toStdString()) : nullptr;
      if (text.isEmpty() && def) text = QString::fromStdString(def->defaultValue);
      if (field->valueText() != text) field->setValueText(text);
    }
    for (auto& [key, field] : fields_)
      formLayout_->setRowVisible(field, relevant(key, [&](const QString& other) {
                                   const ParamField* f = paramField(other);
                                   return f ? f->valueText() : QString();
                                 }));
    for (const auto& issue : analysis.issues)
      if (issue.node == node.name + " (" + node.type + ")") messages << QString::fromStdString(issue.message);
  }
  for (const auto& issue : analysis.issues)
    if (issue.node.empty() && issue.message.starts_with("input " + name + " "))
      messages << QString::fromStdString(issue.message);
  facts_->setText(facts);
  engineMessages_ = messages;
  showMessages();
}

}  // namespace gradlab::ui

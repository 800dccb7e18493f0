#include "editor/network_editor.h"

#include "editor/edge_item.h"
#include "editor/editor_view.h"
#include "editor/graph_edits.h"
#include "editor/layer_style.h"
#include "editor/node_item.h"
#include "editor/snapshot_command.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QEvent>
#include <QGraphicsScene>
#include <QLabel>
#include <QMimeData>
#include <QUndoStack>
#include <QVBoxLayout>

#include <algorithm>

namespace gradlab::ui {
namespace {

constexpr int kStripLines = 3;  // errors listed in the strip before "and N more"
const nn::Shape kNewInputShape{1, 28, 28};

// A copy of an issue as the user reads it while editing: the line it came from no longer means anything.
QString issueText(nn::GraphIssue issue) {
  issue.line = 0;
  return QString::fromStdString(issue.text());
}

NodeContent contentFor(const nn::Graph& graph, const nn::GraphAnalysis& analysis, const std::string& name) {
  NodeContent c;
  c.name = QString::fromStdString(name);
  QStringList errors, warnings;
  auto collect = [&](const nn::GraphIssue& issue) {
    (issue.severity == nn::GraphIssue::Error ? errors : warnings) << QString::fromStdString(issue.message);
  };
  for (const auto& in : graph.inputs) {
    if (in.name != name) continue;
    c.type = c.category = kInputType;
    c.params = QObject::tr("shape %1").arg(shapeText(in.shape));
    c.inputSlots = 0;
    for (const auto& issue : analysis.issues)
      if (issue.node.empty() && issue.message.starts_with("input " + name + " ")) collect(issue);
  }
  for (size_t i = 0; i < graph.nodes.size(); ++i) {
    const nn::Node& node = graph.nodes[i];
    if (node.name != name) continue;
    const nn::LayerDef* def = i < analysis.nodes.size() ? analysis.nodes[i].def : nullptr;
    c.type = QString::fromStdString(node.type);
    c.category = def ? QString::fromStdString(def->category) : QString();
    c.params = keyParamsText(node);
    if (i < analysis.nodes.size() && analysis.nodes[i].valid && analysis.nodes[i].shape.paramCount() > 0)
      c.count = paramCountText(analysis.nodes[i].shape.paramCount());
    // Add takes 2 to 8 inputs: one free port past the connected ones, as long as it may take more.
    const int connected = int(node.inputs.size());
    c.inputSlots = !def                  ? std::max(1, connected)
                   : def->maxInputs == 1 ? 1
                                         : std::clamp(connected + 1, int(def->minInputs), int(def->maxInputs));
    c.inputSlots = std::max(c.inputSlots, connected);
    c.hasOutput = !(def && def->loss);
    const std::string label = node.name + " (" + node.type + ")";
    for (const auto& issue : analysis.issues)
      if (issue.node == label) collect(issue);
  }
  c.errors = errors.join("\n");
  c.warnings = warnings.join("\n");
  return c;
}

}  // namespace

NetworkEditor::NetworkEditor(QWidget* parent) : QWidget(parent) {
  scene_ = new QGraphicsScene(this);
  scene_->setPalette(palette());
  view_ = new EditorView(this, scene_);
  strip_ = new QLabel(this);
  strip_->setWordWrap(true);
  strip_->setTextFormat(Qt::PlainText);
  strip_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  placeholder_ = new QLabel(this);
  placeholder_->setObjectName("placeholder");
  placeholder_->setWordWrap(true);
  placeholder_->setTextFormat(Qt::RichText);
  placeholder_->setAlignment(Qt::AlignCenter);
  placeholder_->setContentsMargins(48, 24, 48, 24);
  placeholder_->setStyleSheet("QLabel#placeholder { border: 1px dashed palette(mid); }");
  placeholder_->hide();
  undo_ = new QUndoStack(this);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->setSpacing(0);
  layout->addWidget(view_, 1);
  layout->addWidget(placeholder_, 1);
  layout->addWidget(strip_);
  connect(scene_, &QGraphicsScene::selectionChanged, this, &NetworkEditor::onSelectionChanged);
  createActions();
  apply({});
}

NetworkEditor::~NetworkEditor() {
  // The scene deletes its items after this: no selection news while they go, and edges (which
  // point at nodes) first.
  disconnect(scene_, nullptr, this, nullptr);
  qDeleteAll(edges_);
  edges_.clear();
  items_.clear();
}

void NetworkEditor::createActions() {
  auto add = [&](QAction* a, const QString& objectName, const QList<QKeySequence>& keys) {
    a->setObjectName(objectName);
    a->setShortcuts(keys);
    a->setShortcutContext(Qt::WidgetWithChildrenShortcut);
    addAction(a);
    actions_ << a;
    return a;
  };
  auto make = [&](const QString& text, auto slot, const QString& objectName, const QList<QKeySequence>& keys) {
    auto* a = new QAction(text, this);
    connect(a, &QAction::triggered, this, slot);
    return add(a, objectName, keys);
  };
  add(undo_->createUndoAction(this, tr("Undo")), "editUndo", QKeySequence::keyBindings(QKeySequence::Undo));
  add(undo_->createRedoAction(this, tr("Redo")), "editRedo", QKeySequence::keyBindings(QKeySequence::Redo));
  make(tr("Delete"), &NetworkEditor::deleteSelection, "editDelete", {QKeySequence::Delete, Qt::Key_Backspace});
  make(tr("Copy"), &NetworkEditor::copySelection, "editCopy", QKeySequence::keyBindings(QKeySequence::Copy));
  make(tr("Paste"), &NetworkEditor::paste, "editPaste", QKeySequence::keyBindings(QKeySequence::Paste));
  make(tr("Select All"), &NetworkEditor::selectAll, "editSelectAll",
       QKeySequence::keyBindings(QKeySequence::SelectAll));
  make(tr("Auto-Arrange"), &NetworkEditor::autoArrange, "editAutoArrange", {QKeySequence(Qt::CTRL | Qt::Key_L)});
  make(tr("Fit to View"), &NetworkEditor::fitToView, "editFit", {QKeySequence(Qt::CTRL | Qt::Key_0)});
  make(tr("Actual Size"), &NetworkEditor::actualSize, "editActualSize", {QKeySequence(Qt::CTRL | Qt::Key_1)});
  make(
      tr("Zoom In"), [this] { zoomBy(1.25); }, "editZoomIn", QKeySequence::keyBindings(QKeySequence::ZoomIn));
  make(
      tr("Zoom Out"), [this] { zoomBy(0.8); }, "editZoomOut", QKeySequence::keyBindings(QKeySequence::ZoomOut));
}

QAction* NetworkEditor::action(const QString& objectName) const {
  for (QAction* a : actions_)
    if (a->objectName() == objectName) return a;
  return nullptr;
}

QGraphicsView* NetworkEditor::view() const { return view_; }

NodeItem* NetworkEditor::nodeItem(const QString& name) const {
  auto it = items_.find(name);
  return it != items_.end() ? it->second : nullptr;
}

QList<EdgeItem*> NetworkEditor::edgeItems() const { return edges_; }

QString NetworkEditor::messageText() const { return strip_->text(); }

QSizeF NetworkEditor::boxSize(const nn::Graph& graph, const nn::GraphAnalysis& analysis, const std::string& name) {
  return NodeItem::sizeFor(contentFor(graph, analysis, name));
}

QString NetworkEditor::problem() const {
  for (const auto& issue : analysis_.issues)
    if (issue.severity == nn::GraphIssue::Error) return issueText(issue);
  return {};
}

void NetworkEditor::setDeviceProblem(int node, const QString& reason) {
  if (node < 0 && !deviceIssue_) return;
  deviceIssue_.reset();
  if (node >= 0 && size_t(node) < state_.graph.nodes.size()) {
    const nn::Node& n = state_.graph.nodes[size_t(node)];
    deviceIssue_ = nn::GraphIssue{nn::GraphIssue::Error, n.name + " (" + n.type + ")", reason.toStdString(), n.line};
  }
  analysis_ = nn::analyze(state_.graph);
  if (deviceIssue_) analysis_.issues.push_back(*deviceIssue_);
  syncScene();
  showAnalysis();
}

void NetworkEditor::setGraph(const nn::Graph& graph, const Positions& positions) {
  const nn::GraphAnalysis analysis = nn::analyze(graph);
  EditorState state{
      graph,
      completeLayout(graph, positions, direction_, [&](const std::string& n) { return boxSize(graph, analysis, n); }),
      {}};
  undo_->clear();
  apply(state);
  actualSize();
}

void NetworkEditor::showPlaceholder(const QString& text) {
  setGraph({});
  placeholder_->setText(text);
  placeholder_->show();
  view_->hide();
  strip_->hide();
}

QString NetworkEditor::placeholderText() const { return placeholder_->isHidden() ? QString() : placeholder_->text(); }

void NetworkEditor::setDirection(LayoutDirection direction) {
  if (direction == direction_) return;
  direction_ = direction;
  syncScene();
  autoArrange();
}

EditorState NetworkEditor::current() const {
  EditorState s = state_;
  s.selection = selectedNames();
  return s;
}

void NetworkEditor::commit(const QString& text, EditorState after, const QString& mergeKey) {
  const nn::GraphAnalysis analysis = nn::analyze(after.graph);
  after.positions = completeLayout(after.graph, after.positions, direction_,
                                   [&](const std::string& n) { return boxSize(after.graph, analysis, n); });
  EditorState before = current();
  if (after.graph == before.graph && after.positions == before.positions) return;
  undo_->push(new SnapshotCommand(
      text, std::move(before), std::move(after), [this](const EditorState& s) { apply(s); }, mergeKey));
}

void NetworkEditor::apply(const EditorState& state) {
  placeholder_->hide();  // a network to show, even an empty one
  view_->show();
  strip_->show();
  if (state.graph != state_.graph) deviceIssue_.reset();  // found for another network
  state_ = state;
  analysis_ = nn::analyze(state_.graph);
  if (deviceIssue_) analysis_.issues.push_back(*deviceIssue_);
  syncScene();
  showAnalysis();
  emit graphChanged();
}

void NetworkEditor::syncScene() {
  syncing_ = true;
  for (auto& [name, item] : items_) item->detachAll();
  qDeleteAll(edges_);
  edges_.clear();

  std::set<QString> present;
  auto place = [&](const std::string& name) {
    const QString key = QString::fromStdString(name);
    present.insert(key);
    const NodeContent content = contentFor(state_.graph, analysis_, name);
    NodeItem*& item = items_[key];
    if (!item) {
      item = new NodeItem(content, direction_);
      scene_->addItem(item);
    } else {
      item->setContent(content, direction_);  // also moves the ports, for a new direction
    }
    auto pos = state_.positions.find(name);
    item->setPos(pos != state_.positions.end() ? pos->second : QPointF());
    item->setSelected(state_.selection.contains(key));
  };
  for (const auto& in : state_.graph.inputs) place(in.name);
  for (const auto& node : state_.graph.nodes) place(node.name);
  for (auto it = items_.begin(); it != items_.end();) {
    if (present.count(it->first)) {
      ++it;
    } else {
      delete it->second;
      it = items_.erase(it);
    }
  }
  for (const auto& node : state_.graph.nodes) {
    for (size_t slot = 0; slot < node.inputs.size(); ++slot) {
      auto from = items_.find(QString::fromStdString(node.inputs[slot]));
      if (from == items_.end()) continue;
      auto shape = analysis_.shapes.find(node.inputs[slot]);
      const QString label = shape != analysis_.shapes.end() ? shapeText(shape->second) : QStringLiteral("?");
      auto* edge = new EdgeItem(from->second, items_.at(QString::fromStdString(node.name)), int(slot), label,
                                direction_ == LayoutDirection::TopToBottom);
      scene_->addItem(edge);
      edge->updatePath();
      edges_ << edge;
    }
  }
  syncing_ = false;
  onSelectionChanged();
}

void NetworkEditor::showAnalysis() {
  QStringList errors, warnings;
  for (const auto& issue : analysis_.issues)
    (issue.severity == nn::GraphIssue::Error ? errors : warnings) << issueText(issue);
  auto listed = [](const QStringList& lines) {
    QString text = lines.mid(0, kStripLines).join("\n");
    if (lines.size() > kStripLines) text += "\n" + tr("… and %1 more").arg(lines.size() - kStripLines);
    return text;
  };
  QString style = "QLabel { padding: 5px 8px; border-left: 4px solid %1; background: %2; }";
  // The strip speaks of the network only: whether a run can go on (diverged, finished) is the
  // banner's and the toolbar's to say, so nothing here may read as "ready".
  const QString summary = tr("Network valid: %1 parameters").arg(countText(analysis_.paramCount));
  if (!errors.isEmpty()) {
    strip_->setText(listed(errors));
    strip_->setStyleSheet(style.arg("#d62728", "rgba(214, 39, 40, 0.14)"));
  } else if (!warnings.isEmpty()) {
    strip_->setText(summary + "\n" + listed(warnings));
    strip_->setStyleSheet(style.arg("#e6912e", "rgba(230, 145, 46, 0.14)"));
  } else {
    strip_->setText(summary);
    strip_->setStyleSheet(style.arg("#2ca02c", "rgba(44, 160, 44, 0.12)"));
  }
}

QStringList NetworkEditor::selectedNames() const {
  QStringList names;
  for (const auto& [name, item] : items_)
    if (item->isSelected()) names << name;
  return names;
}

QString NetworkEditor::selectedName() const {
  const QStringList names = selectedNames();
  return names.size() == 1 ? names.front() : QString();
}

void NetworkEditor::select(const QStringList& names) {
  syncing_ = true;
  scene_->clearSelection();
  for (const QString& name : names)
    if (NodeItem* item = nodeItem(name)) item->setSelected(true);
  syncing_ = false;
  onSelectionChanged();
}

void NetworkEditor::onSelectionChanged() {
  if (syncing_) return;
  const QString name = selectedName();
  if (name == lastSelected_) return;
  lastSelected_ = name;
  emit selectedNodeChanged(name);
}

QString NetworkEditor::addLayer(const QString& type, QPointF scenePos) { return addLayerAfter(type, scenePos, {}); }

QString NetworkEditor::addLayerAfter(const QString& type, QPointF scenePos, const QString& from, const QString& to,
                                     int slot) {
  EditorState after = current();
  std::string name;
  if (type == kInputType) {
    name = uniqueName(after.graph, nameStemFor(""));
    addInput(after.graph, name, kNewInputShape);
  } else if (nn::findLayer(type.toStdString())) {
    name = uniqueName(after.graph, nameStemFor(type.toStdString()));
    addNode(after.graph, name, type.toStdString());
    if (!from.isEmpty() && gradlab::ui::connect(after.graph, from.toStdString(), name, 0).empty() && !to.isEmpty())
      gradlab::ui::connect(after.graph, name, to.toStdString(), size_t(std::max(slot, 0)));
  } else {
    emit statusMessage(tr("There is no layer type %1").arg(type));
    return {};
  }
  after.positions[name] = scenePos;
  after.selection = {QString::fromStdString(name)};
  commit(tr("Add %1").arg(type), std::move(after));
  return QString::fromStdString(name);
}

QString NetworkEditor::connectLayers(const QString& from, const QString& to, int slot) {
  EditorState after = current();
  const std::string why =
      gradlab::ui::connect(after.graph, from.toStdString(), to.toStdString(), size_t(std::max(slot, 0)));
  if (!why.empty()) {
    emit statusMessage(QString::fromStdString(why));
    return QString::fromStdString(why);
  }
  commit(tr("Connect %1 to %2").arg(from, to), std::move(after));
  return {};
}

void NetworkEditor::disconnectInput(const QString& to, int slot) {
  EditorState after = current();
  gradlab::ui::disconnect(after.graph, to.toStdString(), size_t(slot));
  commit(tr("Disconnect %1").arg(to), std::move(after));
}

void NetworkEditor::removeLayers(const QStringList& names) {
  EditorState after = current();
  std::set<std::string> gone;
  for (const QString& n : names) gone.insert(n.toStdString());
  removeNames(after.graph, gone);
  for (const QString& n : names) {
    after.positions.erase(n.toStdString());
    after.selection.removeAll(n);
  }
  commit(names.size() == 1 ? tr("Delete %1").arg(names.front()) : tr("Delete %1 layers").arg(names.size()),
         std::move(after));
}

QString NetworkEditor::renameLayer(const QString& from, const QString& to) {
  EditorState after = current();
  const std::string why = renameProblem(after.graph, from.toStdString(), to.toStdString());
  if (!why.empty()) return QString::fromStdString(why);
  if (from == to) return {};
  rename(after.graph, from.toStdString(), to.toStdString());
  if (auto it = after.positions.find(from.toStdString()); it != after.positions.end()) {
    after.positions[to.toStdString()] = it->second;
    after.positions.erase(from.toStdString());
  }
  for (QString& n : after.selection)
    if (n == from) n = to;
  commit(tr("Rename %1 to %2").arg(from, to), std::move(after));
  return {};
}

void NetworkEditor::setParam(const QString& node, const QString& key, const QString& text) {
  EditorState after = current();
  gradlab::ui::setParam(after.graph, node.toStdString(), key.toStdString(), text.toStdString());
  commit(tr("Set %1 of %2").arg(key, node), std::move(after), node + "." + key);
}

void NetworkEditor::setInputShape(const QString& input, const nn::Shape& shape) {
  EditorState after = current();
  for (auto& in : after.graph.inputs)
    if (in.name == input.toStdString()) in.shape = shape;
  commit(tr("Set the shape of %1").arg(input), std::move(after));
}

void NetworkEditor::replaceGraph(const nn::Graph& graph, const QString& what) {
  EditorState after = current();
  after.graph = graph;
  commit(what, std::move(after));  // commit drops the positions of names that are gone and places new ones
}

void NetworkEditor::deleteSelection() {
  EditorState after = current();
  const QStringList nodes = after.selection;
  // Selected connections between layers that stay: disconnect them, the highest slot first.
  std::vector<std::pair<std::string, int>> cuts;
  for (EdgeItem* edge : edges_)
    if (edge->isSelected() && !nodes.contains(edge->to()->name()))
      cuts.push_back({edge->to()->name().toStdString(), edge->slot()});
  if (nodes.isEmpty() && cuts.empty()) return;
  std::sort(cuts.begin(), cuts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  for (const auto& [to, slot] : cuts) gradlab::ui::disconnect(after.graph, to, size_t(slot));
  std::set<std::string> gone;
  for (const QString& n : nodes) gone.insert(n.toStdString());
  removeNames(after.graph, gone);
  after.selection.clear();
  commit(nodes.isEmpty() ? tr("Disconnect") : tr("Delete"), std::move(after));
}

void NetworkEditor::copySelection() {
  std::set<std::string> names;
  for (const QString& n : selectedNames()) names.insert(n.toStdString());
  if (names.empty()) return;
  std::map<std::string, std::pair<double, double>> positions;
  for (const auto& [name, pos] : state_.positions) positions[name] = {pos.x(), pos.y()};
  const std::string text = fragmentText(state_.graph, names, positions);
  auto* mime = new QMimeData;
  mime->setData(kNodesMimeType, QByteArray::fromStdString(text));
  mime->setText(QString::fromStdString(text));
  QApplication::clipboard()->setMimeData(mime);
  pasteCount_ = 0;
}

void NetworkEditor::paste() {
  const QMimeData* mime = QApplication::clipboard()->mimeData();
  if (!mime) return;
  const std::string text =
      mime->hasFormat(kNodesMimeType) ? mime->data(kNodesMimeType).toStdString() : mime->text().toStdString();
  Fragment fragment;
  if (!parseFragment(text, &fragment)) {
    emit statusMessage(tr("The clipboard holds no layers to paste"));
    return;
  }
  EditorState after = current();
  const auto renamed = gradlab::ui::paste(after.graph, fragment.graph);
  const double offset = 40.0 * ++pasteCount_;
  after.selection.clear();
  for (const auto& [old, fresh] : renamed) {
    if (auto it = fragment.positions.find(old); it != fragment.positions.end())
      after.positions[fresh] = QPointF(it->second.first + offset, it->second.second + offset);
    after.selection << QString::fromStdString(fresh);
  }
  commit(tr("Paste"), std::move(after));
}

void NetworkEditor::selectAll() {
  QStringList all;
  for (const auto& [name, item] : items_) all << name;
  select(all);
}

void NetworkEditor::autoArrange() {
  EditorState after = current();
  after.positions =
      layeredLayout(after.graph, direction_, [&](const std::string& n) { return boxSize(after.graph, analysis_, n); });
  commit(tr("Auto-arrange"), std::move(after));
  actualSize();
}

void NetworkEditor::commitMoves() {
  EditorState after = current();
  for (const auto& [name, item] : items_) after.positions[name.toStdString()] = item->pos();
  commit(tr("Move"), std::move(after));
}

QRectF NetworkEditor::networkBounds() const {
  QRectF bounds;
  for (const auto& [name, item] : items_) bounds |= item->sceneBoundingRect();
  for (EdgeItem* edge : edges_) bounds |= edge->sceneBoundingRect();
  return bounds.isEmpty() ? bounds : bounds.adjusted(-24, -24, 24, 24);
}

void NetworkEditor::fitToView() {
  const QRectF bounds = networkBounds();
  if (bounds.isEmpty()) return;
  view_->fitInView(bounds, Qt::KeepAspectRatio);
  // A small network shows at its natural size, not blown up; a long one no smaller than its text
  // stays legible at up close, starting from its input (the rest is a scroll away).
  constexpr double kLegible = 0.6;
  const double scale = view_->transform().m11();
  if (scale > 1.0) {
    view_->setTransform(QTransform());
    view_->centerOn(bounds.center());
  } else if (scale < kLegible) {
    view_->setTransform(QTransform::fromScale(kLegible, kLegible));
    const QRectF visible = view_->mapToScene(view_->viewport()->rect()).boundingRect();
    view_->centerOn(QPointF(bounds.center().x(), bounds.top() + visible.height() / 2));
  }
}

// 100%, where node text has the canvas's minimum point size: what a projector shows to the back
// row. A network larger than the canvas shows from its input; the rest is a scroll away.
void NetworkEditor::actualSize() {
  const QRectF bounds = networkBounds();
  view_->setTransform(QTransform());
  if (bounds.isEmpty()) return;
  const QRectF visible = view_->mapToScene(view_->viewport()->rect()).boundingRect();
  const bool fits = bounds.height() <= visible.height() && bounds.width() <= visible.width();
  const QPointF from = direction_ == LayoutDirection::TopToBottom
                           ? QPointF(bounds.center().x(), bounds.top() + visible.height() / 2)
                           : QPointF(bounds.left() + visible.width() / 2, bounds.center().y());
  view_->centerOn(fits ? bounds.center() : from);
}

void NetworkEditor::zoomBy(double factor) {
  const double now = view_->transform().m11();
  const double next = std::clamp(now * factor, 0.15, 3.0);
  view_->scale(next / now, next / now);
}

void NetworkEditor::changeEvent(QEvent* event) {
  if (event->type() == QEvent::PaletteChange) {
    scene_->setPalette(palette());
    scene_->update();
  }
  QWidget::changeEvent(event);
}

}  // namespace gradlab::ui

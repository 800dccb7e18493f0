#include "editor/editor_view.h"

#include "editor/edge_item.h"
#include "editor/layer_style.h"
#include "editor/network_editor.h"
#include "editor/node_item.h"

#include <QDragEnterEvent>
#include <QGraphicsPathItem>
#include <QMimeData>
#include <QScrollBar>

#include <cmath>

namespace gradlab::ui {
namespace {

constexpr double kSceneReach = 20000;  // how far from the origin the canvas scrolls
constexpr double kOutputReach = 48;    // a drop this close (view pixels) to an output follows it

}  // namespace

EditorView::EditorView(NetworkEditor* editor, QGraphicsScene* scene) : QGraphicsView(scene, editor), editor_(editor) {
  setAcceptDrops(true);
  setDragMode(RubberBandDrag);
  setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  setTransformationAnchor(AnchorUnderMouse);
  // The strip under the canvas grows with the engine's messages (a dropped layer is unconnected at
  // first): the boxes must not move under the cursor when the canvas gets shorter.
  setResizeAnchor(NoAnchor);
  setViewportUpdateMode(BoundingRectViewportUpdate);
  setFocusPolicy(Qt::StrongFocus);
  // A scene rect that grew with each new item would make the view re-centre its contents under
  // the cursor after a drop; a fixed, ample one keeps every point where the user put it.
  setSceneRect(-kSceneReach, -kSceneReach, 2 * kSceneReach, 2 * kSceneReach);
}

void EditorView::dragEnterEvent(QDragEnterEvent* event) {
  if (event->mimeData()->hasFormat(kLayerMimeType))
    event->acceptProposedAction();
  else
    event->ignore();
}

void EditorView::dragMoveEvent(QDragMoveEvent* event) {
  if (event->mimeData()->hasFormat(kLayerMimeType))
    event->acceptProposedAction();
  else
    event->ignore();
}

void EditorView::dropEvent(QDropEvent* event) {
  if (!event->mimeData()->hasFormat(kLayerMimeType)) return event->ignore();
  const QString type = QString::fromUtf8(event->mimeData()->data(kLayerMimeType));
  if (dropLayer(type, event->position().toPoint()).isEmpty()) return event->ignore();
  event->acceptProposedAction();
  setFocus();
}

// Under the cursor; onto a connection it goes into it, near a layer's output it follows that layer.
QString EditorView::dropLayer(const QString& type, QPoint viewPos) {
  const QPointF at = mapToScene(viewPos);
  if (type != kInputType) {
    for (QGraphicsItem* item : items(viewPos)) {
      if (item->type() == NodeItem::Type) break;  // onto a box: nothing under it counts
      if (item->type() != EdgeItem::Type) continue;
      const auto* edge = static_cast<EdgeItem*>(item);
      return editor_->addLayerAfter(type, at, edge->from()->name(), edge->to()->name(), edge->slot());
    }
    const NodeItem* nearest = nullptr;
    double best = kOutputReach;
    for (QGraphicsItem* item : scene()->items()) {
      if (item->type() != NodeItem::Type) continue;
      const auto* node = static_cast<NodeItem*>(item);
      if (!node->outputPort()) continue;
      const double d = QLineF(mapFromScene(node->outputPortPos()), viewPos).length();
      if (d < best) best = d, nearest = node;
    }
    if (nearest) return editor_->addLayerAfter(type, at, nearest->name());
  }
  return editor_->addLayer(type, at);
}

PortItem* EditorView::portAt(QPoint viewPos) const {
  for (QGraphicsItem* item : items(viewPos))
    if (item->type() == PortItem::Type) return static_cast<PortItem*>(item);
  return nullptr;
}

void EditorView::mousePressEvent(QMouseEvent* event) {
  PortItem* port = event->button() == Qt::LeftButton ? portAt(event->position().toPoint()) : nullptr;
  if (!port) return QGraphicsView::mousePressEvent(event);
  dragFrom_ = port;
  dragLine_ = scene()->addPath(QPainterPath(), QPen(palette().color(QPalette::Highlight), 2, Qt::DashLine));
  dragLine_->setZValue(10);
  event->accept();
}

void EditorView::mouseMoveEvent(QMouseEvent* event) {
  if (!dragFrom_) return QGraphicsView::mouseMoveEvent(event);
  const QPointF a = dragFrom_->scenePos(), b = mapToScene(event->position().toPoint());
  QPainterPath path(a);
  path.lineTo(b);
  dragLine_->setPath(path);
  event->accept();
}

void EditorView::mouseReleaseEvent(QMouseEvent* event) {
  if (!dragFrom_) {
    QGraphicsView::mouseReleaseEvent(event);
    editor_->commitMoves();
    return;
  }
  finishConnection(event->position().toPoint());
  event->accept();
}

void EditorView::finishConnection(QPoint viewPos) {
  delete dragLine_;
  dragLine_ = nullptr;
  PortItem* from = std::exchange(dragFrom_, nullptr);
  PortItem* to = portAt(viewPos);
  const QString fromNode = static_cast<NodeItem*>(from->parentItem())->name();
  if (!to) {
    // Pulling a connected input away disconnects it.
    const nn::Graph graph = editor_->graph();
    const nn::Node* node = graph.find(fromNode.toStdString());
    if (from->role() == PortItem::Input && node && size_t(from->slot()) < node->inputs.size())
      editor_->disconnectInput(fromNode, from->slot());
    return;
  }
  if (to->role() == from->role()) return;
  const PortItem* output = from->role() == PortItem::Output ? from : to;
  const PortItem* input = from->role() == PortItem::Input ? from : to;
  editor_->connectLayers(static_cast<NodeItem*>(output->parentItem())->name(),
                         static_cast<NodeItem*>(input->parentItem())->name(), input->slot());
}

void EditorView::wheelEvent(QWheelEvent* event) {
  if (!(event->modifiers() & Qt::ControlModifier)) return QGraphicsView::wheelEvent(event);
  editor_->zoomBy(std::pow(1.0015, event->angleDelta().y()));
  event->accept();
}

void EditorView::drawBackground(QPainter* painter, const QRectF& rect) {
  painter->fillRect(rect, palette().color(QPalette::Window));
  // A faint dot grid, left out when zoomed so far out that it would be a grey haze.
  constexpr double kGrid = 24;
  if (transform().m11() * kGrid < 10) return;
  QColor dot = palette().color(QPalette::WindowText);
  dot.setAlphaF(0.12);
  painter->setPen(QPen(dot, 1.5 / transform().m11()));
  for (double x = std::floor(rect.left() / kGrid) * kGrid; x < rect.right(); x += kGrid)
    for (double y = std::floor(rect.top() / kGrid) * kGrid; y < rect.bottom(); y += kGrid)
      painter->drawPoint(QPointF(x, y));
}

}  // namespace gradlab::ui

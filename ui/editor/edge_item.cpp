#include "editor/edge_item.h"

#include "editor/layer_style.h"
#include "editor/node_item.h"

#include <QApplication>
#include <QFontMetricsF>
#include <QGraphicsScene>
#include <QPainter>
#include <QPainterPathStroker>
#include <QPalette>
#include <QWidget>

#include <cmath>

namespace gradlab::ui {
namespace {

QFont labelFont() { return canvasFont(0.85); }

// A polyline with its corners rounded.
QPainterPath rounded(const std::vector<QPointF>& points, double radius) {
  QPainterPath path(points.front());
  for (size_t i = 1; i + 1 < points.size(); ++i) {
    const QPointF a = points[i - 1], c = points[i], b = points[i + 1];
    const QLineF in(c, a), out(c, b);
    const double r = std::min({radius, in.length() / 2, out.length() / 2});
    path.lineTo(in.pointAt(r / std::max(in.length(), 1e-9)));
    path.quadTo(c, out.pointAt(r / std::max(out.length(), 1e-9)));
  }
  path.lineTo(points.back());
  return path;
}

}  // namespace

EdgeItem::EdgeItem(NodeItem* from, NodeItem* to, int slot, const QString& label, bool vertical)
    : from_(from), to_(to), slot_(slot), label_(label), vertical_(vertical) {
  setFlags(ItemIsSelectable);
  setZValue(-1);  // under the boxes
  setToolTip(QObject::tr("%1 → %2: %3 per sample (select and press Delete to disconnect)")
                 .arg(from->name(), to->name(), label));
  from->attach(this);
  to->attach(this);
  updatePath();
}

void EdgeItem::updatePath() {
  prepareGeometryChange();
  const QPointF a = from_->outputPortPos(), b = to_->inputPortPos(slot_);
  // along: the flow direction; across: perpendicular to it.
  auto along = [&](double d) { return vertical_ ? QPointF(0, d) : QPointF(d, 0); };
  auto across = [&](double d) { return vertical_ ? QPointF(d, 0) : QPointF(0, d); };
  const double span = vertical_ ? b.y() - a.y() : b.x() - a.x();

  // Other boxes on the straight way between the ports?
  bool blocked = false;
  if (scene()) {
    QPainterPath straight(a);
    straight.lineTo(b);
    for (QGraphicsItem* item : scene()->items(straight, Qt::IntersectsItemBoundingRect))
      if (item->type() == NodeItem::Type && item != from_ && item != to_) blocked = true;
  }
  if (blocked) {
    // Out of the source, beside the boxes in between, and back in.
    const double side = std::max(vertical_ ? from_->boundingRect().width() : from_->boundingRect().height(),
                                 vertical_ ? to_->boundingRect().width() : to_->boundingRect().height()) /
                            2 +
                        22;
    const double lane = (vertical_ ? std::max(a.x(), b.x()) - a.x() : std::max(a.y(), b.y()) - a.y()) + side;
    const double step = 6;  // close to the ports, clear of the labels midway between layers
    const QPointF p1 = a + along(step), p2 = p1 + across(lane);
    const QPointF p4 = b - along(step);
    const QPointF p3 = vertical_ ? QPointF(p2.x(), p4.y()) : QPointF(p4.x(), p2.y());
    path_ = rounded({a, p1, p2, p3, p4, b}, 12);
    labelAt_ = (p2 + p3) / 2;
  } else {
    const double pull = std::max(30.0, std::abs(span) / 2);
    path_ = QPainterPath(a);
    path_.cubicTo(a + along(pull), b - along(pull), b);
    labelAt_ = path_.pointAtPercent(0.5);
  }
  update();
}

QPointF EdgeItem::labelPos() const { return labelAt_; }

QRectF EdgeItem::labelRect() const {
  const QFontMetricsF fm(labelFont());
  const QSizeF size(fm.horizontalAdvance(label_) + 10, fm.height() + 2);
  return QRectF(labelAt_ - QPointF(size.width() / 2, size.height() / 2), size);
}

QRectF EdgeItem::boundingRect() const { return path_.boundingRect().adjusted(-6, -6, 6, 6).united(labelRect()); }

QPainterPath EdgeItem::shape() const {
  QPainterPathStroker stroker;
  stroker.setWidth(10);
  QPainterPath s = stroker.createStroke(path_);
  s.addRect(labelRect());
  return s;
}

void EdgeItem::paint(QPainter* painter, const QStyleOptionGraphicsItem*, QWidget* widget) {
  // The colours of the view being painted (it follows the system palette), else the scene's.
  const QPalette palette = widget ? widget->palette() : scene() ? scene()->palette() : QApplication::palette();
  painter->setRenderHint(QPainter::Antialiasing);
  QColor color = isSelected() ? palette.color(QPalette::Highlight) : palette.color(QPalette::Text);
  if (!isSelected()) color.setAlphaF(0.55);
  painter->setPen(QPen(color, isSelected() ? 2.5 : 1.6));
  painter->setBrush(Qt::NoBrush);
  painter->drawPath(path_);

  if (label_.isEmpty()) return;
  const QRectF r = labelRect();
  QColor back = palette.color(QPalette::Window);
  painter->setPen(QPen(color, 1));
  painter->setBrush(back);
  painter->drawRoundedRect(r, r.height() / 2, r.height() / 2);
  painter->setFont(labelFont());
  painter->setPen(palette.color(QPalette::Text));
  painter->drawText(r, Qt::AlignCenter, label_);
}

}  // namespace gradlab::ui

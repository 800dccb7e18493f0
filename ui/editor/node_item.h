#pragma once
// A node of the editor's canvas: a rounded box with the node's name, type, key hyper-parameters
// and parameter count (or an input's shape), input ports on the side the data comes from and an
// output port on the side it leaves, outlined red with the engine's message when it has an error.
#include "editor/auto_layout.h"

#include <QGraphicsEllipseItem>
#include <QGraphicsItem>

namespace gradlab::ui {

class EdgeItem;

// What a node box shows; the editor fills it from the graph and its analysis.
struct NodeContent {
  QString name, type, category;  // type and category "Input" for a graph input
  QString params;                // key hyper-parameters, or an input's shape
  QString count;                 // "156 params", empty for none
  QString errors, warnings;      // the engine's messages, one per line
  int inputSlots = 1;            // ports to connect into (0 for an input)
  bool hasOutput = true;         // a loss has no output to connect
  bool operator==(const NodeContent&) const = default;
};

class PortItem : public QGraphicsEllipseItem {
 public:
  enum Role { Input, Output };
  enum { Type = UserType + 2 };
  PortItem(Role role, int slot, QGraphicsItem* parent);
  int type() const override { return Type; }
  Role role() const { return role_; }
  int slot() const { return slot_; }
  QPainterPath shape() const override;  // larger than the dot: easy to hit

 protected:
  void hoverEnterEvent(QGraphicsSceneHoverEvent* event) override;
  void hoverLeaveEvent(QGraphicsSceneHoverEvent* event) override;

 private:
  Role role_;
  int slot_;
};

class NodeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 1 };
  NodeItem(const NodeContent& content, LayoutDirection direction);
  int type() const override { return Type; }

  // The box size for some content, so a layout can be computed before items exist.
  static QSizeF sizeFor(const NodeContent& content);
  static QFont detailFont();  // the smallest text a box draws: hyper-parameters and counts

  const NodeContent& content() const { return content_; }
  QString name() const { return content_.name; }
  void setContent(const NodeContent& content, LayoutDirection direction);

  QPointF inputPortPos(int slot) const;  // scene coordinates
  QPointF outputPortPos() const;
  PortItem* inputPort(int slot) const;
  PortItem* outputPort() const { return output_; }

  void attach(EdgeItem* edge) { edges_.push_back(edge); }
  void detachAll() { edges_.clear(); }

  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 protected:
  QVariant itemChange(GraphicsItemChange change, const QVariant& value) override;

 private:
  void rebuildPorts();
  QRectF box() const;

  NodeContent content_;
  LayoutDirection direction_;
  QSizeF size_;
  std::vector<PortItem*> inputs_;
  PortItem* output_ = nullptr;
  std::vector<EdgeItem*> edges_;
};

}  // namespace gradlab::ui

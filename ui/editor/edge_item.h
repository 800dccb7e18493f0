#pragma once
// A connection on the canvas: a curve from one node's output port into an input port of another,
// labelled with the shape of the tensor it carries (one sample: "16×14×14"). An edge that would
// run through other boxes (a skip connection) detours beside them.
#include <QGraphicsItem>
#include <QPainterPath>

namespace gradlab::ui {

class NodeItem;

class EdgeItem : public QGraphicsItem {
 public:
  enum { Type = UserType + 3 };
  EdgeItem(NodeItem* from, NodeItem* to, int slot, const QString& label, bool vertical);
  int type() const override { return Type; }

  NodeItem* from() const { return from_; }
  NodeItem* to() const { return to_; }
  int slot() const { return slot_; }
  QString label() const { return label_; }
  QPointF labelPos() const;  // scene coordinates of the label's centre

  void updatePath();

  QRectF boundingRect() const override;
  QPainterPath shape() const override;
  void paint(QPainter* painter, const QStyleOptionGraphicsItem* option, QWidget* widget) override;

 private:
  QRectF labelRect() const;

  NodeItem* from_;
  NodeItem* to_;
  int slot_;
  QString label_;
  bool vertical_;
  QPainterPath path_;
  QPointF labelAt_;
};

}  // namespace gradlab::ui

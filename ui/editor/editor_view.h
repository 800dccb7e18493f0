#pragma once
// The editor's canvas: takes layers dropped from the palette, turns a drag from port to port
// into a connection (and a drag from a connected input into empty space into a disconnection),
// zooms with Ctrl+wheel, selects with a rubber band, and reports finished moves to the editor.
#include <QGraphicsView>

class QGraphicsPathItem;

namespace gradlab::ui {

class NetworkEditor;
class PortItem;

class EditorView : public QGraphicsView {
  Q_OBJECT
 public:
  EditorView(NetworkEditor* editor, QGraphicsScene* scene);

 protected:
  void dragEnterEvent(QDragEnterEvent* event) override;
  void dragMoveEvent(QDragMoveEvent* event) override;
  void dropEvent(QDropEvent* event) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void mouseReleaseEvent(QMouseEvent* event) override;
  void wheelEvent(QWheelEvent* event) override;
  void drawBackground(QPainter* painter, const QRectF& rect) override;

 private:
  PortItem* portAt(QPoint viewPos) const;
  QString dropLayer(const QString& type, QPoint viewPos);  // the new layer's name; empty: refused
  void finishConnection(QPoint viewPos);

  NetworkEditor* editor_;
  PortItem* dragFrom_ = nullptr;           // the port a connection is dragged from
  QGraphicsPathItem* dragLine_ = nullptr;  // the connection being dragged
};

}  // namespace gradlab::ui

#pragma once
// The drag-and-drop network editor: layers dropped from the palette become boxes, ports dragged
// onto ports connect them, and every edit (add, delete, connect, disconnect, move, rename,
// hyper-parameter, paste, auto-arrange, text) is one step on an undo stack. After each edit the
// engine checks the graph (nn::analyze): edges show the shape they carry, boxes their parameter
// count, and a box with an error is outlined red with the engine's message, which a strip under
// the canvas repeats.
#include "editor/editor_state.h"

#include <QGraphicsView>
#include <QWidget>

#include <optional>
#include <set>

class QAction;
class QGraphicsScene;
class QLabel;
class QUndoStack;

namespace gradlab::ui {

class EdgeItem;
class EditorView;
class NodeItem;

class NetworkEditor : public QWidget {
  Q_OBJECT
 public:
  explicit NetworkEditor(QWidget* parent = nullptr);
  ~NetworkEditor() override;

  // Shows a network: nodes without a position are arranged automatically; the undo stack starts empty.
  void setGraph(const nn::Graph& graph, const Positions& positions = {});
  // Shows no network, and instead says (rich text) what is shown and why there is nothing to
  // edit: an experiment that is no network, such as an optimizer race on a 2-D test function.
  // The next setGraph, or an edit (a layer added from the palette), brings the canvas back.
  void showPlaceholder(const QString& text);
  QString placeholderText() const;  // empty while the canvas shows
  nn::Graph graph() const { return state_.graph; }
  Positions positions() const { return state_.positions; }
  const nn::GraphAnalysis& analysis() const { return analysis_; }
  bool trainable() const { return analysis_.ok(); }
  QString problem() const;  // why it cannot train (the engine's first error); empty when it can
  // Marks graph node `node` as not fitting the device, for `reason`, as an error of the shape
  // check would (red, in the strip, in problem()) until the graph changes; -1 clears it.
  void setDeviceProblem(int node, const QString& reason);
  QUndoStack* undoStack() const { return undo_; }

  LayoutDirection direction() const { return direction_; }
  void setDirection(LayoutDirection direction);  // re-arranges, as one undo step

  // Edits; each is one undo step. They return why they did nothing (empty on success) where the
  // user can ask for something impossible.
  QString addLayer(const QString& type, QPointF scenePos);  // type: a catalog type or "Input"; returns the new name
  // A layer added fed by `from`'s output and, when `to` is given, feeding `to`'s input `slot` in
  // from's place: dropped onto a connection, it goes into it; near an output, it follows it.
  // Returns the new name; one undo step. A connection the new layer cannot make is left out.
  QString addLayerAfter(const QString& type, QPointF scenePos, const QString& from, const QString& to = {},
                        int slot = 0);
  QString connectLayers(const QString& from, const QString& to, int slot);
  void disconnectInput(const QString& to, int slot);
  void removeLayers(const QStringList& names);
  QString renameLayer(const QString& from, const QString& to);
  void setParam(const QString& node, const QString& key, const QString& text);  // text validated by the caller
  void setInputShape(const QString& input, const nn::Shape& shape);
  void replaceGraph(const nn::Graph& graph, const QString& what);  // keeps positions of names that survive

  void deleteSelection();
  void copySelection();
  void paste();
  void selectAll();
  void autoArrange();
  void fitToView();   // the whole network, zoomed out as far as its text stays legible up close
  void actualSize();  // 100%, readable on a projector; where setGraph and auto-arrange leave it
  void zoomBy(double factor);

  QStringList selectedNames() const;
  QString selectedName() const;  // the one selected node, or empty
  void select(const QStringList& names);

  // The editor's actions (shortcuts active while the editor has focus): undo, redo, delete, copy,
  // paste, select all, auto-arrange, fit to view, actual size, zoom in, zoom out.
  QList<QAction*> editActions() const { return actions_; }
  QAction* action(const QString& objectName) const;

  // For views built on the editor, and tests.
  QGraphicsView* view() const;
  QGraphicsScene* scene() const { return scene_; }
  NodeItem* nodeItem(const QString& name) const;
  QList<EdgeItem*> edgeItems() const;
  QString messageText() const;  // what the strip under the canvas says
  static QSizeF boxSize(const nn::Graph& graph, const nn::GraphAnalysis& analysis, const std::string& name);

 signals:
  void graphChanged();
  void selectedNodeChanged(const QString& name);  // empty: none, or several
  void statusMessage(const QString& text);        // why an edit was refused

 protected:
  void changeEvent(QEvent* event) override;

 private:
  friend class EditorView;
  void commit(const QString& text, EditorState after, const QString& mergeKey = {});
  void apply(const EditorState& state);
  EditorState current() const;  // the state with the selection as it is now
  void syncScene();
  void showAnalysis();
  void commitMoves();  // after a drag: item positions into an undo step
  void onSelectionChanged();
  void createActions();
  QRectF networkBounds() const;  // every box and edge with a margin; empty for no network

  EditorState state_;
  nn::GraphAnalysis analysis_;
  std::optional<nn::GraphIssue> deviceIssue_;  // setDeviceProblem's, shown with analysis_'s issues
  LayoutDirection direction_ = LayoutDirection::TopToBottom;
  QGraphicsScene* scene_;
  EditorView* view_;
  QLabel* strip_;
  QLabel* placeholder_;
  QUndoStack* undo_;
  QList<QAction*> actions_;
  std::map<QString, NodeItem*> items_;
  QList<EdgeItem*> edges_;
  QString lastSelected_;
  bool syncing_ = false;
  int pasteCount_ = 0;
};

}  // namespace gradlab::ui

#pragma once
// The layers a network can use, from the engine's catalog, grouped as a course introduces them
// (Input, Dense & Convolution, Pooling, Activations, ...), with a search filter. Each entry drags
// onto the editor's canvas (MIME type kLayerMimeType, the layer type as data) and double-clicks
// to ask for the layer to be added.
#include <QWidget>

class QLineEdit;
class QTreeWidget;
class QTreeWidgetItem;

namespace gradlab::ui {

class LayerPalette : public QWidget {
  Q_OBJECT
 public:
  explicit LayerPalette(QWidget* parent = nullptr);

  void setFilter(const QString& text);
  QStringList visibleTypes() const;  // the layer types the filter leaves, in palette order
  QTreeWidget* tree() const { return tree_; }
  QTreeWidgetItem* itemFor(const QString& type) const;

 signals:
  void layerActivated(const QString& type);

 private:
  QLineEdit* search_;
  QTreeWidget* tree_;
};

}  // namespace gradlab::ui

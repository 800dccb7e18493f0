#pragma once
// How the editor presents layers: the palette's groups, a small fixed accent colour per layer
// family (everything else follows the system palette), and the short texts on node boxes and
// edges. What layers exist and what they take comes from the engine's catalog only.
#include "nn/graph.h"

#include <QColor>
#include <QFont>
#include <QString>
#include <QStringList>

#include <vector>

namespace gradlab::ui {

// The pseudo layer type of a graph input in the palette and the drag data.
inline const QString kInputType = QStringLiteral("Input");
// The MIME type of a layer dragged from the palette; the data is the layer type in UTF-8.
inline const QString kLayerMimeType = QStringLiteral("application/x-gradlab-layer");
// The MIME type of copied nodes; the data is a fragment (see graph_edits.h).
inline const QString kNodesMimeType = QStringLiteral("application/x-gradlab-nodes");

struct PaletteGroup {
  QString title;
  QStringList categories;  // catalog categories listed under it
};
// Input, Dense & Convolution, Pooling, Activations, Normalization, Regularization, Structure,
// Losses; a catalog category none of them lists gets a group of its own after them.
std::vector<PaletteGroup> paletteGroups();

QColor familyAccent(const QString& category);  // "Input" for graph inputs

// The smallest text on the canvas at 100% zoom: readable from the back of a room on a projector.
constexpr double kCanvasMinPointSize = 9;
// The application's font scaled by `relative` (smaller for secondary text), never below
// kCanvasMinPointSize.
QFont canvasFont(double relative = 1.0);

// "16×14×14": one sample's shape (the batch is never shown).
QString shapeText(const nn::Shape& shape);
// "out_channels=6, kernel_size=5": the hyper-parameters a node sets, without the
// initialisation ones (init*, bias_init), which the inspector shows.
QString keyParamsText(const nn::Node& node);
// "2,416" and "2,416 params"
QString countText(uint64_t count);
QString paramCountText(uint64_t count);

}  // namespace gradlab::ui

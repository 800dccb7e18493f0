#pragma once
// Where the editor puts nodes nobody placed: a layered layout by depth (each node one layer past
// its deepest input), nodes in a layer ordered and centred under the inputs they read, so a chain
// runs straight and a branch sits beside it.
#include "nn/graph.h"

#include <QPointF>
#include <QSizeF>

#include <functional>
#include <map>
#include <string>

namespace gradlab::ui {

enum class LayoutDirection { TopToBottom, LeftToRight };

using Positions = std::map<std::string, QPointF>;  // node and input centres, in scene coordinates

// Centres for every input and node of `graph`; `sizeOf` gives each box's size.
Positions layeredLayout(const nn::Graph& graph, LayoutDirection direction,
                        const std::function<QSizeF(const std::string&)>& sizeOf);

// `known` completed for the names it lacks: a node whose inputs are placed goes one step past
// them, the others where the full layout would put them; either way moved aside until it overlaps
// no box. With nothing known this is the full layout.
Positions completeLayout(const nn::Graph& graph, const Positions& known, LayoutDirection direction,
                         const std::function<QSizeF(const std::string&)>& sizeOf);

}  // namespace gradlab::ui

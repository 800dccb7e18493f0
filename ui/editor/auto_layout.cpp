#include "editor/auto_layout.h"

#include "editor/graph_edits.h"

#include <QRectF>

#include <algorithm>
#include <set>
#include <vector>

namespace gradlab::ui {
namespace {

constexpr double kLayerGap = 40;  // between layers: room for the edge and its shape label
constexpr double kSideGap = 40;   // between boxes side by side

struct Axes {
  LayoutDirection direction;
  bool down() const { return direction == LayoutDirection::TopToBottom; }
  double along(QSizeF s) const { return down() ? s.height() : s.width(); }
  double across(QSizeF s) const { return down() ? s.width() : s.height(); }
  double along(QPointF p) const { return down() ? p.y() : p.x(); }
  double across(QPointF p) const { return down() ? p.x() : p.y(); }
  QPointF point(double along, double across) const { return down() ? QPointF(across, along) : QPointF(along, across); }
};

// Every name in graph order: inputs first, then nodes.
std::vector<std::string> allNames(const nn::Graph& graph) {
  std::vector<std::string> names;
  for (const auto& in : graph.inputs) names.push_back(in.name);
  for (const auto& node : graph.nodes) names.push_back(node.name);
  return names;
}

// Longest path from a source; inputs, unconnected nodes and nodes on a cycle count as sources.
std::map<std::string, int> depths(const nn::Graph& graph) {
  std::map<std::string, int> depth;
  std::set<std::string> visiting;
  std::function<int(const std::string&)> of = [&](const std::string& name) -> int {
    if (auto it = depth.find(name); it != depth.end()) return it->second;
    const nn::Node* node = graph.find(name);
    if (!node || !visiting.insert(name).second) return 0;
    int d = 0;
    for (const auto& in : node->inputs)
      if (hasName(graph, in)) d = std::max(d, of(in) + 1);
    visiting.erase(name);
    return depth[name] = d;
  };
  for (const auto& name : allNames(graph)) depth[name] = of(name);
  return depth;
}

QRectF boxAt(QPointF centre, QSizeF size) {
  return QRectF(centre - QPointF(size.width() / 2, size.height() / 2), size);
}

}  // namespace

Positions layeredLayout(const nn::Graph& graph, LayoutDirection direction,
                        const std::function<QSizeF(const std::string&)>& sizeOf) {
  const Axes axes{direction};
  const auto depth = depths(graph);
  int layers = 0;
  for (const auto& [name, d] : depth) layers = std::max(layers, d + 1);
  std::vector<std::vector<std::string>> byLayer(static_cast<size_t>(layers));
  for (const auto& name : allNames(graph)) byLayer[size_t(depth.at(name))].push_back(name);

  Positions out;
  double along = 0;
  for (auto& layer : byLayer) {
    // Where each node would like to sit across the flow: centred on the inputs it reads.
    std::map<std::string, double> wanted;
    for (size_t i = 0; i < layer.size(); ++i) {
      const nn::Node* node = graph.find(layer[i]);
      double sum = 0;
      int count = 0;
      for (const auto& in : node ? node->inputs : std::vector<std::string>{})
        if (auto it = out.find(in); it != out.end()) sum += axes.across(it->second), ++count;
      wanted[layer[i]] = count ? sum / count : 0;
    }
    std::stable_sort(layer.begin(), layer.end(), [&](const auto& a, const auto& b) { return wanted[a] < wanted[b]; });
    // Packed side by side in that order, then the row shifted so it centres where they want to be.
    std::vector<double> placed;
    double cursor = 0, extent = 0;
    for (const auto& name : layer) {
      const QSizeF size = sizeOf(name);
      placed.push_back(cursor + axes.across(size) / 2);
      cursor += axes.across(size) + kSideGap;
      extent = std::max(extent, axes.along(size));
    }
    double shift = 0;
    for (size_t i = 0; i < layer.size(); ++i) shift += wanted[layer[i]] - placed[i];
    shift /= double(std::max<size_t>(1, layer.size()));
    for (size_t i = 0; i < layer.size(); ++i) out[layer[i]] = axes.point(along + extent / 2, placed[i] + shift);
    along += extent + kLayerGap;
  }
  return out;
}

Positions completeLayout(const nn::Graph& graph, const Positions& known, LayoutDirection direction,
                         const std::function<QSizeF(const std::string&)>& sizeOf) {
  Positions out;
  for (const auto& name : allNames(graph))
    if (auto it = known.find(name); it != known.end()) out[name] = it->second;
  if (out.empty()) return layeredLayout(graph, direction, sizeOf);
  const Axes axes{direction};
  const Positions full = layeredLayout(graph, direction, sizeOf);
  auto overlaps = [&](const std::string& name, QPointF centre) {
    const QRectF box = boxAt(centre, sizeOf(name)).adjusted(-kSideGap / 2, -kLayerGap / 2, kSideGap / 2, kLayerGap / 2);
    for (const auto& [other, pos] : out)
      if (other != name && box.intersects(boxAt(pos, sizeOf(other)))) return true;
    return false;
  };
  // In depth order, so a chain of new nodes follows its first placed input.
  const auto depth = depths(graph);
  std::vector<std::string> missing;
  for (const auto& name : allNames(graph))
    if (!out.count(name)) missing.push_back(name);
  std::stable_sort(missing.begin(), missing.end(),
                   [&](const auto& a, const auto& b) { return depth.at(a) < depth.at(b); });
  for (const auto& name : missing) {
    QPointF centre = full.at(name);
    const nn::Node* node = graph.find(name);
    if (node && !node->inputs.empty() && out.count(node->inputs.front())) {
      const QPointF from = out.at(node->inputs.front());
      const double step = axes.along(sizeOf(node->inputs.front())) / 2 + kLayerGap + axes.along(sizeOf(name)) / 2;
      centre = axes.point(axes.along(from) + step, axes.across(from));
    }
    const double sideStep = axes.across(sizeOf(name)) + kSideGap;
    for (int i = 0; i < 200 && overlaps(name, centre); ++i)
      centre = axes.point(axes.along(centre), axes.across(centre) + sideStep);
    out[name] = centre;
  }
  return out;
}

}  // namespace gradlab::ui

#include "editor/layer_style.h"

#include <QApplication>
#include <QLocale>

#include <algorithm>
#include <set>

namespace gradlab::ui {

std::vector<PaletteGroup> paletteGroups() {
  std::vector<PaletteGroup> groups = {
      {QObject::tr("Input"), {kInputType}},
      {QObject::tr("Dense & Convolution"), {"Dense", "Convolution"}},
      {QObject::tr("Pooling"), {"Pooling"}},
      {QObject::tr("Activations"), {"Activation"}},
      {QObject::tr("Normalization"), {"Normalization"}},
      {QObject::tr("Regularization"), {"Regularization"}},
      {QObject::tr("Structure"), {"Structure"}},
      {QObject::tr("Losses"), {"Loss"}},
  };
  std::set<QString> listed;
  for (const auto& g : groups) listed.insert(g.categories.begin(), g.categories.end());
  for (const auto& def : nn::layerCatalog()) {
    const QString category = QString::fromStdString(def.category);
    if (listed.insert(category).second) groups.push_back({category, {category}});
  }
  return groups;
}

QFont canvasFont(double relative) {
  QFont f = QApplication::font();
  f.setPointSizeF(std::max(kCanvasMinPointSize, f.pointSizeF() * relative));
  return f;
}

QColor familyAccent(const QString& category) {
  static const std::map<QString, QColor> accents = {
      {kInputType, QColor(96, 125, 139)},      {"Dense", QColor(31, 119, 180)},
      {"Convolution", QColor(23, 162, 184)},   {"Pooling", QColor(44, 160, 44)},
      {"Activation", QColor(230, 126, 34)},    {"Normalization", QColor(148, 103, 189)},
      {"Regularization", QColor(140, 86, 75)}, {"Structure", QColor(127, 127, 127)},
      {"Loss", QColor(214, 39, 40)},
  };
  auto it = accents.find(category);
  return it != accents.end() ? it->second : QColor(127, 127, 127);
}

QString shapeText(const nn::Shape& shape) {
  QStringList dims;
  for (uint32_t d : shape.dims) dims << QString::number(d);
  return dims.join(QChar(0x00D7));
}

QString keyParamsText(const nn::Node& node) {
  QStringList parts;
  for (const auto& [key, value] : node.params)
    if (!key.starts_with("init") && key != "bias_init") parts << QString::fromStdString(key + "=" + value);
  return parts.join(", ");
}

QString countText(uint64_t count) { return QLocale(QLocale::English).toString(qulonglong(count)); }

QString paramCountText(uint64_t count) { return QObject::tr("%1 params").arg(countText(count)); }

}  // namespace gradlab::ui

#pragma once
// Colour maps for the lab's heatmaps (perceptually uniform, readable in light and dark themes)
// and the qualitative palette that tells classes and optimizers apart.
#include <QColor>
#include <QImage>

#include <cstdint>
#include <vector>

namespace gradlab::ui {

enum class ColorMap {
  Viridis,  // dark blue to yellow: surfaces, loss landscapes
  Magma,    // black to pale yellow: spectra
};

// The colour at t in [0, 1] (clamped).
QRgb colorAt(ColorMap map, double t);
// A row-major `width` x `height` field as an image, `lo` .. `hi` spread over the map; the first
// row at the image's bottom (y grows upwards, as in plots).
QImage heatmap(const std::vector<double>& values, int width, int height, double lo, double hi, ColorMap map);

// Ten distinct colours (matplotlib's tab10), repeating.
QColor categoryColor(uint32_t index);

}  // namespace gradlab::ui

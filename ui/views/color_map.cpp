#include "views/color_map.h"

#include <algorithm>
#include <array>
#include <cmath>

namespace gradlab::ui {
namespace {

using Stops = std::array<std::array<float, 3>, 9>;
// Nine samples of each map, interpolated linearly (indistinguishable from the 256-entry tables).
constexpr Stops kViridis{{{0.267f, 0.005f, 0.329f},
                          {0.283f, 0.141f, 0.458f},
                          {0.254f, 0.265f, 0.530f},
                          {0.207f, 0.372f, 0.553f},
                          {0.164f, 0.471f, 0.558f},
                          {0.128f, 0.567f, 0.551f},
                          {0.135f, 0.659f, 0.518f},
                          {0.478f, 0.821f, 0.318f},
                          {0.993f, 0.906f, 0.144f}}};
constexpr Stops kMagma{{{0.001f, 0.000f, 0.014f},
                        {0.078f, 0.054f, 0.211f},
                        {0.232f, 0.060f, 0.438f},
                        {0.390f, 0.100f, 0.502f},
                        {0.550f, 0.161f, 0.506f},
                        {0.716f, 0.215f, 0.475f},
                        {0.868f, 0.288f, 0.409f},
                        {0.967f, 0.439f, 0.360f},
                        {0.987f, 0.991f, 0.750f}}};

}  // namespace

QRgb colorAt(ColorMap map, double t) {
  const Stops& s = map == ColorMap::Viridis ? kViridis : kMagma;
  t = std::isfinite(t) ? std::clamp(t, 0.0, 1.0) : 0.0;
  const double x = t * (s.size() - 1);
  const size_t i = std::min<size_t>(size_t(x), s.size() - 2);
  const double f = x - i;
  int c[3];
  for (int k = 0; k < 3; ++k) c[k] = int(std::lround(255 * (s[i][k] * (1 - f) + s[i + 1][k] * f)));
  return qRgb(c[0], c[1], c[2]);
}

QImage heatmap(const std::vector<double>& values, int width, int height, double lo, double hi, ColorMap map) {
  QImage image(width, height, QImage::Format_RGB32);
  const double span = hi > lo ? hi - lo : 1;
  for (int row = 0; row < height; ++row) {
    auto* line = reinterpret_cast<QRgb*>(image.scanLine(height - 1 - row));
    for (int col = 0; col < width; ++col) line[col] = colorAt(map, (values[size_t(row) * width + col] - lo) / span);
  }
  return image;
}

QColor categoryColor(uint32_t index) {
  static const QColor kTab10[] = {
      QColor(31, 119, 180), QColor(255, 127, 14),  QColor(44, 160, 44),   QColor(214, 39, 40),  QColor(148, 103, 189),
      QColor(140, 86, 75),  QColor(227, 119, 194), QColor(127, 127, 127), QColor(188, 189, 34), QColor(23, 190, 207)};
  return kTab10[index % 10];
}

}  // namespace gradlab::ui

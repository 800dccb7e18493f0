#include "views/contours.h"

#include <cmath>

namespace gradlab::ui {

std::vector<QLineF> contourSegments(const std::vector<double>& values, int cols, int rows, double level) {
  std::vector<QLineF> segments;
  auto at = [&](int c, int r) { return values[size_t(r) * cols + c]; };
  // Where the level crosses the edge from (c0, r0) to (c1, r1), by linear interpolation.
  auto cross = [&](int c0, int r0, int c1, int r1) {
    const double a = at(c0, r0), b = at(c1, r1);
    const double t = (level - a) / (b - a);
    return QPointF(c0 + t * (c1 - c0), r0 + t * (r1 - r0));
  };
  for (int r = 0; r + 1 < rows; ++r)
    for (int c = 0; c + 1 < cols; ++c) {
      const double v[4] = {at(c, r), at(c + 1, r), at(c + 1, r + 1), at(c, r + 1)};
      if (!std::isfinite(v[0]) || !std::isfinite(v[1]) || !std::isfinite(v[2]) || !std::isfinite(v[3])) continue;
      // Corners counter-clockwise from (c, r); bit k set when corner k is above the level.
      int index = 0;
      for (int k = 0; k < 4; ++k) index |= (v[k] > level) << k;
      if (index == 0 || index == 15) continue;
      const QPointF bottom = cross(c, r, c + 1, r), right = cross(c + 1, r, c + 1, r + 1);
      const QPointF top = cross(c, r + 1, c + 1, r + 1), left = cross(c, r, c, r + 1);
      const bool centreAbove = (v[0] + v[1] + v[2] + v[3]) / 4 > level;  // decides the two saddle cases
      switch (index) {
        case 1:
        case 14: segments.emplace_back(left, bottom); break;
        case 2:
        case 13: segments.emplace_back(bottom, right); break;
        case 3:
        case 12: segments.emplace_back(left, right); break;
        case 4:
        case 11: segments.emplace_back(right, top); break;
        case 6:
        case 9: segments.emplace_back(bottom, top); break;
        case 7:
        case 8: segments.emplace_back(left, top); break;
        case 5:  // corners 0 and 2 above
          if (centreAbove)
            segments.emplace_back(left, top), segments.emplace_back(bottom, right);
          else
            segments.emplace_back(left, bottom), segments.emplace_back(right, top);
          break;
        case 10:  // corners 1 and 3 above
          if (centreAbove)
            segments.emplace_back(left, bottom), segments.emplace_back(right, top);
          else
            segments.emplace_back(left, top), segments.emplace_back(bottom, right);
          break;
      }
    }
  return segments;
}

std::vector<double> contourLevels(double lo, double hi, int count) {
  std::vector<double> levels;
  for (int k = 1; k <= count; ++k) levels.push_back(lo + (hi - lo) * k / (count + 1));
  return levels;
}

}  // namespace gradlab::ui

#pragma once
// Contour lines of a sampled 2-D field by marching squares: where the field crosses a level,
// as line segments in grid coordinates (column, row: sample (c, r) is at (c, r)), for the caller
// to map onto its plot.
#include <QLineF>

#include <vector>

namespace gradlab::ui {

// `values`: `cols` x `rows`, row-major. Cells touching a non-finite sample draw nothing.
std::vector<QLineF> contourSegments(const std::vector<double>& values, int cols, int rows, double level);

// `count` levels evenly spaced strictly inside (lo, hi).
std::vector<double> contourLevels(double lo, double hi, int count);

}  // namespace gradlab::ui

#pragma once
// An axis range that follows from the values drawn alone: [lo, hi] widened to whole ticks of a
// nice step (1, 2 or 5 times a power of ten), about five ticks. Qt's applyNiceNumbers() starts
// from the tick count its last call left, so its range depends on the ranges drawn before, and a
// moment of the timeline could not be drawn as it was drawn live. Nice bounds also change far
// less often than the values, so most redraws keep the range (a new one lays a chart out again).
#include <cmath>

namespace gradlab::ui {

// 1, 2 or 5 times a power of ten near `x` > 0: at or above it with `ceiling`, otherwise the nearest.
inline double niceNumber(double x, bool ceiling) {
  const double z = std::pow(10.0, std::floor(std::log10(x))), q = x / z;
  if (ceiling) return (q <= 1 ? 1 : q <= 2 ? 2 : q <= 5 ? 5 : 10) * z;
  return (q < 1.5 ? 1 : q < 3 ? 2 : q < 7 ? 5 : 10) * z;
}

struct NiceRange {
  double lo, hi;
  int ticks;
};

// For lo < hi, both finite.
inline NiceRange niceRange(double lo, double hi) {
  const double step = niceNumber(niceNumber(hi - lo, true) / 4, false);
  const double first = std::floor(lo / step), last = std::ceil(hi / step);
  return {first * step, last * step, int(last - first) + 1};
}

// A log axis's range: whole decades holding [lo, hi] (0 < lo <= hi), with at most `labels` labels,
// one every `step` decades (an axis of base 10^step). More labels than fit overlap, and Qt Charts
// then elides every one of them to "...".
struct LogRange {
  double lo, hi;
  int step;  // decades between labels
};

inline LogRange logRange(double lo, double hi, int labels = 6) {
  int first = int(std::floor(std::log10(lo))), last = int(std::ceil(std::log10(hi) - 1e-9));
  if (last <= first) last = first + 1;
  const int step = int(std::ceil((last - first) / double(labels - 1)));
  first = int(std::floor(first / double(step))) * step;
  last = int(std::ceil(last / double(step))) * step;
  return {std::pow(10.0, first), std::pow(10.0, last), step};
}

}  // namespace gradlab::ui

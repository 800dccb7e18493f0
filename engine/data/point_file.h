#pragma once
// 2-D point sets of one's own: a CSV file of x,y,label lines, or points drawn in the lab, as a
// dataset like the generated toy sets (two floats a sample).
#include "data/dataset.h"

#include <string>
#include <vector>

namespace gradlab::data {

struct LabelledPoint {
  float x = 0, y = 0;
  uint32_t label = 0;
  bool operator==(const LabelledPoint&) const = default;
};

constexpr uint32_t kMaxPointClasses = 64;           // labels 0-63, as many as a toy set may have
constexpr uint64_t kMaxPointFileBytes = 64u << 20;  // ~2 million lines

// A dataset of the points; classes: the largest label + 1, at least 2.
Dataset makePointDataset(const std::vector<LabelledPoint>& points, const std::string& name);

// The points of CSV text: one x,y,label line each (x and y finite numbers, label a whole number
// 0-63), an optional header line, blank lines ignored. Throws DataError naming `source` and the
// first bad line: "points.csv line 7: expected x,y,label ...".
std::vector<LabelledPoint> parsePointsCsv(const std::string& text, const std::string& source,
                                          const char* unit = "line");
// The same read from a file (refused before reading when larger than kMaxPointFileBytes).
Dataset loadPointsCsv(const std::string& path);

// Points drawn in the lab travel as a dataset name, "drawn:x,y,label;x,y,label;...", so that the
// experiment that names its dataset keeps them and every command that takes a dataset reads them.
std::string drawnPointsName(const std::vector<LabelledPoint>& points);
bool isDrawnPointsName(const std::string& name);
// The points of such a name (DataError for a damaged one, naming the bad point).
std::vector<LabelledPoint> parseDrawnPoints(const std::string& name);

}  // namespace gradlab::data

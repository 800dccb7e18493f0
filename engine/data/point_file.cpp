#include "data/point_file.h"

#include "util/printable.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace gradlab::data {
namespace {

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

bool parseFloat(std::string_view s, float& out) {
  s = trimmed(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && error == std::errc() && end == s.data() + s.size() && std::isfinite(out);
}

bool parseLabel(std::string_view s, uint32_t& out) {
  s = trimmed(s);
  const auto [end, error] = std::from_chars(s.data(), s.data() + s.size(), out);
  return !s.empty() && error == std::errc() && end == s.data() + s.size() && out < kMaxPointClasses;
}

// x,y,label of one line, or false.
bool parseLine(std::string_view line, LabelledPoint& p) {
  const size_t a = line.find(','), b = a == line.npos ? a : line.find(',', a + 1);
  if (b == line.npos || line.find(',', b + 1) != line.npos) return false;
  return parseFloat(line.substr(0, a), p.x) && parseFloat(line.substr(a + 1, b - a - 1), p.y) &&
         parseLabel(line.substr(b + 1), p.label);
}

}  // namespace

Dataset makePointDataset(const std::vector<LabelledPoint>& points, const std::string& name) {
  Dataset d;
  d.name = name;
  d.sampleShape = nn::Shape{2};
  for (const LabelledPoint& p : points) {
    d.floats.push_back(p.x);
    d.floats.push_back(p.y);
    d.labels.push_back(p.label);
    d.classes = std::max(d.classes, p.label + 1);
  }
  d.classes = std::max(d.classes, 2u);
  for (uint32_t c = 0; c < d.classes; ++c) d.classNames.push_back(std::to_string(c));
  return d;
}

std::vector<LabelledPoint> parsePointsCsv(const std::string& text, const std::string& source, const char* unit) {
  std::vector<LabelledPoint> points;
  std::istringstream in(text);
  bool first = true;
  size_t number = 0;
  for (std::string line; std::getline(in, line);) {
    ++number;
    const std::string_view content = trimmed(line);
    if (content.empty()) continue;
    LabelledPoint p;
    const bool ok = parseLine(content, p);
    // A first line that is not a point is a header ("x,y,label"), as long as it has three fields.
    const bool header = first && !ok && std::count(content.begin(), content.end(), ',') == 2 &&
                        !parseFloat(content.substr(0, content.find(',')), p.x);
    first = false;
    if (header) continue;
    if (!ok)
      throw DataError(util::printable(source, 200) + " " + unit + " " + std::to_string(number) +
                      ": expected x,y,label (two finite numbers and a whole-number class 0-" +
                      std::to_string(kMaxPointClasses - 1) + "), got '" + util::printable(content, 80) + "'.");
    points.push_back(p);
  }
  if (points.size() < 2)
    throw DataError(util::printable(source, 200) + " holds " + std::to_string(points.size()) +
                    (points.size() == 1 ? " point" : " points") + "; a point set needs at least 2 (x,y,label each).");
  return points;
}

std::string drawnPointsName(const std::vector<LabelledPoint>& points) {
  std::string name = "drawn:";
  char buffer[64];
  for (const LabelledPoint& p : points) {
    // %.9g keeps every float exactly.
    std::snprintf(buffer, sizeof buffer, "%.9g,%.9g,%u;", double(p.x), double(p.y), p.label);
    name += buffer;
  }
  return name;
}

bool isDrawnPointsName(const std::string& name) { return name.rfind("drawn:", 0) == 0; }

std::vector<LabelledPoint> parseDrawnPoints(const std::string& name) {
  std::string text = name.substr(std::min<size_t>(name.size(), 6));
  std::replace(text.begin(), text.end(), ';', '\n');
  if (std::count(text.begin(), text.end(), '\n') < 2)
    throw DataError(
        "Draw at least 2 points on the Decision boundary view (a click adds one; keys 0-9 choose the class).");
  return parsePointsCsv(text, "the drawn points,", "point");
}

Dataset loadPointsCsv(const std::string& path) {
  namespace fs = std::filesystem;
  const std::string name = "'" + util::printable(path, 300) + "'";
  std::error_code error;
  if (!fs::is_regular_file(path, error))
    throw DataError("The point file " + name +
                    " does not exist or is not a regular file; give a CSV of x,y,label lines.");
  const uint64_t size = fs::file_size(path, error);
  if (error || size > kMaxPointFileBytes)
    throw DataError("The point file " + name + " is " + std::to_string(size >> 20) + " MiB, more than the " +
                    std::to_string(kMaxPointFileBytes >> 20) + " MiB a point set may take.");
  std::ifstream in(path, std::ios::binary);
  std::string text(size, '\0');
  in.read(text.data(), std::streamsize(size));
  text.resize(size_t(in.gcount()));
  return makePointDataset(parsePointsCsv(text, fs::path(path).filename().string()),
                          util::printable(fs::path(path).filename().string(), 60));
}

}  // namespace gradlab::data

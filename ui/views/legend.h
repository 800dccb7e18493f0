#pragma once
// A legend of named colour swatches in rows across a given width, for plots that draw it beside
// (not over) what they show: a box in a plot's corner covers paths that run there.
#include <QColor>
#include <QRectF>
#include <QString>
#include <QStringList>

#include <vector>

class QFontMetrics;
class QPainter;
class QPalette;

namespace gradlab::ui {

struct LegendEntry {
  QString name;
  QColor colour;
  Qt::PenStyle pen = Qt::SolidLine;  // not solid: the swatch is a line in this style (runs of a set)
};

class Legend {
 public:
  enum class Layout {
    Rows,   // as many entries a row as fit, each row centred: under a plot
    Column  // one entry a row, left-aligned: beside a plot
  };
  Legend() = default;
  // Lays the entries out no wider than `width`; a name too wide for a row alone is elided
  // (elided() lists it).
  Legend(std::vector<LegendEntry> entries, const QFontMetrics& metrics, double width, Layout layout = Layout::Rows);

  bool isEmpty() const { return entries_.empty(); }
  double height() const { return height_; }
  double width() const { return width_; }  // of the widest row
  // Entry i's swatch and name, from the legend's top left.
  QRectF entryRect(size_t i) const { return rects_.at(i); }
  const QStringList& elided() const { return elided_; }

  void draw(QPainter& p, QPointF topLeft, const QPalette& palette) const;

 private:
  std::vector<LegendEntry> entries_;
  std::vector<QString> shown_;  // the names as drawn
  std::vector<QRectF> rects_;
  QStringList elided_;
  double line_ = 0, height_ = 0, width_ = 0;
};

}  // namespace gradlab::ui

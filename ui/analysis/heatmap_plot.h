#pragma once
// A sampled 2-D field drawn as a heatmap in data coordinates: labelled axes with ticks, a colour
// bar (linear or log-scaled values), contour lines, and overlays — paths with start and end
// markers (named beside their starts, or in a legend under the plot), labelled point markers and a
// rectangle. Or a grey picture (an input image) with the same overlays. The loss landscape and the effective receptive
// field draw with it.
#include "views/color_map.h"
#include "views/legend.h"

#include <QImage>
#include <QLineF>
#include <QWidget>

#include <optional>
#include <vector>

namespace gradlab::ui {

class HeatmapPlot : public QWidget {
  Q_OBJECT
 public:
  struct Axis {
    double first = 0, last = 1;  // coordinates of the first and the last sample
    QString title;
  };
  struct Field {
    std::vector<double> values;  // cols x rows, row-major; row 0 at y.first
    int cols = 0, rows = 0;
    Axis x, y;
    QString valueTitle;  // the colour bar's
    bool log = false;    // colours (and contours) follow log10 of the values
    bool contours = false;
    ColorMap map = ColorMap::Viridis;
  };
  struct Path {
    std::vector<QPointF> points;  // data coordinates, oldest first
    QString name;
    QColor colour;                     // invalid: white for the first path, category colours for the next
    Qt::PenStyle pen = Qt::SolidLine;  // the runs of a set differ in line style too (grey prints)
  };
  struct Marker {
    QPointF at;
    QString label;
  };

  explicit HeatmapPlot(QWidget* parent = nullptr);

  void setField(Field field);
  // A grey picture (row 0 at the top, pixel (c, r) centred on (c, r)) with no colour bar.
  void setPicture(QImage picture, const QString& xTitle, const QString& yTitle);
  // Nothing to draw: `message` in the middle instead (the title and overlays go too).
  void clear(const QString& message);
  void setTitle(const QString& title);
  // Image rows go down the screen (row 0 at the top), as pictures do; plots go up. Before setField.
  void setRowsDown(bool down);
  // Square cells (images) instead of a square plot.
  void setEqualAspect(bool equal);
  void setPaths(std::vector<Path> paths);
  // Paths named in a legend under the plot instead of beside their starts (paths that share a
  // start would pile their names up there).
  void setLegend(bool shown);
  void setMarkers(std::vector<Marker> markers);
  void setBox(std::optional<QRectF> box);  // data coordinates (a pixel box reaches half a pixel past its centres)

  bool hasField() const { return !image_.isNull(); }
  const Field& field() const { return field_; }
  const std::vector<Path>& paths() const { return paths_; }
  const std::vector<Marker>& markers() const { return markers_; }
  int contourSegmentCount() const { return int(contours_.size()); }
  QString message() const { return message_; }
  bool legendShown() const { return legend_; }
  QRectF legendRect() const;  // empty without a legend
  // The texts the last paint had to shorten ("…") to fit: titles, legend names.
  const QStringList& elidedLabels() const { return elided_; }
  QStringList colourBarLabels() const;  // the values at the colour bar's ticks, bottom to top

  QRectF plotRect() const;
  QPointF toWidget(QPointF data) const;

  QSize sizeHint() const override { return {560, 460}; }
  QSize minimumSizeHint() const override { return {300, 240}; }

 protected:
  void paintEvent(QPaintEvent*) override;

 private:
  // The data extent the image covers: the samples' range widened by half a cell each way.
  QRectF extent() const;
  void drawAxes(QPainter& p, const QRectF& plot) const;
  void drawColourBar(QPainter& p, const QRectF& plot) const;
  double colourBarLabelWidth() const;
  double colourBarWidth() const;  // from the plot's right edge: gap, bar, labels and title
  void drawOverlays(QPainter& p) const;
  QColor pathColour(size_t i) const;
  Legend pathLegend() const;
  double legendHeight() const;
  // `text` shortened to `width` pixels; a shortened one is remembered in elided_.
  QString fitted(const QString& text, double width) const;

  Field field_;
  bool picture_ = false;
  QImage image_;
  double lo_ = 0, hi_ = 1;        // colour range: of the values, or of their log10
  std::vector<QLineF> contours_;  // data coordinates
  QString title_, message_;
  bool rowsDown_ = false, equalAspect_ = false, legend_ = false;
  mutable QStringList elided_;
  std::vector<Path> paths_;
  std::vector<Marker> markers_;
  std::optional<QRectF> box_;
};

}  // namespace gradlab::ui

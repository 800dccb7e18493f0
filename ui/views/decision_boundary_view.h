#pragma once
// Where a network trained on a 2-D dataset draws its lines: the predicted class over a grid
// around the data as a heatmap (class colours, paler where the network is less sure) with the
// data points on top, following the run's snapshots (Snapshot::boundary) live. Data of more than
// two features has no such plane: the view says it is for 2-D inputs instead.
//
// The runs of a comparison are side by side, one panel per visible run on the same data, each
// titled with the run's legend in its colour and framed in it.
#include "data/dataset.h"
#include "data/point_file.h"
#include "train/decision_boundary.h"
#include "views/run_style.h"

#include <QWidget>

#include <map>
#include <memory>

class QTimer;

namespace gradlab::ui {

class DecisionBoundaryView : public QWidget {
  Q_OBJECT
 public:
  explicit DecisionBoundaryView(QWidget* parent = nullptr);

  void setData(std::shared_ptr<const data::Dataset> data);  // 2-D points to draw on top
  const data::Dataset* dataset() const { return data_.get(); }
  // The boundary of run `member` of the set (Snapshot::member).
  void setBoundary(std::shared_ptr<const train::DecisionBoundary> boundary, uint32_t member = 0);
  // The runs to draw side by side. Without styles, or with one, that run alone, untitled.
  void setRunStyles(const RunStyles& styles);
  void clear();  // every run's boundary

  // The panels drawn: one per shown run (one alone). Panel i's boundary (null: none yet), where
  // input-plane point (x, y) is drawn in it, its plot's rectangle and its title's (for tests).
  int panelCount() const { return int(shownRuns(styles_).size()); }
  const train::DecisionBoundary* boundary(int panel = 0) const;
  QPointF toWidget(double x, double y, int panel = 0) const;
  QRectF plotRect(int panel = 0) const;
  QRectF panelTitleRect(int panel) const;  // empty for a run alone
  QString panelTitle(int panel) const;     // the run's legend, and its step when the runs' differ
  // The heatmap colour of a class at a confidence (background-blended, theme-aware).
  QColor cellColor(uint32_t cls, double confidence, uint32_t classes) const;
  QString titleText() const;
  // Why there is no plot (data that is not 2-D), drawn in its place; empty when there is one.
  QString message() const;
  // The texts the last paint had to shorten ("…") to fit.
  const QStringList& elidedLabels() const { return elided_; }
  // What the panels draw: each shown run's grid cells (centre, class, confidence) and the data
  // points (their class), one row each.
  QString csv() const;

  QSize sizeHint() const override { return {460, 460}; }

  // Drawing one's own points: a left click adds a point of `drawClass` where it lands, a left drag
  // paints a trail of them, a right click or drag erases the points under the cursor. The view
  // then shows the drawn points as its data (setData changes nothing while drawing) and says so
  // with pointsDrawn after each change.
  void setDrawing(bool on, uint32_t drawClass = 0);
  bool drawing() const { return drawing_; }
  uint32_t drawClass() const { return drawClass_; }
  void setDrawnPoints(std::vector<data::LabelledPoint> points);
  const std::vector<data::LabelledPoint>& drawnPoints() const { return drawn_; }
  // The input-plane point drawn at widget position `at` in panel `panel` (toWidget's inverse).
  QPointF fromWidget(QPointF at, int panel = 0) const;

 signals:
  void pointsDrawn();

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* event) override;
  void mouseMoveEvent(QMouseEvent* event) override;
  void keyPressEvent(QKeyEvent* event) override;  // 0-9 choose the class drawn
  void changeEvent(QEvent* event) override;       // a theme change re-blends the cells

 private:
  struct Member {
    std::shared_ptr<const train::DecisionBoundary> boundary;
    QImage image;  // the boundary as G x G pixels, made once per boundary
  };
  const Member* memberOf(int panel) const;  // null: no boundary of that run yet
  train::GridExtent extent(int panel) const;
  QImage imageOf(const train::DecisionBoundary& boundary) const;
  bool comparing() const { return styles_.size() > 1; }
  bool sameStep() const;  // of the shown runs' boundaries
  // Panels in a grid of `columns`; the height of a panel's title (two lines when compared).
  int columns() const;
  double panelTitleHeight() const;
  QRectF cellRect(int panel) const;
  void paintPanel(QPainter& p, int panel);
  void paintClassLegend(QPainter& p, QPointF topLeft);
  static constexpr double kPointsPad = 6;
  struct PointsKey {
    QSizeF size;
    double xMin = 0, xMax = 0, yMin = 0, yMax = 0;
    uint64_t data = 0;  // dataVersion_
    qint64 palette = 0;
    double dpr = 0;
    bool operator==(const PointsKey&) const = default;
  };
  const QImage& pointsLayer(const QRectF& plot, const train::GridExtent& extent);
  PointsKey pointsKey_;
  QImage points_;
  uint64_t dataVersion_ = 0;  // setData calls
  std::shared_ptr<const data::Dataset> data_;
  std::map<uint32_t, Member> members_;
  RunStyles styles_;
  bool dirty_ = false;
  QTimer* timer_ = nullptr;
  // Drawing: the points, the class a click adds, the plane shown while there is no boundary
  // (fixed, so that points stay where they were put), the last point a drag added.
  void editAt(QPointF at, Qt::MouseButtons buttons, bool dragging);
  void showDrawnPoints();
  bool drawing_ = false;
  uint32_t drawClass_ = 0;
  std::vector<data::LabelledPoint> drawn_;
  train::GridExtent drawExtent_{-1.5, 1.5, -1.5, 1.5};
  QPointF lastPainted_;
  QStringList elided_;
};

}  // namespace gradlab::ui

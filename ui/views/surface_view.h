#pragma once
// A 2-D test surface as a heatmap (log-scaled where the function spans decades, as Rosenbrock's
// valley does) with contour lines, and optimizers' paths down it as coloured polylines with
// markers, a legend beside or under the plot (never over the paths) and a step counter. Paths
// grow over time: points given at once are revealed at a set speed, and points appended live
// appear as they come. A click on the surface proposes a new start point (startPointChosen).
#include "surface/test_function.h"
#include "surface/trajectory.h"
#include "views/legend.h"

#include <QImage>
#include <QLineF>
#include <QWidget>

#include <vector>

class QPainter;
class QTimer;

namespace gradlab::ui {

class SurfaceView : public QWidget {
  Q_OBJECT
 public:
  explicit SurfaceView(QWidget* parent = nullptr);

  void setFunction(surface::FunctionId id, const surface::FunctionParams& params = {});
  // Adds a path and returns its index; its points appear at animationSpeed() steps a second.
  int addTrajectory(const QString& name, const std::vector<surface::TrajectoryPoint>& points);
  void appendPoints(int index, const std::vector<surface::TrajectoryPoint>& points);  // live feeding
  void clearTrajectories();
  void setAnimationSpeed(double stepsPerSecond);  // 0: every point at once
  double animationSpeed() const { return speed_; }

  int trajectoryCount() const { return int(paths_.size()); }
  int shownPoints(int index) const { return int(paths_.at(size_t(index)).shown); }
  const std::vector<surface::TrajectoryPoint>& points(int index) const { return paths_.at(size_t(index)).points; }
  uint32_t shownStep() const;  // the step counter: the furthest step drawn
  bool logScale() const { return log_; }
  const surface::TestFunction& function() const { return *function_; }

  // Between surface coordinates and widget pixels.
  QRectF plotRect() const;
  QRectF legendRect() const;  // empty without paths
  QColor pathColour(int index) const;
  // The texts the last paint had to shorten ("…") to fit: the title, legend names.
  const QStringList& elidedLabels() const { return elided_; }
  // The paths' points drawn so far, one row each: optimizer, step, x, y, loss.
  QString csv() const;
  QPointF toWidget(double x, double y) const;
  QPointF toSurface(QPointF pixel) const;

  QSize sizeHint() const override { return {520, 460}; }

 signals:
  void startPointChosen(double x, double y);

 protected:
  void paintEvent(QPaintEvent*) override;
  void mousePressEvent(QMouseEvent* event) override;

 private:
  struct Path {
    QString name;
    std::vector<surface::TrajectoryPoint> points;
    double shown = 0;  // points revealed so far (fractional while animating)
  };
  void sample();
  Legend legend() const;
  bool legendBeside(const Legend& names) const;  // the legend() is a column beside the plot
  void drawLegend(QPainter& p);
  void advance();

  const surface::TestFunction* function_ = nullptr;
  surface::FunctionParams params_;
  bool log_ = false;
  QImage heatmap_;
  std::vector<QLineF> contours_;  // in surface coordinates
  std::vector<Path> paths_;
  double speed_ = 60;
  bool dirty_ = false;
  QTimer* timer_ = nullptr;
  QStringList elided_;
};

}  // namespace gradlab::ui

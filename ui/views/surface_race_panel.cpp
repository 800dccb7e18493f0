#include "views/surface_race_panel.h"

#include "analysis/quadratic_contraction.h"
#include "optim/optimizer_spec.h"
#include "surface/test_function.h"
#include "surface_race_runner.h"
#include "views/nice_range.h"
#include "views/surface_view.h"

#include <QComboBox>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QVBoxLayout>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <cmath>

namespace gradlab::ui {
namespace {

// The Rosenbrock demo's field: plain SGD, with momentum, and the two adaptive methods, each at a
// rate that stays on Rosenbrock's steep walls.
constexpr const char* kDefaultOptimizers = "sgd:lr=0.001\nsgd:lr=0.001,momentum=0.9\nrmsprop:lr=0.01\nadam:lr=0.02";

QString specText(const QString& name, const std::map<std::string, std::string>& values) {
  QStringList given;
  for (const auto& [key, value] : values) given << QString::fromStdString(key + "=" + value);
  return given.isEmpty() ? name : name + ":" + given.join(",");
}

QString point(double x, double y) { return QString("%1, %2").arg(x, 0, 'g', 6).arg(y, 0, 'g', 6); }

// The distance chart spans at most these factors of the start distance: below, float rounding of
// the points is all that is left; above, a diverging racer would squash every other curve.
constexpr double kDistanceFloor = 1e-8, kDistanceCeiling = 1e4;

void setPen(QLineSeries* s, QColor colour, Qt::PenStyle style) {
  QPen pen(colour);
  pen.setWidthF(2);  // a whole row at full colour, antialiased or not
  pen.setStyle(style);
  if (style == Qt::DashLine) pen.setDashPattern({3, 3});  // dashes long enough to read on a projector
  s->setPen(pen);
}

}  // namespace

SurfaceRacePanel::SurfaceRacePanel(const QString& device, QWidget* parent) : QWidget(parent), device_(device) {
  surface_ = new QComboBox;
  for (const auto& f : surface::testFunctions())
    surface_->addItem(QString::fromStdString(f.title), QString::fromStdString(f.name));
  surface_->setToolTip(tr("The 2-D test surface the optimizers descend"));
  optimizers_ = new QPlainTextEdit(kDefaultOptimizers);
  optimizers_->setToolTip(
      tr("One optimizer a line (or separated by ';'): NAME or NAME:key=value,key=value with "
         "PyTorch's names, e.g. sgd:lr=0.01,momentum=0.9 or adam:lr=0.02,beta2=0.99"));
  optimizers_->setMinimumHeight(4 * fontMetrics().height());
  steps_ = new QSpinBox;
  steps_->setRange(1, 100000);
  steps_->setValue(600);
  steps_->setToolTip(tr("Updates each optimizer makes"));
  start_ = new QLineEdit;
  start_->setObjectName("start");
  start_->setToolTip(tr("Where every optimizer starts: x, y. A click on the surface sets it and plays."));
  play_ = new QPushButton(tr("Play"));
  play_->setToolTip(tr("Run every optimizer from the start point (computed on the device, then animated)"));
  status_ = new QLabel(tr("Press Play, or click the surface to start there."));
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  theory_ = new QLabel;
  theory_->setWordWrap(true);
  theory_->setTextFormat(Qt::RichText);
  theory_->setToolTip(
      tr("Along each eigen-direction of the quadratic (curvature λ), plain SGD multiplies the distance to the minimum "
         "by |1 − lr·λ| a step; with heavy-ball momentum β by the larger root of z² − (1 + β − lr·λ) z + β, which is "
         "√β at the best learning rate. The slower direction sets the pace."));
  view_ = new SurfaceView;
  runner_ = new SurfaceRaceRunner(view_, this);
  makeDistanceChart();

  auto* form = new QFormLayout;
  form->addRow(tr("Surface"), surface_);
  form->addRow(tr("Optimizers"), optimizers_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Start"), start_);
  auto* controls = new QVBoxLayout;
  controls->addLayout(form);
  controls->addWidget(play_);
  controls->addWidget(status_);
  controls->addWidget(theory_, 0, Qt::AlignTop);
  controls->addWidget(distanceView_, 1);
  auto* side = new QWidget;
  side->setLayout(controls);
  side->setFixedWidth(fontMetrics().horizontalAdvance(QString(34, 'm')));
  auto* layout = new QHBoxLayout(this);
  layout->addWidget(side);
  layout->addWidget(view_, 1);

  connect(surface_, &QComboBox::currentIndexChanged, this, &SurfaceRacePanel::surfaceChosen);
  connect(play_, &QPushButton::clicked, this, &SurfaceRacePanel::play);
  connect(start_, &QLineEdit::returnPressed, this, &SurfaceRacePanel::play);
  connect(optimizers_, &QPlainTextEdit::textChanged, this, &SurfaceRacePanel::showTheory);
  connect(view_, &SurfaceView::startPointChosen, this, &SurfaceRacePanel::startChosen);
  connect(runner_, &SurfaceRaceRunner::started, this, &SurfaceRacePanel::showRace);
  connect(runner_, &SurfaceRaceRunner::finished, this, [this](const QString& summary) {
    status_->setText(summary);
    drawDistances();
  });
  connect(runner_, &SurfaceRaceRunner::failed, this,
          [this](const QString& message) { status_->setText(tr("The race could not run: %1").arg(message)); });
  surfaceChosen();
}

void SurfaceRacePanel::setSurface(const QString& name) {
  const int index = surface_->findData(name);
  if (index >= 0) surface_->setCurrentIndex(index);
}

void SurfaceRacePanel::setOptimizers(const QString& specs) { optimizers_->setPlainText(specs); }
void SurfaceRacePanel::setSteps(int steps) { steps_->setValue(steps); }
void SurfaceRacePanel::setStart(double x, double y) { start_->setText(point(x, y)); }
QString SurfaceRacePanel::statusText() const { return status_->text(); }
QString SurfaceRacePanel::theoryText() const { return theory_->isHidden() ? QString() : theory_->text(); }

// The race's quadratic is surface::FunctionParams' (curvatures 1 and kappa).
void SurfaceRacePanel::showTheory() {
  const surface::TestFunction* f = surface::findTestFunction(surface_->currentData().toString().toStdString());
  std::vector<optim::OptimizerSpec> specs;
  try {
    specs = optim::parseOptimizerSpecs(optimizers_->toPlainText().toStdString());
  } catch (const std::invalid_argument&) {
  }
  if (!f || f->id != surface::FunctionId::Quadratic || specs.empty()) {
    distanceView_->hide();
    return theory_->hide();
  }
  const surface::FunctionParams params;
  QStringList lines{
      tr("<b>Theory</b> (curvatures λ = 1 and %1): the distance to the minimum, per step:").arg(params.kappa)};
  for (const optim::OptimizerSpec& spec : specs) {
    const QString name = QString::fromStdString(spec.name).toHtmlEscaped();
    const auto c = analysis::quadraticContraction(params, spec.name, spec.values);
    if (!c) {
      lines << tr("%1: no closed form (its steps adapt to the gradients)").arg(name);
      continue;
    }
    const bool momentum = spec.values.count("momentum") && spec.values.at("momentum") != "0";
    lines << tr("%1: × %2 (%3 %4 and %5)%6")
                 .arg(name + (momentum ? tr(" momentum ") + QString::fromStdString(spec.values.at("momentum")) : ""))
                 .arg(c->rate, 0, 'f', 4)
                 .arg(momentum ? tr("root moduli") : tr("|1 − lr·λ|"))
                 .arg(c->factors[0], 0, 'f', 3)
                 .arg(c->factors[1], 0, 'f', 3)
                 .arg(c->rate > 1 ? tr(": diverges") : QString());
  }
  lines << tr("The chart below plots each racer's distance to the minimum, measured (solid) and predicted (dashed).");
  theory_->setText(lines.join("<br>"));
  theory_->show();
  const surface::TestFunction* raced = surface::findTestFunction(runner_->race().function.toStdString());
  distanceView_->setVisible(raced && raced->id == surface::FunctionId::Quadratic && view_->trajectoryCount() > 0);
}

void SurfaceRacePanel::makeDistanceChart() {
  distance_ = new QChart;
  distance_->setTitle(tr("Distance to the minimum"));
  distance_->legend()->hide();  // the surface's legend names the racers in the same colours
  distance_->setMargins(QMargins(2, 2, 2, 2));
  distanceSteps_ = new QValueAxis;
  distanceSteps_->setTitleText(tr("step"));
  distanceSteps_->setLabelFormat("%.0f");
  distanceAxis_ = new QLogValueAxis;
  distanceAxis_->setLabelFormat("%.0e");
  distance_->addAxis(distanceSteps_, Qt::AlignBottom);
  distance_->addAxis(distanceAxis_, Qt::AlignLeft);
  distanceView_ = new QChartView(distance_);
  distanceView_->setRenderHint(QPainter::Antialiasing);
  distanceView_->setMinimumHeight(150);  // the tab docks in a 1280 x 720 window: the controls above need room too
  distanceView_->setToolTip(
      tr("Each racer's distance to the minimum per step on a log scale: measured (solid) and as theory predicts it "
         "(dashed; plain SGD exactly, heavy-ball momentum as the envelope rate^t · d0, √β^t · d0 at Polyak's "
         "setting). Adaptive optimizers have no dashed line."));
  distanceView_->hide();
}

// Each racer's curves once its path is known; a straight line on the log scale is a constant
// factor per step.
void SurfaceRacePanel::drawDistances() {
  const surface::TestFunction* f = surface::findTestFunction(runner_->race().function.toStdString());
  const int racers = f && f->id == surface::FunctionId::Quadratic ? view_->trajectoryCount() : 0;
  while (int(distanceSeries_.size()) < racers) {
    DistanceSeries s{new QLineSeries, new QLineSeries};
    for (QLineSeries* line : {s.measured, s.predicted}) {
      distance_->addSeries(line);
      line->attachAxis(distanceSteps_);
      line->attachAxis(distanceAxis_);
    }
    distanceSeries_.push_back(s);
  }
  const surface::FunctionParams params;  // the race's quadratic (runner: default parameters)
  double lo = INFINITY, hi = 0, lastStep = 1;
  for (size_t i = 0; i < distanceSeries_.size(); ++i) {
    QList<QPointF> measured, predicted;
    if (int(i) < racers && !view_->points(int(i)).empty()) {
      const auto& points = view_->points(int(i));
      const std::array<double, 2> start{points.front().x, points.front().y};
      const double d0 = std::hypot(start[0], start[1]);
      const auto keep = [&](QList<QPointF>& line, double step, double d) {
        if (!(d >= kDistanceFloor * d0 && d <= kDistanceCeiling * d0)) return;
        line << QPointF(step, d);
        lo = std::min(lo, d), hi = std::max(hi, d), lastStep = std::max(lastStep, step);
      };
      for (const auto& p : points) keep(measured, p.step, std::hypot(p.x, p.y));
      const auto& [name, values] = runner_->race().optimizers.at(i);
      if (const auto c = analysis::quadraticContraction(params, name.toStdString(), values)) {
        const auto distances = analysis::predictedDistances(params, *c, start, points.back().step);
        for (size_t t = 0; t < distances.size(); ++t) keep(predicted, double(t), distances[t]);
      }
    }
    const QColor colour = view_->pathColour(int(i));
    setPen(distanceSeries_[i].measured, colour, Qt::SolidLine);
    setPen(distanceSeries_[i].predicted, colour, Qt::DashLine);
    distanceSeries_[i].measured->replace(measured);
    distanceSeries_[i].predicted->replace(predicted);
  }
  const LogRange range = lo <= hi ? logRange(lo, hi, 5) : logRange(0.1, 1, 5);
  distanceAxis_->setBase(std::pow(10.0, range.step));
  distanceAxis_->setMinorTickCount(range.step == 1 ? -1 : 0);  // minor ticks of a base 10^k axis crowd its top
  distanceAxis_->setRange(range.lo, range.hi);
  const NiceRange steps = niceRange(0, lastStep);
  distanceSteps_->setRange(steps.lo, steps.hi);
  distanceSteps_->setTickCount(std::min(steps.ticks, 6));
  distanceView_->setVisible(racers > 0);
}

QList<QPointF> SurfaceRacePanel::distancePoints(int index, bool predicted) const {
  const DistanceSeries& s = distanceSeries_.at(size_t(index));
  return (predicted ? s.predicted : s.measured)->points();
}
std::pair<double, double> SurfaceRacePanel::distanceRange() const {
  return {distanceAxis_->min(), distanceAxis_->max()};
}
std::pair<double, double> SurfaceRacePanel::distanceStepRange() const {
  return {distanceSteps_->min(), distanceSteps_->max()};
}

// Another surface: its own window and default start; the old paths belong to the old surface.
void SurfaceRacePanel::surfaceChosen() {
  const surface::TestFunction* f = surface::findTestFunction(surface_->currentData().toString().toStdString());
  if (!f) return;
  view_->clearTrajectories();
  view_->setFunction(f->id);
  setStart(f->start[0], f->start[1]);
  showTheory();
}

std::optional<SurfaceRace> SurfaceRacePanel::raceFromControls(QString* problem) const {
  SurfaceRace race;
  race.function = surface_->currentData().toString();
  race.steps = uint32_t(steps_->value());
  const QStringList xy = start_->text().split(',');
  bool xOk = false, yOk = false;
  if (xy.size() == 2) race.startX = xy[0].trimmed().toDouble(&xOk), race.startY = xy[1].trimmed().toDouble(&yOk);
  if (!xOk || !yOk || !std::isfinite(race.startX) || !std::isfinite(race.startY)) {
    *problem = tr("Start: write two numbers, x, y (e.g. %1), or click the surface.").arg(point(-1.5, 2.5));
    return std::nullopt;
  }
  race.hasStart = true;
  try {
    for (const auto& spec : optim::parseOptimizerSpecs(optimizers_->toPlainText().toStdString()))
      race.optimizers.emplace_back(QString::fromStdString(spec.name), spec.values);
  } catch (const std::invalid_argument& e) {
    *problem = tr("Optimizers: %1").arg(QString::fromUtf8(e.what()).simplified());
    return std::nullopt;
  }
  if (race.optimizers.empty()) {
    *problem = tr("Optimizers: name at least one, e.g. adam:lr=0.02");
    return std::nullopt;
  }
  return race;
}

void SurfaceRacePanel::play() {
  QString problem;
  const std::optional<SurfaceRace> race = raceFromControls(&problem);
  if (!race) {
    status_->setText(problem);
    return;
  }
  runner_->run(*race, device_);
}

void SurfaceRacePanel::startChosen(double x, double y) {
  setStart(x, y);
  play();
}

void SurfaceRacePanel::showRace(const SurfaceRace& race) {
  {
    const QSignalBlocker quiet(surface_);  // the runner has set the view's surface already
    setSurface(race.function);
  }
  QStringList specs;
  for (const auto& [name, values] : race.optimizers) specs << specText(name, values);
  setOptimizers(specs.join("\n"));
  setSteps(int(race.steps));
  const surface::TestFunction* f = surface::findTestFunction(race.function.toStdString());
  if (race.hasStart)
    setStart(race.startX, race.startY);
  else if (f)
    setStart(f->start[0], f->start[1]);
  status_->setText(tr("Racing %1 optimizers for %2 steps from (%3)…")
                       .arg(race.optimizers.size())
                       .arg(race.steps)
                       .arg(start_->text()));
}

}  // namespace gradlab::ui

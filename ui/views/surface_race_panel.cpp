#include "views/surface_race_panel.h"

#include "analysis/quadratic_contraction.h"
#include "optim/optimizer_spec.h"
#include "surface/test_function.h"
#include "surface_race_runner.h"
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

  auto* form = new QFormLayout;
  form->addRow(tr("Surface"), surface_);
  form->addRow(tr("Optimizers"), optimizers_);
  form->addRow(tr("Steps"), steps_);
  form->addRow(tr("Start"), start_);
  auto* controls = new QVBoxLayout;
  controls->addLayout(form);
  controls->addWidget(play_);
  controls->addWidget(status_);
  controls->addWidget(theory_, 1, Qt::AlignTop);
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
  connect(runner_, &SurfaceRaceRunner::finished, this, [this](const QString& summary) { status_->setText(summary); });
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
  if (!f || f->id != surface::FunctionId::Quadratic || specs.empty()) return theory_->hide();
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
  theory_->setText(lines.join("<br>"));
  theory_->show();
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

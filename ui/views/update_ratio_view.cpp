#include "views/update_ratio_view.h"

#include "export/view_export.h"
#include "views/nice_range.h"

#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QLabel>
#include <QVBoxLayout>
#include <QtCharts/QAreaSeries>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>
#include <QtCharts/QLegendMarker>
#include <QtCharts/QLineSeries>
#include <QtCharts/QLogValueAxis>
#include <QtCharts/QValueAxis>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

bool isWeight(const std::string& name) { return name.ends_with("weight"); }

// Whole decades holding [lo, hi] with room (a line on the plot's edge is half hidden), at most 6
// labels (more overlap, and Qt elides them all).
void setLogRange(QLogValueAxis* axis, double lo, double hi) {
  lo /= 1.5, hi *= 1.5;
  int first = int(std::floor(std::log10(lo))), last = int(std::ceil(std::log10(hi) - 1e-9));
  if (last <= first) last = first + 1;
  const int step = int(std::ceil((last - first) / 5.0));
  first = int(std::floor(first / double(step))) * step;
  last = int(std::ceil(last / double(step))) * step;
  axis->setBase(std::pow(10.0, step));
  axis->setMinorTickCount(step == 1 ? -1 : 0);
  axis->setRange(std::pow(10.0, first), std::pow(10.0, last));
}

// Tensor k of n of a run in a comparison: the run's colour, lighter for the first layers and darker
// for the deepest.
QColor shade(const QColor& colour, size_t k, size_t n) {
  return colour.lighter(int(150 - 90.0 * double(k) / double(std::max<size_t>(n, 2) - 1)));
}

}  // namespace

UpdateRatioView::UpdateRatioView(QWidget* parent) : QWidget(parent) {
  makeExportable(this, tr("Update ratios"), [this] { return csv(); });
  chart_ = new QChart;
  chart_->setTitle(tr("Update / weight ratio per layer"));
  chart_->legend()->setAlignment(Qt::AlignBottom);
  x_ = new QValueAxis;
  x_->setTitleText(tr("step"));
  x_->setLabelFormat("%.0f");
  y_ = new QLogValueAxis;
  y_->setTitleText(tr("|Δw| / |w| (log)"));
  y_->setLabelFormat("%.0e");
  chart_->addAxis(x_, Qt::AlignBottom);
  chart_->addAxis(y_, Qt::AlignLeft);
  bandLow_ = new QLineSeries(this);
  bandHigh_ = new QLineSeries(this);
  band_ = new QAreaSeries(bandHigh_, bandLow_);
  band_->setName(tr("rule of thumb: ~1e-3"));
  band_->setColor(QColor(160, 160, 160, 70));
  band_->setBorderColor(QColor(160, 160, 160, 70));
  chart_->addSeries(band_);
  band_->attachAxis(x_);
  band_->attachAxis(y_);
  view_ = new QChartView(chart_, this);
  view_->setRenderHint(QPainter::Antialiasing);
  view_->setMinimumSize(420, 300);
  view_->setToolTip(
      tr("Each weight tensor's last step relative to its size. The shaded band (3e-4 to 3e-3) is the rule of thumb: "
         "a healthy layer's updates are about a thousandth of its weights."));
  runLegend_ = new QLabel(this);
  runLegend_->setWordWrap(true);
  runLegend_->setTextFormat(Qt::RichText);
  runLegend_->hide();
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(view_, 1);
  layout->addWidget(runLegend_);
  draw();
}

void UpdateRatioView::addReport(const train::ProbeReport& report, uint32_t member) {
  Reading reading{report.step, {}};
  for (const train::ParameterProbe& p : report.parameters)
    if (isWeight(p.name)) reading.ratios.push_back({p.name, p.updateRatio});
  if (reading.ratios.empty()) return;
  auto& readings = readings_.restartAt(member, report.step);
  // A report at step 0 (the network before training) has no update yet.
  if (report.step > 0) readings.push_back(std::move(reading));
  draw();
}

void UpdateRatioView::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  draw();
}

void UpdateRatioView::clear() {
  readings_.clear();
  draw();
}

void UpdateRatioView::showMoment(const std::map<uint32_t, uint64_t>& steps) {
  readings_.showMoment(steps);
  draw();
}

void UpdateRatioView::showLive() {
  readings_.showLive();
  draw();
}

QLineSeries* UpdateRatioView::line(size_t index) {
  while (lines_.size() <= index) {
    auto* s = new QLineSeries;
    chart_->addSeries(s);
    s->attachAxis(x_);
    s->attachAxis(y_);
    lines_.push_back(s);
  }
  return lines_[index];
}

void UpdateRatioView::draw() {
  const RunStyles runs = shownRuns(styles_);
  const bool comparing = styles_.size() > 1;
  size_t used = 0;
  double lastStep = 10, lo = kUpdateRatioBandLow, hi = kUpdateRatioBandHigh;
  lineOf_.assign(runs.size(), {});
  tensors_.assign(runs.size(), {});
  for (size_t r = 0; r < runs.size(); ++r) {
    const std::vector<Reading> shown = readings_.shown(runs[r].member);
    std::vector<std::string> names;
    for (const Reading& reading : shown)
      for (const auto& [name, ratio] : reading.ratios)
        if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
    for (size_t k = 0; k < names.size(); ++k) {
      QList<QPointF> points;
      for (const Reading& reading : shown)
        for (const auto& [name, ratio] : reading.ratios)
          if (name == names[k] && ratio > 0 && std::isfinite(ratio)) {
            points << QPointF(reading.step, ratio);
            lo = std::min(lo, ratio), hi = std::max(hi, ratio);
            lastStep = std::max(lastStep, double(reading.step));
          }
      QLineSeries* s = line(used);
      const QString tensor = QString::fromStdString(names[k]).chopped(7);  // "h1.weight" -> "h1"
      s->setName(comparing ? runs[r].label + " " + tensor : tensor);
      QPen pen(comparing ? shade(runs[r].color, k, names.size()) : runColor(uint32_t(k % kRunPaletteSize)));
      pen.setWidthF(2.0);
      s->setPen(pen);
      s->replace(points);
      lineOf_[r].push_back(used++);
      tensors_[r] << QString::fromStdString(names[k]);
    }
  }
  while (lines_.size() > used) {
    chart_->removeSeries(lines_.back());
    delete lines_.back();
    lines_.pop_back();
  }
  const NiceRange steps = niceRange(0, lastStep);
  x_->setRange(steps.lo, steps.hi);
  x_->setTickCount(steps.ticks);
  setLogRange(y_, lo, hi);
  bandLow_->replace({QPointF(steps.lo, kUpdateRatioBandLow), QPointF(steps.hi, kUpdateRatioBandLow)});
  bandHigh_->replace({QPointF(steps.lo, kUpdateRatioBandHigh), QPointF(steps.hi, kUpdateRatioBandHigh)});
  // Compared, the chart's legend names only the band; the runs are named under the chart.
  chart_->legend()->setVisible(true);
  for (QLineSeries* s : lines_)
    for (QLegendMarker* marker : chart_->legend()->markers(s)) marker->setVisible(!comparing);
  QStringList legend;
  for (const RunStyle& run : runs)
    legend << QString("<span style='color:%1'><b>%2</b></span>").arg(run.color.name(), run.legend().toHtmlEscaped());
  runLegend_->setText(legend.join("&nbsp;&nbsp;&nbsp; ") + tr("<br>Each run's layers in its colour, deeper darker."));
  runLegend_->setVisible(comparing);
}

QString UpdateRatioView::csv() const {
  CsvTable table({"run", "step", "tensor", "update_ratio"});
  for (const RunStyle& run : shownRuns(styles_))
    for (const Reading& r : readings_.shown(run.member))
      for (const auto& [name, ratio] : r.ratios)
        table.row({CsvTable::text(run.legend()), QString::number(r.step), CsvTable::text(QString::fromStdString(name)),
                   CsvTable::number(ratio)});
  return table.text();
}

QStringList UpdateRatioView::tensors(int run) const { return tensors_.at(size_t(run)); }
QList<QPointF> UpdateRatioView::ratioPoints(int run, int tensor) const {
  return lines_.at(lineOf_.at(size_t(run)).at(size_t(tensor)))->points();
}
QColor UpdateRatioView::lineColour(int run, int tensor) const {
  return lines_.at(lineOf_.at(size_t(run)).at(size_t(tensor)))->pen().color();
}
std::pair<double, double> UpdateRatioView::yRange() const { return {y_->min(), y_->max()}; }
std::pair<double, double> UpdateRatioView::bandRange() const {
  return {bandLow_->points().value(0).y(), bandHigh_->points().value(0).y()};
}

QStringList UpdateRatioView::chartTexts() const {
  QStringList texts;
  for (const QGraphicsItem* item : view_->scene()->items()) {
    if (!item->isVisible()) continue;
    if (const auto* t = dynamic_cast<const QGraphicsTextItem*>(item)) texts << t->toPlainText();
    if (const auto* t = dynamic_cast<const QGraphicsSimpleTextItem*>(item)) texts << t->text();
  }
  return texts;
}

}  // namespace gradlab::ui

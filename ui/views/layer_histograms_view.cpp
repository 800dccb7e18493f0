#include "views/layer_histograms_view.h"

#include "export/view_export.h"

#include <QCheckBox>
#include <QComboBox>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QTimer>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

constexpr int kColumns = 4;

bool isLoss(const train::LayerProbe& layer) { return QString::fromStdString(layer.type).endsWith("Loss"); }

QString number(double v) { return QString::number(v, 'g', 3); }

bool finiteStats(const train::TensorStats& s) {
  return s.count && std::isfinite(s.mean) && std::isfinite(s.std) && std::isfinite(s.min) && std::isfinite(s.max);
}

// [lo, hi] made finite and non-empty: a constant sits in the middle of a range half its size
// either side (or [-1, 1] around zero), so its single bar is seen where it is.
std::pair<double, double> readableRange(double lo, double hi) {
  if (!std::isfinite(lo) || !std::isfinite(hi)) return {-1.0, 1.0};
  if (hi > lo) return {lo, hi};
  const double half = lo != 0 ? 0.5 * std::abs(lo) : 1.0;
  return {lo - half, lo + half};
}

// The range panels share: the union of the finite ones' ranges, without those that would be a
// line on it (spanning under 1/ownBelow of it). A second pass drops them from the union: it can
// only shrink, so the panels kept stay wide enough.
struct SharedAxis {
  double lo = INFINITY, hi = -INFINITY;
  std::vector<bool> holds;  // per panel: drawn on the shared range
};
SharedAxis sharedAxisOf(const std::vector<const train::TensorStats*>& stats, double ownBelow) {
  SharedAxis axis;
  axis.holds.assign(stats.size(), false);
  for (size_t i = 0; i < stats.size(); ++i) axis.holds[i] = finiteStats(*stats[i]);
  for (int pass = 0; pass < 2; ++pass) {
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < stats.size(); ++i) {
      if (!axis.holds[i]) continue;
      const auto& s = *stats[i];
      if (pass == 1 && (s.max - s.min) * ownBelow < axis.hi - axis.lo)
        axis.holds[i] = false;
      else
        lo = std::min(lo, s.min), hi = std::max(hi, s.max);
    }
    axis.lo = lo, axis.hi = hi;
  }
  return axis;
}

// `s`'s counts moved onto `bins` equal bins over [lo, hi] (which holds [s.min, s.max]), each
// source bin's count spread evenly over its width; a constant's count lands in the bin of its value.
std::vector<float> rebinned(const train::TensorStats& s, double lo, double hi, size_t bins) {
  std::vector<float> out(bins, 0.0f);
  if (bins == 0 || !(hi > lo) || !finiteStats(s)) return out;
  const double width = (hi - lo) / double(bins), from = (s.max - s.min) / double(s.histogram.size());
  auto binOf = [&](double v) { return size_t(std::clamp(std::floor((v - lo) / width), 0.0, double(bins - 1))); };
  for (size_t k = 0; k < s.histogram.size(); ++k) {
    const float count = s.histogram[k];
    if (count == 0) continue;
    const double a = s.min + double(k) * from, b = a + from;
    if (from <= 0) {
      out[binOf(a)] += count;
      continue;
    }
    for (size_t t = binOf(a); t <= binOf(b); ++t) {
      const double overlap = std::min(b, lo + double(t + 1) * width) - std::max(a, lo + double(t) * width);
      if (overlap > 0) out[t] += float(count * overlap / from);
    }
  }
  return out;
}

// A row's runs as one tensor, for the axis the rows share: the union of their finite ranges
// (count 0 when none is finite).
const train::LayerProbe* firstOf(const std::vector<const train::LayerProbe*>& layers) {
  for (const auto* l : layers)
    if (l) return l;
  return nullptr;
}

train::TensorStats unionOf(const std::vector<const train::TensorStats*>& cells) {
  train::TensorStats u;
  u.min = INFINITY, u.max = -INFINITY;
  for (const auto* c : cells)
    if (c && finiteStats(*c)) u.count += c->count, u.min = std::min(u.min, c->min), u.max = std::max(u.max, c->max);
  if (u.count) return u;
  for (const auto* c : cells)  // none finite: the first run's own (readableRange makes it drawable)
    if (c) return train::TensorStats{0, 0, 0, c->min, c->max, {}, {}, {}};
  return train::TensorStats{};
}

}  // namespace

HistogramPanel::HistogramPanel(QWidget* parent) : QWidget(parent) {
  setMinimumSize(180, 130);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void HistogramPanel::set(const QString& title, const train::TensorStats& stats, double lo, double hi, bool ownAxis) {
  title_ = title;
  stats_ = stats;
  std::tie(lo_, hi_) = readableRange(lo, hi);
  ownAxis_ = ownAxis;
  update();
}

void HistogramPanel::setBarColor(const QColor& colour) {
  barColor_ = colour;
  update();
}

void HistogramPanel::setBinsOnAxis(bool onAxis) {
  binsOnAxis_ = onAxis;
  update();
}

QColor HistogramPanel::barColor() const {
  return barColor_.isValid() ? barColor_ : palette().color(QPalette::Highlight);
}

std::vector<float> HistogramPanel::drawnBins() const {
  return binsOnAxis_ ? rebinned(stats_, lo_, hi_, stats_.histogram.size()) : stats_.histogram;
}

QStringList HistogramPanel::axisLabels() const { return {number(lo_), number(hi_)}; }

QRectF HistogramPanel::plotRect() const {
  const int line = fontMetrics().height();
  return QRectF(6, 6 + 2 * line, width() - 12, height() - 12 - 3 * line);
}

QString HistogramPanel::statsLine() const {
  if (!finiteStats(stats_)) return tr("values not finite (NaN or inf)");
  QString line = QString::fromUtf8("μ %1  σ %2").arg(number(stats_.mean), number(stats_.std));
  if (stats_.deadFraction) line += tr("  dead %1%").arg(std::round(*stats_.deadFraction * 100));
  if (stats_.saturatedFraction) line += tr("  sat %1%").arg(std::round(*stats_.saturatedFraction * 100));
  return line;
}

void HistogramPanel::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.base());
  p.setPen(pal.color(QPalette::Mid));
  p.drawRect(rect().adjusted(0, 0, -1, -1));
  elided_.clear();
  auto drawFitted = [&](const QRect& box, const QString& text) {
    const QString shown = QFontMetrics(p.font()).elidedText(text, Qt::ElideRight, box.width());
    if (shown != text) elided_ << text;
    p.drawText(box, Qt::AlignLeft | Qt::AlignVCenter, shown);
  };

  const int line = fontMetrics().height();
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.setPen(pal.color(QPalette::Text));
  drawFitted(QRect(6, 3, width() - 12, line), title_);
  p.setFont(font());
  if (stats_.count == 0 || stats_.histogram.empty()) {
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, emptyText_.isEmpty() ? tr("no data") : emptyText_);
    return;
  }
  drawFitted(QRect(6, 3 + line, width() - 12, line), statsLine());

  const QRectF plot = plotRect();
  p.setPen(pal.color(QPalette::Mid));
  p.drawLine(plot.bottomLeft(), plot.bottomRight());  // under the bars: a one-pixel tail stays seen
  if (finiteStats(stats_)) drawBars(p, plot);
  p.setPen(ownAxis_ ? pal.color(QPalette::Highlight) : pal.color(QPalette::Text));
  const QRect axis(int(plot.left()), int(plot.bottom()) + 2, int(plot.width()), line);
  p.drawText(axis, Qt::AlignLeft | Qt::AlignVCenter, number(lo_));
  p.drawText(axis, Qt::AlignRight | Qt::AlignVCenter, number(hi_));
  if (ownAxis_) p.drawText(axis, Qt::AlignHCenter | Qt::AlignVCenter, tr("own axis"));
}

void HistogramPanel::drawBars(QPainter& p, const QRectF& plot) {
  const std::vector<float> h = drawnBins();
  const float peak = std::max(1.0f, *std::max_element(h.begin(), h.end()));
  auto xOf = [&](double v) { return plot.left() + (v - lo_) / (hi_ - lo_) * plot.width(); };
  const double from = binMin(), binWidth = (binMax() - from) / double(h.size());
  p.setPen(Qt::NoPen);
  p.setBrush(barColor());
  p.setRenderHint(QPainter::Antialiasing, false);  // bars on whole pixels: crisp, never a blur
  for (size_t k = 0; k < h.size(); ++k) {
    // A constant tensor (min == max) puts everything in one bar two pixels wide at its value.
    const double x0 = std::floor(xOf(from + double(k) * binWidth));
    const double x1 = std::max(std::round(xOf(from + double(k + 1) * binWidth)), x0 + 2.0);
    // Any count gets a pixel: sparse tails show how far the values reach.
    const double barHeight = h[k] > 0 ? std::max(1.0, std::round(plot.height() * h[k] / peak)) : 0.0;
    p.drawRect(QRectF(x0, plot.bottom() - barHeight, x1 - x0, barHeight));
  }
  p.setRenderHint(QPainter::Antialiasing, true);
  if (lo_ < 0 && hi_ > 0) {  // where zero is
    p.setPen(QPen(palette().color(QPalette::Mid), 1, Qt::DashLine));
    p.drawLine(QPointF(xOf(0), plot.top()), QPointF(xOf(0), plot.bottom()));
  }
}

LayerHistogramsView::LayerHistogramsView(QWidget* parent) : QWidget(parent) {
  makeExportable(
      this, tr("Activations and gradients"), [this] { return csv(); }, [this] { refresh(); });
  quantity_ = new QComboBox(this);
  quantity_->addItem(tr("Activations"));
  quantity_->addItem(tr("Gradients"));
  sharedAxis_ = new QCheckBox(tr("Same x-axis for all layers"), this);
  sharedAxis_->setChecked(true);
  caption_ = new QLabel(tr("No probe yet: set probes on and train."), this);
  const auto redraw = [this] {
    dirty_ = true;
    refresh();
  };
  connect(quantity_, &QComboBox::currentIndexChanged, this, redraw);
  connect(sharedAxis_, &QCheckBox::toggled, this, redraw);

  grid_ = new QWidget;
  gridLayout_ = new QGridLayout(grid_);
  gridLayout_->setSpacing(6);
  gridLayout_->setAlignment(Qt::AlignTop);
  auto* scroll = new QScrollArea(this);
  scroll->setWidgetResizable(true);
  scroll->setWidget(grid_);

  auto* controls = new QHBoxLayout;
  controls->addWidget(quantity_);
  controls->addWidget(sharedAxis_);
  controls->addStretch(1);
  controls->addWidget(caption_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(scroll, 1);

  timer_ = new QTimer(this);
  timer_->setInterval(33);  // at most 30 repaints a second
  connect(timer_, &QTimer::timeout, this, &LayerHistogramsView::refresh);
  timer_->start();
}

void LayerHistogramsView::setReport(std::shared_ptr<const train::ProbeReport> report, uint32_t member) {
  if (report)
    reports_[member] = std::move(report);
  else
    reports_.erase(member);
  dirty_ = true;
}

void LayerHistogramsView::setRunStyles(const RunStyles& styles) {
  styles_ = styles;
  dirty_ = true;
}

void LayerHistogramsView::setShowGradients(bool gradients) { quantity_->setCurrentIndex(gradients ? 1 : 0); }
bool LayerHistogramsView::showsGradients() const { return quantity_->currentIndex() == 1; }

void LayerHistogramsView::clear() {
  reports_.clear();
  dirty_ = true;
  refresh();
}

struct LayerHistogramsView::Row {
  std::vector<const train::LayerProbe*> layers;  // per run shown; null: the run has no such layer
  std::vector<const train::TensorStats*> cells;  // their activations or gradients
};

namespace {
QString titleOf(const train::LayerProbe& l) { return QString::fromStdString(l.node + " (" + l.type + ")"); }
}  // namespace

// The layers in forward order, merged over the runs: a layer only some runs have (a variant's
// BatchNorm) comes after the layer it follows in them.
std::vector<LayerHistogramsView::Row> LayerHistogramsView::rowsOf(const RunStyles& runs, bool gradients) const {
  std::vector<const train::ProbeReport*> reports;
  for (const RunStyle& run : runs) {
    const auto it = reports_.find(run.member);
    reports.push_back(it == reports_.end() ? nullptr : it->second.get());
  }
  std::vector<const train::LayerProbe*> layers;  // the first probe of each, in the merged order
  for (const auto* report : reports) {
    if (!report) continue;
    size_t at = 0;
    for (const auto& l : report->layers) {
      if (isLoss(l)) continue;
      auto found = std::find_if(layers.begin(), layers.end(), [&](const auto* k) { return k->node == l.node; });
      if (found == layers.end()) found = layers.insert(layers.begin() + std::ptrdiff_t(at), &l);
      at = size_t(found - layers.begin()) + 1;
    }
  }
  std::vector<Row> rows;
  for (const auto* layer : layers) {
    Row row;
    for (const auto* report : reports) {
      const train::LayerProbe* found = nullptr;
      for (size_t k = 0; report && k < report->layers.size() && !found; ++k)
        if (report->layers[k].node == layer->node) found = &report->layers[k];
      row.layers.push_back(found);
      row.cells.push_back(!found ? nullptr : gradients ? &found->gradient : &found->activation);
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

// Panels for `rows` layers: alone, kColumns to a grid row; compared, a row per layer under a
// header per run. Made anew only when the shape changes.
void LayerHistogramsView::layOut(size_t rows, const RunStyles& runs, bool comparing) {
  const int columns = comparing ? int(runs.size()) : 1;
  if (comparing != comparing_ || columns != columns_ || panels_.size() != rows * size_t(columns)) {
    for (auto* w : panels_) delete w;
    for (auto* w : headers_) delete w;
    panels_.clear(), headers_.clear();
    comparing_ = comparing, columns_ = columns;
    for (int c = 0; comparing && c < columns; ++c) {
      auto* header = new QLabel(grid_);
      header->setWordWrap(true);
      gridLayout_->addWidget(header, 0, c);
      headers_.push_back(header);
    }
    for (size_t i = 0; i < rows * size_t(columns); ++i) {
      auto* panel = new HistogramPanel(grid_);
      const int at = int(i);
      if (comparing)
        gridLayout_->addWidget(panel, 1 + at / columns, at % columns);
      else
        gridLayout_->addWidget(panel, at / kColumns, at % kColumns);
      panels_.push_back(panel);
    }
  }
  for (size_t c = 0; c < headers_.size(); ++c) {
    headers_[c]->setText(runs[c].legend());
    headers_[c]->setToolTip(runs[c].legend());
    headers_[c]->setStyleSheet(QString("QLabel { color: %1; font-weight: bold; }").arg(runs[c].color.name()));
  }
}

void LayerHistogramsView::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  const RunStyles runs = shownRuns(styles_);
  const bool comparing = styles_.size() > 1, gradients = showsGradients();
  const std::vector<Row> rows = rowsOf(runs, gradients);
  std::vector<train::TensorStats> unions;
  for (const Row& row : rows) unions.push_back(unionOf(row.cells));
  std::vector<const train::TensorStats*> rowStats;
  for (const auto& u : unions) rowStats.push_back(&u);
  const SharedAxis axis = sharedAxisOf(rowStats, kOwnAxisBelow);
  const bool sharing = sharedAxis_->isChecked();

  layOut(rows.size(), runs, comparing);
  ownAxes_ = 0;
  static const train::TensorStats none;
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& u = unions[r];
    bool anyCount = false;
    for (const auto* cell : rows[r].cells) anyCount = anyCount || (cell && cell->count);
    const bool shared = sharing && axis.holds[r], own = sharing && !shared && anyCount;
    ownAxes_ += own;
    for (size_t c = 0; c < rows[r].cells.size(); ++c) {
      HistogramPanel* panel = panels_[r * size_t(columns_) + c];
      const auto* cell = rows[r].cells[c];
      // An empty gradient is one no backward pass computed (nn::Network::hasGradient).
      panel->setEmptyText(!cell ? tr("not in this run") : gradients ? tr("gradient not computed") : QString());
      panel->setBarColor(comparing ? runs[c].color : QColor());
      panel->setBinsOnAxis(comparing);
      // A variant may have another layer type under the same name: each panel names its own.
      const QString title = titleOf(*(rows[r].layers[c] ? rows[r].layers[c] : firstOf(rows[r].layers)));
      panel->set(title, cell ? *cell : none, shared ? axis.lo : u.min, shared ? axis.hi : u.max, own);
    }
  }
  caption_->setText(captionFor(runs, rows.size(), gradients));
}

QString LayerHistogramsView::captionFor(const RunStyles& runs, size_t layers, bool gradients) const {
  std::vector<std::pair<QString, uint64_t>> steps;
  for (const RunStyle& run : runs)
    if (auto it = reports_.find(run.member); it != reports_.end()) steps.push_back({run.label, it->second->step});
  QString caption = runs.empty() ? tr("Every run is hidden: tick one in the run list.")
                                 : tr("No probe yet: set probes on and train.");
  if (!steps.empty()) {
    caption = tr("%1 of %2 layers at %3")
                  .arg(gradients ? tr("Gradients") : tr("Activations"))
                  .arg(layers)
                  .arg(stepText(steps));
    if (ownAxes_)
      caption +=
          tr("; %n on their own axis (values under 1/%1 of the shared range)", nullptr, ownAxes_).arg(kOwnAxisBelow);
  }
  return caption;
}

QString LayerHistogramsView::caption() const { return caption_->text(); }

QString LayerHistogramsView::csv() const {
  CsvTable table({"run", "step", "layer", "quantity", "bin_low", "bin_high", "count"});
  const RunStyles runs = shownRuns(styles_);
  const QString quantity = showsGradients() ? "gradient" : "activation";
  for (size_t i = 0; i < panels_.size() && !runs.empty(); ++i) {
    const HistogramPanel& p = *panels_[i];
    const RunStyle& run = runs[comparing_ ? i % size_t(columns_) : 0];
    const auto report = reports_.find(run.member);
    const std::vector<float> bins = p.drawnBins();
    if (p.binCount() == 0 || p.sampleCount() == 0 || report == reports_.end() || bins.empty()) continue;
    const double width = (p.binMax() - p.binMin()) / double(bins.size());
    for (size_t b = 0; b < bins.size(); ++b)
      table.row({CsvTable::text(run.legend()), QString::number(report->second->step), CsvTable::text(p.title()),
                 quantity, CsvTable::number(p.binMin() + double(b) * width),
                 CsvTable::number(p.binMin() + double(b + 1) * width), CsvTable::number(bins[b])});
  }
  return table.text();
}

}  // namespace gradlab::ui

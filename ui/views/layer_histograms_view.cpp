#include "views/layer_histograms_view.h"

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
      if (pass == 1 && (s.max - s.min) * ownBelow < axis.hi - axis.lo) axis.holds[i] = false;
      else lo = std::min(lo, s.min), hi = std::max(hi, s.max);
    }
    axis.lo = lo, axis.hi = hi;
  }
  return axis;
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
  const auto& h = stats_.histogram;
  const float peak = std::max(1.0f, *std::max_element(h.begin(), h.end()));
  auto xOf = [&](double v) { return plot.left() + (v - lo_) / (hi_ - lo_) * plot.width(); };
  const double binWidth = (stats_.max - stats_.min) / h.size();
  p.setPen(Qt::NoPen);
  p.setBrush(palette().color(QPalette::Highlight));
  p.setRenderHint(QPainter::Antialiasing, false);  // bars on whole pixels: crisp, never a blur
  for (size_t k = 0; k < h.size(); ++k) {
    // A constant tensor (min == max) puts everything in one bar two pixels wide at its value.
    const double x0 = std::floor(xOf(stats_.min + k * binWidth));
    const double x1 = std::max(std::round(xOf(stats_.min + (k + 1) * binWidth)), x0 + 2.0);
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

void LayerHistogramsView::setReport(std::shared_ptr<const train::ProbeReport> report) {
  report_ = std::move(report);
  dirty_ = true;
}

void LayerHistogramsView::setShowGradients(bool gradients) { quantity_->setCurrentIndex(gradients ? 1 : 0); }
bool LayerHistogramsView::showsGradients() const { return quantity_->currentIndex() == 1; }

void LayerHistogramsView::clear() {
  report_.reset();
  dirty_ = true;
  refresh();
}

void LayerHistogramsView::refresh() {
  if (!dirty_) return;
  dirty_ = false;
  std::vector<const train::LayerProbe*> layers;
  if (report_)
    for (const auto& l : report_->layers)
      if (!isLoss(l)) layers.push_back(&l);
  const bool gradients = showsGradients();
  auto statsOf = [&](const train::LayerProbe* l) -> const train::TensorStats& {
    return gradients ? l->gradient : l->activation;
  };
  std::vector<const train::TensorStats*> stats;
  for (const auto* l : layers) stats.push_back(&statsOf(l));
  const SharedAxis axis = sharedAxisOf(stats, kOwnAxisBelow);
  const bool sharing = sharedAxis_->isChecked();

  while (panels_.size() > layers.size()) {
    delete panels_.back();
    panels_.pop_back();
  }
  while (panels_.size() < layers.size()) {
    auto* panel = new HistogramPanel(grid_);
    const int i = int(panels_.size());
    gridLayout_->addWidget(panel, i / kColumns, i % kColumns);
    panels_.push_back(panel);
  }
  ownAxes_ = 0;
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& s = *stats[i];
    const bool shared = sharing && axis.holds[i], own = sharing && !shared && s.count;
    ownAxes_ += own;
    // An empty gradient is one no backward pass computed (nn::Network::hasGradient).
    panels_[i]->setEmptyText(gradients ? tr("gradient not computed") : QString());
    panels_[i]->set(QString::fromStdString(layers[i]->node + " (" + layers[i]->type + ")"), s,
                    shared ? axis.lo : s.min, shared ? axis.hi : s.max, own);
  }
  QString caption = tr("No probe yet: set probes on and train.");
  if (report_) {
    caption = tr("%1 of %2 layers at step %3")
                  .arg(gradients ? tr("Gradients") : tr("Activations"))
                  .arg(layers.size())
                  .arg(report_->step);
    if (ownAxes_)
      caption += tr("; %n on their own axis (values under 1/%1 of the shared range)", nullptr, ownAxes_)
                     .arg(kOwnAxisBelow);
  }
  caption_->setText(caption);
}

QString LayerHistogramsView::caption() const { return caption_->text(); }

}  // namespace gradlab::ui

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

}  // namespace

HistogramPanel::HistogramPanel(QWidget* parent) : QWidget(parent) {
  setMinimumSize(180, 130);
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Fixed);
}

void HistogramPanel::set(const QString& title, const train::TensorStats& stats, double lo, double hi) {
  title_ = title;
  stats_ = stats;
  lo_ = lo;
  hi_ = hi > lo ? hi : lo + 1;
  update();
}

void HistogramPanel::paintEvent(QPaintEvent*) {
  QPainter p(this);
  p.setRenderHint(QPainter::Antialiasing);
  const QPalette& pal = palette();
  p.fillRect(rect(), pal.base());
  p.setPen(pal.color(QPalette::Mid));
  p.drawRect(rect().adjusted(0, 0, -1, -1));

  const QFontMetrics fm(font());
  const int line = fm.height();
  QFont bold = font();
  bold.setBold(true);
  p.setFont(bold);
  p.setPen(pal.color(QPalette::Text));
  p.drawText(QRect(6, 3, width() - 12, line), Qt::AlignLeft | Qt::AlignVCenter,
             QFontMetrics(bold).elidedText(title_, Qt::ElideRight, width() - 12));
  p.setFont(font());
  if (stats_.count == 0 || stats_.histogram.empty()) {
    p.setPen(pal.color(QPalette::PlaceholderText));
    p.drawText(rect(), Qt::AlignCenter, tr("no data"));
    return;
  }
  QString statsLine = QString::fromUtf8("μ %1  σ %2").arg(number(stats_.mean), number(stats_.std));
  if (stats_.deadFraction >= 0.005) statsLine += tr("  dead %1%").arg(std::round(*stats_.deadFraction * 100));
  if (stats_.saturatedFraction >= 0.005) statsLine += tr("  sat %1%").arg(std::round(*stats_.saturatedFraction * 100));
  p.drawText(QRect(6, 3 + line, width() - 12, line), Qt::AlignLeft | Qt::AlignVCenter,
             fm.elidedText(statsLine, Qt::ElideRight, width() - 12));

  const QRectF plot(6, 6 + 2 * line, width() - 12, height() - 12 - 3 * line);
  const auto& h = stats_.histogram;
  const float peak = std::max(1.0f, *std::max_element(h.begin(), h.end()));
  auto xOf = [&](double v) { return plot.left() + (v - lo_) / (hi_ - lo_) * plot.width(); };
  const double binWidth = (stats_.max - stats_.min) / h.size();
  QColor fill = pal.color(QPalette::Highlight);
  p.setPen(Qt::NoPen);
  p.setBrush(fill);
  for (size_t k = 0; k < h.size(); ++k) {
    // A constant tensor (min == max) puts everything in one bar one pixel wide at its value.
    const double x0 = xOf(stats_.min + k * binWidth), x1 = std::max(xOf(stats_.min + (k + 1) * binWidth), x0 + 1.0);
    const double barHeight = plot.height() * h[k] / peak;
    p.drawRect(QRectF(x0, plot.bottom() - barHeight, x1 - x0, barHeight));
  }
  p.setPen(pal.color(QPalette::Mid));
  p.drawLine(plot.bottomLeft(), plot.bottomRight());
  if (lo_ < 0 && hi_ > 0) {  // where zero is
    QPen dashed(pal.color(QPalette::Mid), 1, Qt::DashLine);
    p.setPen(dashed);
    p.drawLine(QPointF(xOf(0), plot.top()), QPointF(xOf(0), plot.bottom()));
  }
  p.setPen(pal.color(QPalette::Text));
  const QRect axis(int(plot.left()), int(plot.bottom()) + 2, int(plot.width()), line);
  p.drawText(axis, Qt::AlignLeft | Qt::AlignVCenter, number(lo_));
  p.drawText(axis, Qt::AlignRight | Qt::AlignVCenter, number(hi_));
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
  double lo = INFINITY, hi = -INFINITY;
  for (const auto* l : layers)
    if (statsOf(l).count) lo = std::min(lo, statsOf(l).min), hi = std::max(hi, statsOf(l).max);

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
  for (size_t i = 0; i < layers.size(); ++i) {
    const auto& s = statsOf(layers[i]);
    const bool shared = sharedAxis_->isChecked() && std::isfinite(lo);
    panels_[i]->set(QString::fromStdString(layers[i]->node + " (" + layers[i]->type + ")"), s, shared ? lo : s.min,
                    shared ? hi : s.max);
  }
  caption_->setText(report_ ? tr("%1 of %2 layers at step %3")
                                  .arg(gradients ? tr("Gradients") : tr("Activations"))
                                  .arg(layers.size())
                                  .arg(report_->step)
                            : tr("No probe yet: set probes on and train."));
}

}  // namespace gradlab::ui

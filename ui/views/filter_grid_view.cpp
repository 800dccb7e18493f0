#include "views/filter_grid_view.h"

#include "analysis/filter_spectrum.h"
#include "export/view_export.h"
#include "views/color_map.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QTabBar>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {

constexpr int kMaxTiles = 256;          // more filters than this are not drawn (a first dense layer may have thousands)
constexpr double kSpectrumDecades = 3;  // the log-scaled spectrum shows this range below its peak

// The tiles, laid out in rows that fit the width, each scaled up to a readable size.
class FilterCanvas : public QWidget {
 public:
  explicit FilterCanvas(FilterGridView* view) : QWidget(view), view_(*view) {}

  int columns(int width) const { return std::max(1, (width - kGap) / (cellWidth() + kGap)); }
  int heightFor(int width) const {
    const int n = int(view_.tiles_.size());
    const int rows = (n + columns(width) - 1) / columns(width);
    return kGap + rows * (cellHeight() + kGap);
  }

 protected:
  void paintEvent(QPaintEvent*) override {
    QPainter p(this);
    const QPalette& pal = palette();
    p.fillRect(rect(), pal.window());
    if (!view_.message_.isEmpty()) {
      p.setPen(pal.color(QPalette::PlaceholderText));
      p.drawText(rect().adjusted(8, 8, -8, -8), Qt::AlignCenter | Qt::TextWordWrap, view_.message_);
      return;
    }
    const int label = fontMetrics().height();
    for (int i = 0; i < int(view_.tiles_.size()); ++i) {
      const QRect filter = filterBox(i), spectrum = spectrumBox(i);
      if (!filter.isEmpty()) p.drawImage(filter, view_.tiles_[size_t(i)]);
      if (!spectrum.isEmpty()) {
        if (view_.spectraReady())
          p.drawImage(spectrum, view_.spectra_[size_t(i)]);
        else
          p.fillRect(spectrum, pal.color(QPalette::Mid));
      }
      const QPoint cell = cellOrigin(i);
      p.setPen(pal.color(QPalette::Text));
      p.drawText(QRect(cell.x(), cell.y() + tilePixels(), cellWidth(), label), Qt::AlignCenter, QString::number(i));
    }
  }

 public:
  QPoint cellOrigin(int i) const {
    const int cols = columns(width());
    return {kGap + (i % cols) * (cellWidth() + kGap), kGap + (i / cols) * (cellHeight() + kGap)};
  }
  QRect filterBox(int i) const {
    return showFilters() ? QRect(cellOrigin(i), QSize(tilePixels(), tilePixels())) : QRect();
  }
  QRect spectrumBox(int i) const {
    if (!showSpectra()) return {};
    const int left = cellOrigin(i).x() + (showFilters() ? tilePixels() + 2 : 0);
    return QRect(QPoint(left, cellOrigin(i).y()), QSize(tilePixels(), tilePixels()));
  }

 private:
  static constexpr int kGap = 6;
  bool showFilters() const { return view_.display_->currentIndex() != int(FilterGridView::Display::Spectra); }
  bool showSpectra() const {
    return view_.device_ && view_.display_->currentIndex() != int(FilterGridView::Display::Filters);
  }
  int tilePixels() const {
    const int side = std::max(view_.tileWidth_, view_.tileHeight_);
    return side <= 0 ? 48 : std::max(56, side * std::max(1, 56 / side));
  }
  int cellWidth() const { return tilePixels() * ((showFilters() ? 1 : 0) + (showSpectra() ? 1 : 0)) + 2; }
  int cellHeight() const { return tilePixels() + fontMetrics().height(); }
  FilterGridView& view_;
};

// What a drawing needs, held by value so a worker can use it while the view moves on.
struct FilterGridView::DrawRequest {
  uint64_t id = 0, generation = 0;
  std::shared_ptr<const train::WeightSnapshot> weights;
  nn::Shape imageShape;
  bool mean = true, shared = false;
  std::shared_ptr<const std::vector<float>> magnitudes;  // these weights' spectra, or null
  uint32_t spectrumSize = 0;
  QString run;  // the run's legend when compared, for the caption
};

// The tiles (and spectra) of one tensor, made on the UI thread or a worker.
struct FilterGridView::Drawing {
  uint64_t id = 0, generation = 0;
  std::vector<QImage> tiles, spectra;
  std::shared_ptr<const std::vector<float>> planes;
  int tileWidth = 0, tileHeight = 0;
  uint32_t count = 0;  // filters in the tensor; at most kMaxTiles are drawn
  bool colour = false;
  QString name, note, message, run;
};

FilterGridView::FilterGridView(QWidget* parent) : QWidget(parent) {
  makeExportable(this, tr("Filters"), [this] { return csv(); });
  display_ = new QComboBox(this);
  display_->addItems({tr("Filters"), tr("Spectra"), tr("Filters and spectra")});
  channels_ = new QComboBox(this);
  channels_->addItems({tr("Mean over input channels"), tr("First input channel")});
  channels_->setToolTip(tr("How a tile shows a filter with more than three input channels"));
  sharedScale_ = new QCheckBox(tr("Same scale for all filters"), this);
  caption_ = new QLabel(this);
  caption_->setWordWrap(true);
  runTabs_ = new QTabBar(this);
  runTabs_->setExpanding(false);
  runTabs_->hide();
  connect(runTabs_, &QTabBar::currentChanged, this, [this] { drawShownRun(); });
  auto* canvas = new FilterCanvas(this);
  canvas_ = canvas;
  auto* scroll = new QScrollArea(this);
  scroll->setWidget(canvas_);
  scroll->setWidgetResizable(false);

  auto* controls = new QHBoxLayout;
  controls->addWidget(display_);
  controls->addWidget(channels_);
  controls->addWidget(sharedScale_);
  controls->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addLayout(controls);
  layout->addWidget(runTabs_);
  layout->addWidget(caption_);
  layout->addWidget(scroll, 1);

  connect(display_, &QComboBox::currentIndexChanged, this, [this] {
    requestSpectra();
    layoutCanvas();
  });
  connect(channels_, &QComboBox::currentIndexChanged, this, [this] {  // other planes: other spectra
    ++generation_;
    redraw(true);
  });
  connect(sharedScale_, &QCheckBox::toggled, this, [this] { redraw(true); });
  job_ = new QFutureWatcher<std::vector<float>>(this);
  connect(job_, &QFutureWatcher<std::vector<float>>::finished, this, [this] {
    magnitudes_ = std::make_shared<const std::vector<float>>(job_->result());
    spectraFor_ = jobFor_;
    spectrumError_ = magnitudes_->empty() ? *jobError_ : QString();
    spectraShownAt_ = redraw(false);  // spectraUpdated once that drawing is shown
    if (jobAgain_) {
      jobAgain_ = false;
      requestSpectra();
    }
  });
  drawJob_ = new QFutureWatcher<Drawing>(this);
  connect(drawJob_, &QFutureWatcher<Drawing>::finished, this, [this] {
    present(drawJob_->result());
    emit tilesUpdated();
    if (drawAgain_) {
      drawAgain_ = false;
      redraw(false);
    }
  });
  redraw(true);
}

FilterGridView::~FilterGridView() {
  job_->waitForFinished();
  drawJob_->waitForFinished();
}

void FilterGridView::setSpectrumDevice(gpu::Context* context) {
  device_ = context;
  spectrum_.reset();
  requestSpectra();
  layoutCanvas();
}

void FilterGridView::setImageShape(const nn::Shape& shape) {
  imageShape_ = shape;
  ++generation_;
  redraw(true);
}

void FilterGridView::setWeights(const train::WeightSnapshot& weights, uint32_t member) {
  storeWeights(std::make_shared<const train::WeightSnapshot>(weights), member, true);
}

void FilterGridView::showWeights(std::shared_ptr<const train::ProbeReport> report, const std::string& tensor,
                                 uint32_t member) {
  if (!report) return;
  for (const auto& w : report->weights)
    if (w.name == tensor) {
      // Shares the report's ownership.
      return storeWeights(std::shared_ptr<const train::WeightSnapshot>(report, &w), member, false);
    }
}

void FilterGridView::storeWeights(std::shared_ptr<const train::WeightSnapshot> weights, uint32_t member, bool now) {
  runWeights_[member] = weights;
  if (member != shownMember()) return;
  weights_ = std::move(weights);
  ++generation_;
  redraw(now);
}

uint32_t FilterGridView::shownMember() const {
  const RunStyles runs = shownRuns(styles_);
  if (runs.empty()) return UINT32_MAX;  // every run hidden
  const int tab = runTabs_->isHidden() ? 0 : std::clamp(runTabs_->currentIndex(), 0, int(runs.size()) - 1);
  return runs[size_t(tab)].member;
}

void FilterGridView::setRunStyles(const RunStyles& styles) {
  const uint32_t shown = shownMember();
  styles_ = styles;
  const RunStyles runs = shownRuns(styles_);
  const bool comparing = styles_.size() > 1;
  {
    const QSignalBlocker quiet(runTabs_);
    while (runTabs_->count()) runTabs_->removeTab(0);
    for (size_t i = 0; comparing && i < runs.size(); ++i) {
      runTabs_->addTab(runs[i].legend());
      runTabs_->setTabTextColor(int(i), runs[i].color);
      if (runs[i].member == shown) runTabs_->setCurrentIndex(int(i));
    }
    runTabs_->setVisible(comparing);
  }
  drawShownRun();
}

void FilterGridView::clear() {
  runWeights_.clear();
  drawShownRun();
}

void FilterGridView::showRun(int tab) { runTabs_->setCurrentIndex(tab); }

void FilterGridView::drawShownRun() {
  const auto it = runWeights_.find(shownMember());
  weights_ = it == runWeights_.end() ? nullptr : it->second;
  ++generation_;
  redraw(true);
}

QString FilterGridView::caption() const { return caption_->text(); }

void FilterGridView::setDisplay(Display display) { display_->setCurrentIndex(int(display)); }

QRect FilterGridView::tileRect(int i) const {
  const QRect box = static_cast<const FilterCanvas*>(canvas_)->filterBox(i);
  return box.isEmpty() ? box : box.translated(canvas_->mapTo(this, QPoint(0, 0)));
}

QRect FilterGridView::spectrumRect(int i) const {
  const QRect box = static_cast<const FilterCanvas*>(canvas_)->spectrumBox(i);
  return box.isEmpty() ? box : box.translated(canvas_->mapTo(this, QPoint(0, 0)));
}
void FilterGridView::setSharedScale(bool shared) { sharedScale_->setChecked(shared); }
void FilterGridView::setChannels(Channels channels) { channels_->setCurrentIndex(int(channels)); }

uint64_t FilterGridView::redraw(bool now) {
  DrawRequest r;
  r.id = ++requested_;
  r.generation = generation_;
  r.weights = weights_;
  r.imageShape = imageShape_;
  r.mean = channels_->currentIndex() == int(Channels::Mean);
  r.shared = sharedScale_->isChecked();
  if (spectraFor_ == generation_) r.magnitudes = magnitudes_;
  r.spectrumSize = spectrumSize_;
  if (runTabs_->isVisibleTo(this) && runTabs_->currentIndex() >= 0) r.run = runTabs_->tabText(runTabs_->currentIndex());
  if (now) {
    present(draw(r));
  } else if (drawJob_->isRunning()) {
    drawAgain_ = true;  // the settings and weights as they are then are drawn when this job ends
  } else {
    drawJob_->setFuture(QtConcurrent::run([r] { return draw(r); }));
  }
  return r.id;
}

FilterGridView::Drawing FilterGridView::draw(const DrawRequest& request) {
  static const train::WeightSnapshot none;
  const train::WeightSnapshot& weights = request.weights ? *request.weights : none;
  Drawing out;
  out.id = request.id;
  out.generation = request.generation;
  out.run = request.run;
  const auto& dims = weights.shape.dims;
  const QString name = out.name = QString::fromStdString(weights.name);
  uint32_t count = 0, inputs = 1, h = 0, w = 0;
  if (dims.size() == 4) {  // convolution: out x in x kh x kw
    count = dims[0], inputs = dims[1], h = dims[2], w = dims[3];
  } else if (dims.size() == 2) {  // dense: out x features, shown as images of the input
    const uint32_t features = dims[1];
    const auto side = uint32_t(std::lround(std::sqrt(double(features))));
    const nn::Shape& image = request.imageShape;
    if (image.isImage() && image.elements() == features) {
      count = dims[0], inputs = image.channels(), h = image.height(), w = image.width();
    } else if (side * side == features && side > 1) {
      count = dims[0], h = w = side;
    } else {
      out.message = tr("%1 is %2: its %3 inputs are not an image, so its rows cannot be drawn as tiles.")
                        .arg(name, QString::fromStdString(weights.shape.text()))
                        .arg(features);
    }
  } else {
    out.message = weights.values.empty()
                      ? tr("No filters yet: choose a convolution's weight (e.g. c1.weight) and train with probes on.")
                      : tr("%1 has shape %2: only convolution weights (out x in x k x k) and dense weights over an "
                           "image input can be drawn as filters.")
                            .arg(name, QString::fromStdString(weights.shape.text()));
  }
  if (out.message.isEmpty() && weights.values.size() < size_t(count) * inputs * h * w)
    out.message = tr("%1 has fewer values than its shape says.").arg(name);
  out.tileWidth = int(w), out.tileHeight = int(h);
  out.colour = inputs == 3;
  out.count = count;
  if (!out.message.isEmpty()) return out;
  const uint32_t shown = std::min<uint32_t>(count, kMaxTiles), plane = h * w;
  const bool colour = out.colour, mean = request.mean;
  out.note = inputs == 1 ? tr("grey (1 input channel)")
             : colour    ? tr("RGB (3 input channels)")
             : mean      ? tr("mean over %1 input channels").arg(inputs)
                         : tr("first of %1 input channels").arg(inputs);
  // Each filter as drawn: 1 or 3 planes, and one plane for its spectrum (RGB: the channels' mean).
  const uint32_t drawn = colour ? 3 : 1;
  std::vector<float> values(size_t(shown) * drawn * plane);
  std::vector<float> planes(size_t(shown) * plane, 0.0f);
  for (uint32_t f = 0; f < shown; ++f)
    for (uint32_t k = 0; k < plane; ++k) {
      const float* in = weights.values.data() + size_t(f) * inputs * plane + k;
      if (colour) {
        for (uint32_t c = 0; c < 3; ++c) values[(size_t(f) * 3 + c) * plane + k] = in[c * plane];
        planes[size_t(f) * plane + k] = (in[0] + in[plane] + in[2 * plane]) / 3;
      } else {
        float v = in[0];
        if (mean && inputs > 1) {
          for (uint32_t c = 1; c < inputs; ++c) v += in[c * plane];
          v /= inputs;
        }
        values[size_t(f) * plane + k] = planes[size_t(f) * plane + k] = v;
      }
    }
  // Symmetric around zero: 0 is mid-grey, the largest magnitude is black or white.
  const bool shared = request.shared;
  const size_t per = size_t(drawn) * plane;
  float sharedPeak = 0;
  for (float v : values) sharedPeak = std::max(sharedPeak, std::abs(v));
  for (uint32_t f = 0; f < shown; ++f) {
    const float* v = values.data() + f * per;
    float peak = shared ? sharedPeak : 0;
    if (!shared)
      for (size_t k = 0; k < per; ++k) peak = std::max(peak, std::abs(v[k]));
    const float scale = peak > 0 ? 127.5f / peak : 0;
    QImage image(int(w), int(h), QImage::Format_RGB32);
    for (uint32_t r = 0; r < h; ++r) {
      auto* line = reinterpret_cast<QRgb*>(image.scanLine(int(r)));
      for (uint32_t c = 0; c < w; ++c) {
        auto level = [&](uint32_t channel) {
          return std::clamp(int(std::lround(127.5f + v[channel * plane + r * w + c] * scale)), 0, 255);
        };
        line[c] = colour ? qRgb(level(0), level(1), level(2)) : qRgb(level(0), level(0), level(0));
      }
    }
    out.tiles.push_back(image);
  }
  out.planes = std::make_shared<const std::vector<float>>(std::move(planes));
  // Spectra from the latest magnitudes, on a log scale over kSpectrumDecades below the peak.
  const size_t spectrumPlane = size_t(request.spectrumSize) * request.spectrumSize;
  if (request.magnitudes && request.magnitudes->size() == shown * spectrumPlane) {
    const std::vector<float>& magnitudes = *request.magnitudes;
    double sharedTop = 1e-30;
    for (float m : magnitudes) sharedTop = std::max<double>(sharedTop, m);
    for (uint32_t f = 0; f < shown; ++f) {
      const float* m = magnitudes.data() + f * spectrumPlane;
      double top = shared ? sharedTop : 1e-30;
      if (!shared) top = std::max<double>(top, *std::max_element(m, m + spectrumPlane));
      std::vector<double> logs(spectrumPlane);
      for (size_t k = 0; k < spectrumPlane; ++k) logs[k] = std::log10(std::max<double>(m[k], top * 1e-12));
      // heatmap() puts row 0 at the bottom; spectra keep image orientation, so flip back.
      out.spectra.push_back(heatmap(logs, int(request.spectrumSize), int(request.spectrumSize),
                                    std::log10(top) - kSpectrumDecades, std::log10(top), ColorMap::Magma)
                                .mirrored(false, true));
    }
  }
  return out;
}

void FilterGridView::present(Drawing drawing) {
  if (drawing.id <= shown_) return;  // a newer drawing is on screen already
  shown_ = drawing.id;
  drawnFor_ = drawing.generation;
  tiles_ = std::move(drawing.tiles);
  spectra_ = std::move(drawing.spectra);
  planes_ = std::move(drawing.planes);
  tileWidth_ = drawing.tileWidth, tileHeight_ = drawing.tileHeight;
  colour_ = drawing.colour;
  note_ = drawing.note;
  message_ = drawing.message;
  const QString run = drawing.run.isEmpty() ? QString() : drawing.run + QString::fromUtf8(" \u2014 ");
  if (!message_.isEmpty()) {
    caption_->setText(run + message_);
  } else {
    const uint32_t count = drawing.count, shownTiles = uint32_t(tiles_.size());
    QString text =
        tr("%1: %2 filters of %3x%4, %5").arg(drawing.name).arg(count).arg(tileWidth_).arg(tileHeight_).arg(note_);
    if (count > shownTiles) text += tr("; the first %1 shown").arg(shownTiles);
    text +=
        sharedScale_->isChecked() ? tr("; one scale for all (grey = 0)") : tr("; each filter its own scale (grey = 0)");
    if (!spectrumError_.isEmpty())
      text += tr("; spectra failed: %1").arg(spectrumError_);
    else if (device_ && display_->currentIndex() != int(Display::Filters))
      text += tr("; spectra: |FFT| zero-padded to %1x%1, centred, log scale over %2 decades")
                  .arg(spectrumSize_)
                  .arg(kSpectrumDecades);
    caption_->setText(run + text);
  }
  layoutCanvas();
  if (spectraShownAt_ && shown_ >= spectraShownAt_) {
    spectraShownAt_ = 0;
    emit spectraUpdated();
  }
  requestSpectra();
}

void FilterGridView::requestSpectra() {
  if (!device_ || display_->currentIndex() == int(Display::Filters) || tiles_.empty() || spectraFor_ == drawnFor_)
    return;
  if (job_->isRunning()) {  // one job at a time: the latest weights follow when it ends
    jobAgain_ = true;
    return;
  }
  const uint32_t side = uint32_t(std::max(tileWidth_, tileHeight_));
  const uint32_t size = side <= 8 ? 16 : side <= 32 ? 32 : 64;
  if (!spectrum_ || spectrum_->size() != size) spectrum_ = std::make_shared<analysis::FilterSpectrum>(*device_, size);
  spectrumSize_ = size;
  jobFor_ = drawnFor_;
  job_->setFuture(QtConcurrent::run([spectrum = spectrum_, planes = planes_, count = uint32_t(tiles_.size()),
                                     h = uint32_t(tileHeight_), w = uint32_t(tileWidth_), error = jobError_] {
    try {
      return spectrum->magnitudes(*planes, count, h, w);
    } catch (const std::exception& e) {  // a device failure: said in the caption, never a crash
      *error = QString::fromUtf8(e.what());
      return std::vector<float>();
    }
  }));
}

void FilterGridView::resizeEvent(QResizeEvent* event) {
  QWidget::resizeEvent(event);
  layoutCanvas();
}

void FilterGridView::layoutCanvas() {
  auto* canvas = static_cast<FilterCanvas*>(canvas_);
  const int width = std::max(200, canvas_->parentWidget() ? canvas_->parentWidget()->width() : 600);
  canvas->resize(width, message_.isEmpty() ? canvas->heightFor(width) : 120);
  canvas->update();
}

QString FilterGridView::csv() const {
  CsvTable table({"run", "tensor", "filter", "channel", "y", "x", "value"});
  if (!weights_ || weights_->shape.dims.empty()) return table.text();
  QString run;
  for (const RunStyle& style : shownRuns(styles_))
    if (style.member == shownMember()) run = CsvTable::text(style.legend());
  const auto& dims = weights_->shape.dims;
  const QString tensor = CsvTable::text(QString::fromStdString(weights_->name));
  const size_t perFilter = weights_->values.size() / std::max<size_t>(1, dims[0]);
  const bool kernels = dims.size() == 4;  // out x in x kh x kw
  for (size_t i = 0; i < weights_->values.size() && perFilter; ++i) {
    const size_t within = i % perFilter;
    const QString channel = kernels ? QString::number(within / (size_t(dims[2]) * dims[3])) : QString();
    const QString y = kernels ? QString::number(within / dims[3] % dims[2]) : QString();
    table.row({run, tensor, QString::number(i / perFilter), channel, y,
               QString::number(kernels ? within % dims[3] : within), CsvTable::number(weights_->values[i])});
  }
  return table.text();
}

}  // namespace gradlab::ui

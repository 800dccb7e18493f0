#include "views/filter_grid_view.h"

#include "analysis/filter_spectrum.h"
#include "views/color_map.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QScrollArea>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {

constexpr int kMaxTiles = 256;       // more filters than this are not drawn (a first dense layer may have thousands)
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
    const int cols = columns(width()), label = fontMetrics().height();
    const bool filters = showFilters(), spectra = showSpectra();
    for (int i = 0; i < int(view_.tiles_.size()); ++i) {
      const int x = kGap + (i % cols) * (cellWidth() + kGap), y = kGap + (i / cols) * (cellHeight() + kGap);
      int left = x;
      if (filters) {
        p.drawImage(QRect(left, y, tilePixels(), tilePixels()), view_.tiles_[size_t(i)]);
        left += tilePixels() + 2;
      }
      if (spectra) {
        const QRect box(left, y, tilePixels(), tilePixels());
        if (view_.spectraReady()) p.drawImage(box, view_.spectra_[size_t(i)]);
        else p.fillRect(box, pal.color(QPalette::Mid));
      }
      p.setPen(pal.color(QPalette::Text));
      p.drawText(QRect(x, y + tilePixels(), cellWidth(), label), Qt::AlignCenter, QString::number(i));
    }
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

FilterGridView::FilterGridView(QWidget* parent) : QWidget(parent) {
  display_ = new QComboBox(this);
  display_->addItems({tr("Filters"), tr("Spectra"), tr("Filters and spectra")});
  channels_ = new QComboBox(this);
  channels_->addItems({tr("Mean over input channels"), tr("First input channel")});
  channels_->setToolTip(tr("How a tile shows a filter with more than three input channels"));
  sharedScale_ = new QCheckBox(tr("Same scale for all filters"), this);
  caption_ = new QLabel(this);
  caption_->setWordWrap(true);
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
  layout->addWidget(caption_);
  layout->addWidget(scroll, 1);

  connect(display_, &QComboBox::currentIndexChanged, this, [this] {
    requestSpectra();
    layoutCanvas();
  });
  connect(channels_, &QComboBox::currentIndexChanged, this, [this] {  // other planes: other spectra
    ++generation_;
    rebuild();
    requestSpectra();
  });
  connect(sharedScale_, &QCheckBox::toggled, this, &FilterGridView::rebuild);
  job_ = new QFutureWatcher<std::vector<float>>(this);
  connect(job_, &QFutureWatcher<std::vector<float>>::finished, this, [this] {
    magnitudes_ = job_->result();
    spectraFor_ = jobFor_;
    spectrumError_ = magnitudes_.empty() ? *jobError_ : QString();
    rebuild();
    emit spectraUpdated();
    if (jobAgain_) {
      jobAgain_ = false;
      requestSpectra();
    }
  });
  rebuild();
}

FilterGridView::~FilterGridView() { job_->waitForFinished(); }

void FilterGridView::setSpectrumDevice(gpu::Context* context) {
  device_ = context;
  spectrum_.reset();
  requestSpectra();
  layoutCanvas();
}

void FilterGridView::setImageShape(const nn::Shape& shape) {
  imageShape_ = shape;
  setWeights(weights_);
}

void FilterGridView::setWeights(const train::WeightSnapshot& weights) {
  weights_ = weights;
  ++generation_;
  rebuild();
  requestSpectra();
}

void FilterGridView::setDisplay(Display display) { display_->setCurrentIndex(int(display)); }
void FilterGridView::setSharedScale(bool shared) { sharedScale_->setChecked(shared); }
void FilterGridView::setChannels(Channels channels) { channels_->setCurrentIndex(int(channels)); }

void FilterGridView::rebuild() {
  const auto& dims = weights_.shape.dims;
  const QString name = QString::fromStdString(weights_.name);
  uint32_t count = 0, inputs = 1, h = 0, w = 0;
  message_.clear();
  if (dims.size() == 4) {  // convolution: out x in x kh x kw
    count = dims[0], inputs = dims[1], h = dims[2], w = dims[3];
  } else if (dims.size() == 2) {  // dense: out x features, shown as images of the input
    const uint32_t features = dims[1];
    const auto side = uint32_t(std::lround(std::sqrt(double(features))));
    if (imageShape_.isImage() && imageShape_.elements() == features) {
      count = dims[0], inputs = imageShape_.channels(), h = imageShape_.height(), w = imageShape_.width();
    } else if (side * side == features && side > 1) {
      count = dims[0], h = w = side;
    } else {
      message_ = tr("%1 is %2: its %3 inputs are not an image, so its rows cannot be drawn as tiles.")
                     .arg(name, QString::fromStdString(weights_.shape.text()))
                     .arg(features);
    }
  } else {
    message_ = weights_.values.empty()
                   ? tr("No filters yet: choose a convolution's weight (e.g. c1.weight) and train with probes on.")
                   : tr("%1 has shape %2: only convolution weights (out x in x k x k) and dense weights over an "
                        "image input can be drawn as filters.")
                         .arg(name, QString::fromStdString(weights_.shape.text()));
  }
  if (message_.isEmpty() && weights_.values.size() < size_t(count) * inputs * h * w)
    message_ = tr("%1 has fewer values than its shape says.").arg(name);
  tiles_.clear();
  spectra_.clear();
  tileWidth_ = int(w), tileHeight_ = int(h);
  colour_ = inputs == 3;
  if (!message_.isEmpty()) {
    caption_->setText(message_);
    layoutCanvas();
    return;
  }
  const uint32_t shown = std::min<uint32_t>(count, kMaxTiles), plane = h * w;
  const bool mean = channels_->currentIndex() == int(Channels::Mean);
  note_ = inputs == 1   ? tr("grey (1 input channel)")
          : colour_     ? tr("RGB (3 input channels)")
          : mean        ? tr("mean over %1 input channels").arg(inputs)
                        : tr("first of %1 input channels").arg(inputs);
  // Each filter as drawn: 1 or 3 planes, and one plane for its spectrum (RGB: the channels' mean).
  const uint32_t drawn = colour_ ? 3 : 1;
  std::vector<float> values(size_t(shown) * drawn * plane);
  planes_.assign(size_t(shown) * plane, 0.0f);
  for (uint32_t f = 0; f < shown; ++f)
    for (uint32_t k = 0; k < plane; ++k) {
      const float* in = weights_.values.data() + size_t(f) * inputs * plane + k;
      if (colour_) {
        for (uint32_t c = 0; c < 3; ++c) values[(size_t(f) * 3 + c) * plane + k] = in[c * plane];
        planes_[size_t(f) * plane + k] = (in[0] + in[plane] + in[2 * plane]) / 3;
      } else {
        float v = in[0];
        if (mean && inputs > 1) {
          for (uint32_t c = 1; c < inputs; ++c) v += in[c * plane];
          v /= inputs;
        }
        values[size_t(f) * plane + k] = planes_[size_t(f) * plane + k] = v;
      }
    }
  // Symmetric around zero: 0 is mid-grey, the largest magnitude is black or white.
  const bool shared = sharedScale_->isChecked();
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
    for (uint32_t r = 0; r < h; ++r)
      for (uint32_t c = 0; c < w; ++c) {
        auto level = [&](uint32_t channel) {
          return std::clamp(int(std::lround(127.5f + v[channel * plane + r * w + c] * scale)), 0, 255);
        };
        image.setPixel(int(c), int(r), colour_ ? qRgb(level(0), level(1), level(2)) : qRgb(level(0), level(0), level(0)));
      }
    tiles_.push_back(image);
  }
  // Spectra from the latest magnitudes, on a log scale over kSpectrumDecades below the peak.
  const size_t spectrumPlane = size_t(spectrumSize_) * spectrumSize_;
  if (spectraFor_ == generation_ && magnitudes_.size() == shown * spectrumPlane) {
    double sharedTop = 1e-30;
    for (float m : magnitudes_) sharedTop = std::max<double>(sharedTop, m);
    for (uint32_t f = 0; f < shown; ++f) {
      const float* m = magnitudes_.data() + f * spectrumPlane;
      double top = shared ? sharedTop : 1e-30;
      if (!shared) top = std::max<double>(top, *std::max_element(m, m + spectrumPlane));
      std::vector<double> logs(spectrumPlane);
      for (size_t k = 0; k < spectrumPlane; ++k) logs[k] = std::log10(std::max<double>(m[k], top * 1e-12));
      // heatmap() puts row 0 at the bottom; spectra keep image orientation, so flip back.
      spectra_.push_back(heatmap(logs, int(spectrumSize_), int(spectrumSize_), std::log10(top) - kSpectrumDecades,
                                 std::log10(top), ColorMap::Magma)
                             .mirrored(false, true));
    }
  }
  QString text = tr("%1: %2 filters of %3x%4, %5").arg(name).arg(count).arg(w).arg(h).arg(note_);
  if (count > shown) text += tr("; the first %1 shown").arg(shown);
  text += sharedScale_->isChecked() ? tr("; one scale for all (grey = 0)") : tr("; each filter its own scale (grey = 0)");
  if (!spectrumError_.isEmpty()) text += tr("; spectra failed: %1").arg(spectrumError_);
  else if (device_ && display_->currentIndex() != int(Display::Filters))
    text += tr("; spectra: |FFT| zero-padded to %1x%1, centred, log scale over %2 decades")
                .arg(spectrumSize_)
                .arg(kSpectrumDecades);
  caption_->setText(text);
  layoutCanvas();
}

void FilterGridView::requestSpectra() {
  if (!device_ || display_->currentIndex() == int(Display::Filters) || tiles_.empty() || spectraFor_ == generation_)
    return;
  if (job_->isRunning()) {  // one job at a time: the latest weights follow when it ends
    jobAgain_ = true;
    return;
  }
  const uint32_t side = uint32_t(std::max(tileWidth_, tileHeight_));
  const uint32_t size = side <= 8 ? 16 : side <= 32 ? 32 : 64;
  if (!spectrum_ || spectrum_->size() != size) spectrum_ = std::make_shared<analysis::FilterSpectrum>(*device_, size);
  spectrumSize_ = size;
  jobFor_ = generation_;
  job_->setFuture(QtConcurrent::run([spectrum = spectrum_, planes = planes_, count = uint32_t(tiles_.size()),
                                     h = uint32_t(tileHeight_), w = uint32_t(tileWidth_), error = jobError_] {
    try {
      return spectrum->magnitudes(planes, count, h, w);
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

}  // namespace gradlab::ui

#pragma once
// What a layer learned to look for: the filters of a convolution (out x in x k x k, one tile per
// output channel) or the rows of a first dense layer over an image input (256 x 784: 256 tiles of
// 28 x 28), each drawn symmetric around zero (grey 50% is 0) with a per-filter or shared scale.
// One input channel is grey, three are RGB; with more, a tile shows their mean or the first one.
// A spectrum mode shows each filter's 2-D magnitude spectrum (zero-padded, fftshifted, log scale),
// computed with VkFFT off the UI thread when a device is given.
#include "nn/shape.h"
#include "train/probes.h"

#include <QImage>
#include <QWidget>

#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
template <class T> class QFutureWatcher;

namespace gradlab::gpu {
class Context;
}
namespace gradlab::analysis {
class FilterSpectrum;
}

namespace gradlab::ui {

class FilterGridView : public QWidget {
  Q_OBJECT
 public:
  enum class Display { Filters, Spectra, Both };
  enum class Channels { Mean, First };  // how a tile shows more than three input channels

  explicit FilterGridView(QWidget* parent = nullptr);
  ~FilterGridView() override;

  // The device spectra are computed on (null: no spectrum mode). It must outlive the view.
  void setSpectrumDevice(gpu::Context* context);
  // The input's shape, for dense weights (out x features): tiles of that image. Without it a
  // perfect-square feature count makes square grey tiles.
  void setImageShape(const nn::Shape& shape);
  // A tensor from ProbeReport::weights. Throws nothing: a shape it cannot draw shows a message.
  void setWeights(const train::WeightSnapshot& weights);
  void setDisplay(Display display);
  void setSharedScale(bool shared);
  void setChannels(Channels channels);

  // For tests: what is drawn.
  int tileCount() const { return int(tiles_.size()); }
  QSize tileSize() const { return {tileWidth_, tileHeight_}; }
  bool colour() const { return colour_; }
  QString channelNote() const { return note_; }
  QString message() const { return message_; }
  bool spectraReady() const { return !spectra_.empty() && spectraFor_ == generation_; }
  const QImage& tile(int i) const { return tiles_.at(size_t(i)); }
  const QImage& spectrumTile(int i) const { return spectra_.at(size_t(i)); }
  uint32_t spectrumSize() const { return spectrumSize_; }

 signals:
  void spectraUpdated();

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  void rebuild();
  void requestSpectra();
  void layoutCanvas();

  train::WeightSnapshot weights_;
  nn::Shape imageShape_;
  gpu::Context* device_ = nullptr;
  std::shared_ptr<analysis::FilterSpectrum> spectrum_;  // used by one worker job at a time
  QFutureWatcher<std::vector<float>>* job_ = nullptr;
  bool jobAgain_ = false;
  std::shared_ptr<QString> jobError_ = std::make_shared<QString>();  // written by the job, read when it ends
  QString spectrumError_;
  uint64_t generation_ = 0, spectraFor_ = 0, jobFor_ = 0;

  // Tiles as drawn: `planes_` holds each filter's values reduced to one plane (for spectra).
  std::vector<QImage> tiles_, spectra_;
  std::vector<float> planes_;
  std::vector<float> magnitudes_;
  int tileWidth_ = 0, tileHeight_ = 0;
  uint32_t spectrumSize_ = 0;
  bool colour_ = false;
  QString note_, message_;

  QComboBox *display_ = nullptr, *channels_ = nullptr;
  QCheckBox* sharedScale_ = nullptr;
  QLabel* caption_ = nullptr;
  QWidget* canvas_ = nullptr;
  friend class FilterCanvas;
};

}  // namespace gradlab::ui

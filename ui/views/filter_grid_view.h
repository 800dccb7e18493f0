#pragma once
// What a layer learned to look for: the filters of a convolution (out x in x k x k, one tile per
// output channel) or the rows of a first dense layer over an image input (256 x 784: 256 tiles of
// 28 x 28), each drawn symmetric around zero (grey 50% is 0) with a per-filter or shared scale.
// One input channel is grey, three are RGB; with more, a tile shows their mean or the first one.
// A spectrum mode shows each filter's 2-D magnitude spectrum (zero-padded, fftshifted, log scale),
// computed with VkFFT off the UI thread when a device is given. A live run's weights are drawn on
// a worker thread too (256 tiles and their spectra take milliseconds), so training never stalls
// the UI thread; only the finished images are painted.
//
// The runs of a comparison get a tab each, labelled with the run's legend in its colour: a tab
// shows that run's filters of the same tensor, drawn the same way.
#include "nn/shape.h"
#include "train/probes.h"
#include "views/run_style.h"

#include <QImage>
#include <QWidget>

#include <map>
#include <memory>
#include <vector>

class QCheckBox;
class QComboBox;
class QLabel;
class QTabBar;
template <class T>
class QFutureWatcher;

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
  // A tensor from ProbeReport::weights of run `member` of the set (Snapshot::member), drawn at
  // once when that run's tab is shown. Throws nothing: a shape it cannot draw shows a message.
  void setWeights(const train::WeightSnapshot& weights, uint32_t member = 0);
  // A live run's tensor `tensor` of `report`, shared (not copied) and drawn on a worker thread:
  // the tiles change when it is done (tilesUpdated). Reports that come meanwhile replace each
  // other; the latest is drawn next. A report without the tensor changes nothing; one of a run
  // whose tab is not shown is kept for when it is.
  void showWeights(std::shared_ptr<const train::ProbeReport> report, const std::string& tensor, uint32_t member = 0);
  // The runs to offer a tab each. Without styles, or with one, that run alone and no tabs.
  void setRunStyles(const RunStyles& styles);
  void clear();           // every run's weights
  void showRun(int tab);  // the tab of the tab-th shown run
  void setDisplay(Display display);
  void setSharedScale(bool shared);
  void setChannels(Channels channels);

  // For tests: what is drawn.
  int tileCount() const { return int(tiles_.size()); }
  QSize tileSize() const { return {tileWidth_, tileHeight_}; }
  bool colour() const { return colour_; }
  QString channelNote() const { return note_; }
  QString message() const { return message_; }
  bool spectraReady() const { return !spectra_.empty(); }  // spectra are only drawn for the tiles shown
  const QImage& tile(int i) const { return tiles_.at(size_t(i)); }
  const QImage& spectrumTile(int i) const { return spectra_.at(size_t(i)); }
  uint32_t spectrumSize() const { return spectrumSize_; }
  // Where tile i's filter and its spectrum are drawn, in this view's coordinates (empty: not shown).
  QRect tileRect(int i) const;
  QRect spectrumRect(int i) const;
  const QTabBar& runTabs() const { return *runTabs_; }  // hidden for a run alone
  uint32_t shownMember() const;                         // the run whose filters are drawn
  QString caption() const;
  // The shown run's weights that the tiles draw: one row per value, filter by filter (channel, y
  // and x for a convolution's k x k kernels; the input index for a dense layer's rows).
  QString csv() const;

 signals:
  void spectraUpdated();  // a spectrum job ended and its result is drawn (or its error said)
  void tilesUpdated();    // a drawing of showWeights() is shown

 protected:
  void resizeEvent(QResizeEvent* event) override;

 private:
  struct DrawRequest;
  struct Drawing;
  static Drawing draw(const DrawRequest& request);
  // Draws the current weights with the current settings: `now` on this thread, otherwise on a
  // worker (one job at a time, the latest request next). Returns the request's number.
  uint64_t redraw(bool now);
  void present(Drawing drawing);
  void requestSpectra();
  void layoutCanvas();
  void storeWeights(std::shared_ptr<const train::WeightSnapshot> weights, uint32_t member, bool now);
  void drawShownRun();  // the shown run's weights, at once

  std::map<uint32_t, std::shared_ptr<const train::WeightSnapshot>> runWeights_;  // by member
  RunStyles styles_;
  QTabBar* runTabs_ = nullptr;
  std::shared_ptr<const train::WeightSnapshot> weights_;  // the shown run's
  nn::Shape imageShape_;
  gpu::Context* device_ = nullptr;
  std::shared_ptr<analysis::FilterSpectrum> spectrum_;  // used by one worker job at a time
  QFutureWatcher<std::vector<float>>* job_ = nullptr;
  bool jobAgain_ = false;
  std::shared_ptr<QString> jobError_ = std::make_shared<QString>();  // written by the job, read when it ends
  QString spectrumError_;
  // generation_ counts the weights set; drawnFor_ is the one the tiles show, spectraFor_ the one
  // `magnitudes_` belong to, jobFor_ the one the running spectrum job computes.
  uint64_t generation_ = 0, drawnFor_ = 0, spectraFor_ = 0, jobFor_ = 0;
  QFutureWatcher<Drawing>* drawJob_ = nullptr;
  bool drawAgain_ = false;
  // Drawings are numbered as requested; an older one never replaces a newer one on screen.
  uint64_t requested_ = 0, shown_ = 0, spectraShownAt_ = 0;

  // Tiles as drawn: `planes_` holds each filter's values reduced to one plane (for spectra).
  std::vector<QImage> tiles_, spectra_;
  std::shared_ptr<const std::vector<float>> planes_, magnitudes_;
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

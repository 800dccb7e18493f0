#include "export/frame_sink.h"

#include "export/view_export.h"

#include <QBuffer>
#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QPainter>
#include <QPainterPath>

#include <algorithm>
#include <array>
#include <filesystem>
#include <numeric>
#include <system_error>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
}

namespace gradlab::ui {
namespace {

QString avError(int code) {
  char text[AV_ERROR_MAX_STRING_SIZE] = {};
  av_strerror(code, text, sizeof text);
  return QString::fromUtf8(text);
}

// Where a file is written before it is complete: beside it (same file system: the final rename is
// atomic), hidden, and named after this process so two exports never share one.
QString temporaryBeside(const QString& path) {
  const QFileInfo info(path);
  return info.absolutePath() + "/." + info.fileName() + ".part-" + QString::number(QCoreApplication::applicationPid());
}

bool moveIntoPlace(const QString& from, const QString& to, QString* error) {
  std::error_code ec;
  std::filesystem::rename(from.toStdString(), to.toStdString(), ec);
  if (!ec) return true;
  *error = writeFailure(to, QString::fromStdString(ec.message()));
  return false;
}

QImage toSize(const QImage& frame, QSize size) {
  const QImage scaled =
      frame.size() == size ? frame : frame.scaled(size, Qt::IgnoreAspectRatio, Qt::SmoothTransformation);
  return scaled.convertToFormat(QImage::Format_RGB32);
}

// A GIF frame's 256 colours: the most used of the frame's colours at 5 bits per channel (a view's
// runs, axes and text), each the mean of what it stands for; pixels take the nearest.
class Palette {
 public:
  explicit Palette(const QImage& rgb) {
    std::vector<uint32_t> counts(kBins);
    std::vector<std::array<uint64_t, 3>> sums(kBins);
    for (int y = 0; y < rgb.height(); ++y) {
      const auto* line = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
      for (int x = 0; x < rgb.width(); ++x) {
        const uint32_t bin = binOf(line[x]);
        ++counts[bin];
        sums[bin][0] += qRed(line[x]), sums[bin][1] += qGreen(line[x]), sums[bin][2] += qBlue(line[x]);
      }
    }
    std::vector<uint32_t> bins(kBins);
    std::iota(bins.begin(), bins.end(), 0);
    const size_t used =
        std::min<size_t>(256, size_t(std::count_if(counts.begin(), counts.end(), [](uint32_t c) { return c > 0; })));
    std::partial_sort(bins.begin(), bins.begin() + used, bins.end(),
                      [&](uint32_t a, uint32_t b) { return counts[a] > counts[b]; });
    index_.assign(kBins, -1);
    for (size_t i = 0; i < used; ++i) {
      const uint32_t bin = bins[i], n = counts[bin];
      colours_[i] = qRgb(int(sums[bin][0] / n), int(sums[bin][1] / n), int(sums[bin][2] / n));
      index_[bin] = int(i);
    }
    used_ = int(used);
  }
  const std::array<QRgb, 256>& colours() const { return colours_; }
  uint8_t indexOf(QRgb colour) {
    int& index = index_[binOf(colour)];
    if (index < 0) index = nearest(colour);
    return uint8_t(index);
  }

 private:
  static constexpr uint32_t kBins = 1 << 15;
  static uint32_t binOf(QRgb c) { return (qRed(c) >> 3) << 10 | (qGreen(c) >> 3) << 5 | qBlue(c) >> 3; }
  int nearest(QRgb colour) const {
    int best = 0, bestDistance = INT32_MAX;
    for (int i = 0; i < used_; ++i) {
      const int dr = qRed(colour) - qRed(colours_[i]), dg = qGreen(colour) - qGreen(colours_[i]),
                db = qBlue(colour) - qBlue(colours_[i]);
      const int distance = dr * dr + dg * dg + db * db;
      if (distance < bestDistance) best = i, bestDistance = distance;
    }
    return best;
  }
  std::array<QRgb, 256> colours_{};
  std::vector<int> index_;
  int used_ = 0;
};

// An animated GIF or an MP4 video through FFmpeg's libraries, written to a temporary file that
// replaces the destination when finished.
class VideoSink : public FrameSink {
 public:
  VideoSink(const QString& path, bool gif, const AnimationOptions& options)
      : path_(path), temporary_(temporaryBeside(path)), gif_(gif), options_(options) {
    if (!gif_) options_.size = QSize(options_.size.width() & ~1, options_.size.height() & ~1);  // 4:2:0
  }
  ~VideoSink() override {
    release();
    if (!finished_) QFile::remove(temporary_);
  }
  bool open(QString* error);
  bool addFrame(const QImage& frame, QString* error) override;
  bool finish(QString* error) override;
  QSize size() const override { return options_.size; }
  int frames() const override { return frames_; }
  QString encoderName() const override { return encoder_; }

 private:
  bool fail(QString* error, const QString& reason) {
    *error = writeFailure(path_, reason);
    release();
    return false;
  }
  bool encode(const AVFrame* frame, QString* error);
  void fillGif(const QImage& rgb);
  void release();

  QString path_, temporary_, encoder_;
  bool gif_;
  AnimationOptions options_;
  AVFormatContext* format_ = nullptr;
  AVCodecContext* codec_ = nullptr;
  AVStream* stream_ = nullptr;
  AVFrame* frame_ = nullptr;
  AVPacket* packet_ = nullptr;
  SwsContext* convert_ = nullptr;
  int frames_ = 0;
  bool finished_ = false;
};

const AVCodec* mp4Encoder() {
  const AVCodec* codec = avcodec_find_encoder_by_name("libx264");
  return codec ? codec : avcodec_find_encoder(AV_CODEC_ID_MPEG4);
}

bool VideoSink::open(QString* error) {
  const AVCodec* encoder = gif_ ? avcodec_find_encoder(AV_CODEC_ID_GIF) : mp4Encoder();
  if (!encoder) {
    *error = QObject::tr("Cannot write %1: this FFmpeg has no %2 encoder. Export a PNG sequence instead.")
                 .arg(QDir::toNativeSeparators(path_), gif_ ? "GIF" : "MP4");
    return false;
  }
  encoder_ = QString::fromUtf8(encoder->name);
  if (options_.size.width() < 2 || options_.size.height() < 2) return fail(error, QObject::tr("the size is too small"));
  int rc = avformat_alloc_output_context2(&format_, nullptr, gif_ ? "gif" : "mp4", temporary_.toUtf8().constData());
  if (rc < 0) return fail(error, avError(rc));
  stream_ = avformat_new_stream(format_, nullptr);
  codec_ = avcodec_alloc_context3(encoder);
  if (!stream_ || !codec_) return fail(error, QObject::tr("out of memory"));
  codec_->width = options_.size.width();
  codec_->height = options_.size.height();
  codec_->time_base = {1, std::max(1, options_.framesPerSecond)};
  codec_->framerate = {std::max(1, options_.framesPerSecond), 1};
  codec_->pix_fmt = gif_ ? AV_PIX_FMT_PAL8 : AV_PIX_FMT_YUV420P;
  if (!gif_) {
    codec_->gop_size = 2 * options_.framesPerSecond;
    if (encoder_ == "libx264") {
      av_opt_set(codec_->priv_data, "preset", "veryfast", 0);
      av_opt_set(codec_->priv_data, "crf", "18", 0);  // sharp text and thin lines
    } else {
      codec_->flags |= AV_CODEC_FLAG_QSCALE;
      codec_->global_quality = FF_QP2LAMBDA * 2;
    }
  }
  if (format_->oformat->flags & AVFMT_GLOBALHEADER) codec_->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
  if ((rc = avcodec_open2(codec_, encoder, nullptr)) < 0) return fail(error, avError(rc));
  if ((rc = avcodec_parameters_from_context(stream_->codecpar, codec_)) < 0) return fail(error, avError(rc));
  stream_->time_base = codec_->time_base;
  if ((rc = avio_open(&format_->pb, temporary_.toUtf8().constData(), AVIO_FLAG_WRITE)) < 0)
    return fail(error, avError(rc));
  if ((rc = avformat_write_header(format_, nullptr)) < 0) return fail(error, avError(rc));
  frame_ = av_frame_alloc();
  packet_ = av_packet_alloc();
  if (!frame_ || !packet_) return fail(error, QObject::tr("out of memory"));
  frame_->format = codec_->pix_fmt;
  frame_->width = codec_->width;
  frame_->height = codec_->height;
  if ((rc = av_frame_get_buffer(frame_, 0)) < 0) return fail(error, avError(rc));
  if (!gif_)
    convert_ = sws_getContext(codec_->width, codec_->height, AV_PIX_FMT_BGRA, codec_->width, codec_->height,
                              AV_PIX_FMT_YUV420P, SWS_BICUBIC, nullptr, nullptr, nullptr);
  if (!gif_ && !convert_) return fail(error, QObject::tr("no colour conversion to YUV 4:2:0"));
  return true;
}

void VideoSink::fillGif(const QImage& rgb) {
  Palette palette(rgb);
  for (int y = 0; y < rgb.height(); ++y) {
    const auto* in = reinterpret_cast<const QRgb*>(rgb.constScanLine(y));
    uint8_t* out = frame_->data[0] + size_t(y) * frame_->linesize[0];
    for (int x = 0; x < rgb.width(); ++x) out[x] = palette.indexOf(in[x]);
  }
  std::copy(palette.colours().begin(), palette.colours().end(), reinterpret_cast<uint32_t*>(frame_->data[1]));
}

bool VideoSink::addFrame(const QImage& frame, QString* error) {
  if (!codec_) return fail(error, QObject::tr("an earlier frame failed"));
  const QImage rgb = toSize(frame, options_.size);  // BGRA bytes on little-endian machines
  int rc = av_frame_make_writable(frame_);
  if (rc < 0) return fail(error, avError(rc));
  if (gif_) {
    fillGif(rgb);
  } else {
    const uint8_t* planes[] = {rgb.constBits()};
    const int strides[] = {int(rgb.bytesPerLine())};
    sws_scale(convert_, planes, strides, 0, rgb.height(), frame_->data, frame_->linesize);
  }
  frame_->pts = frames_++;
  return encode(frame_, error);
}

bool VideoSink::encode(const AVFrame* frame, QString* error) {
  int rc = avcodec_send_frame(codec_, frame);
  if (rc < 0) return fail(error, avError(rc));
  while ((rc = avcodec_receive_packet(codec_, packet_)) >= 0) {
    // One frame long: an MP4's edit list ends with its last packet's duration, and a zero one
    // would cut the last frame from every player.
    if (packet_->duration <= 0) packet_->duration = 1;
    av_packet_rescale_ts(packet_, codec_->time_base, stream_->time_base);
    packet_->stream_index = stream_->index;
    rc = av_interleaved_write_frame(format_, packet_);  // takes the packet's data
    if (rc < 0) return fail(error, avError(rc));
  }
  if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF) return fail(error, avError(rc));
  return true;
}

bool VideoSink::finish(QString* error) {
  if (!codec_) return fail(error, QObject::tr("an earlier frame failed"));
  if (frames_ == 0) return fail(error, QObject::tr("no frames were recorded"));
  if (!encode(nullptr, error)) return false;
  int rc = av_write_trailer(format_);
  if (rc < 0) return fail(error, avError(rc));
  rc = avio_closep(&format_->pb);  // flushes: a full disk shows here
  if (rc < 0 || format_->pb) return fail(error, avError(rc));
  release();
  if (!moveIntoPlace(temporary_, path_, error)) return false;
  finished_ = true;
  return true;
}

void VideoSink::release() {
  sws_freeContext(convert_);
  convert_ = nullptr;
  av_packet_free(&packet_);
  av_frame_free(&frame_);
  avcodec_free_context(&codec_);
  if (format_) {
    if (format_->pb) avio_closep(&format_->pb);
    avformat_free_context(format_);
    format_ = nullptr;
  }
}

// Numbered PNG files in a folder that appears, complete, when finished.
class PngSequenceSink : public FrameSink {
 public:
  PngSequenceSink(const QString& folder, const AnimationOptions& options)
      : folder_(QFileInfo(folder).absoluteFilePath()), temporary_(temporaryBeside(folder_)), options_(options) {}
  ~PngSequenceSink() override {
    if (!finished_) QDir(temporary_).removeRecursively();
  }
  bool open(QString* error) {
    if (QFileInfo(folder_).isDir() && !QDir(folder_).isEmpty()) {
      *error = QObject::tr("Cannot write the PNG sequence into %1: the folder is not empty. Choose a new folder.")
                   .arg(QDir::toNativeSeparators(folder_));
      return false;
    }
    QDir(temporary_).removeRecursively();
    if (QDir().mkpath(temporary_)) return true;
    *error = writeFailure(folder_, QObject::tr("cannot create a folder there"));
    return false;
  }
  bool addFrame(const QImage& frame, QString* error) override {
    const QString name = QString("frame_%1.png").arg(frames_ + 1, 5, 10, QChar('0'));
    QByteArray png;
    QBuffer buffer(&png);
    buffer.open(QIODevice::WriteOnly);
    toSize(frame, options_.size).save(&buffer, "PNG");
    if (!writeWholeFile(temporary_ + "/" + name, png, error)) {
      error->replace(QDir::toNativeSeparators(temporary_),
                     QDir::toNativeSeparators(folder_));  // the name the user gave
      return false;
    }
    ++frames_;
    return true;
  }
  bool finish(QString* error) override {
    if (frames_ == 0) {
      *error = writeFailure(folder_, QObject::tr("no frames were recorded"));
      return false;
    }
    if (QFileInfo(folder_).isDir()) QDir().rmdir(folder_);  // empty (checked when opened)
    finished_ = moveIntoPlace(temporary_, folder_, error);
    return finished_;
  }
  QSize size() const override { return options_.size; }
  int frames() const override { return frames_; }
  QString encoderName() const override { return QObject::tr("PNG files"); }

 private:
  QString folder_, temporary_;
  AnimationOptions options_;
  int frames_ = 0;
  bool finished_ = false;
};

}  // namespace

AnimationFormat animationFormatFor(const QString& path) {
  const QString suffix = QFileInfo(path).suffix().toLower();
  if (suffix == "gif") return AnimationFormat::Gif;
  if (suffix == "mp4") return AnimationFormat::Mp4;
  return AnimationFormat::PngSequence;
}

std::unique_ptr<FrameSink> openFrameSink(const QString& path, AnimationFormat format, const AnimationOptions& options,
                                         QString* error) {
  av_log_set_level(AV_LOG_ERROR);  // the encoders' statistics are not for the user's terminal
  if (format == AnimationFormat::PngSequence) {
    auto sink = std::make_unique<PngSequenceSink>(path, options);
    return sink->open(error) ? std::move(sink) : nullptr;
  }
  auto sink = std::make_unique<VideoSink>(path, format == AnimationFormat::Gif, options);
  return sink->open(error) ? std::move(sink) : nullptr;
}

QImage withStep(const QImage& frame, uint64_t step) {
  QImage stamped = frame.convertToFormat(QImage::Format_RGB32);
  QPainter p(&stamped);
  p.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing);
  QFont font = p.font();
  font.setPixelSize(std::max(12, stamped.height() / 28));
  font.setBold(true);
  p.setFont(font);
  const QString text = QObject::tr("step %1").arg(step);
  const QRect box = p.fontMetrics().boundingRect(text).adjusted(-8, -4, 8, 4);
  const QRect placed = box.translated(stamped.width() - box.right() - 8, stamped.height() - box.bottom() - 8);
  QPainterPath background;
  background.addRoundedRect(placed, 4, 4);
  p.fillPath(background, QColor(0, 0, 0, 170));  // white on dark reads on light and dark views
  p.setPen(Qt::white);
  p.drawText(placed, Qt::AlignCenter, text);
  return stamped;
}

QString mp4EncoderName() {
  const AVCodec* codec = mp4Encoder();
  return codec ? QString::fromUtf8(codec->name) : QString();
}

}  // namespace gradlab::ui

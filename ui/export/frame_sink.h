#pragma once
// Animations of a view over a range of steps, for slides: frames go into a FrameSink, which writes
// an animated GIF, an MP4 video or a numbered PNG sequence. Whoever has the frames drives it: a
// ViewRecorder captures a view as training goes (live), and a replay (the timeline) can hand it
// the frames of steps already trained, in any order it draws them. Each frame carries its step,
// which is drawn in a corner.
#include <QImage>
#include <QSize>
#include <QString>

#include <cstdint>
#include <memory>

namespace gradlab::ui {

enum class AnimationFormat { Gif, Mp4, PngSequence };

// The format a file name asks for: .gif, .mp4, or a folder (anything else: a PNG sequence).
AnimationFormat animationFormatFor(const QString& path);

class FrameSink {
 public:
  virtual ~FrameSink() = default;
  // Adds `frame` (scaled to size() when it differs) as the animation's next frame. False with
  // one line in `error` when it could not be written; the sink is then unusable.
  virtual bool addFrame(const QImage& frame, QString* error) = 0;
  // Completes the file; until then the destination holds nothing (or its old contents). A sink
  // destroyed without finish() leaves nothing behind.
  virtual bool finish(QString* error) = 0;
  virtual QSize size() const = 0;
  virtual int frames() const = 0;
  // What writes the frames, for the user: "GIF (palette per frame)", "MP4 (libx264)", "PNG files".
  virtual QString encoderName() const = 0;
};

struct AnimationOptions {
  QSize size{1280, 720};
  int framesPerSecond = 10;
};

// A sink writing `path` as `format`: a .gif or .mp4 file, or for a PNG sequence the folder `path`
// with files frame_00001.png, frame_00002.png, … Null with one line in `error` when it cannot
// (an unwritable folder, no encoder for the format in this FFmpeg).
std::unique_ptr<FrameSink> openFrameSink(const QString& path, AnimationFormat format, const AnimationOptions& options,
                                         QString* error);

// `frame` with "step N" drawn in its bottom-right corner, legible on light and dark views.
QImage withStep(const QImage& frame, uint64_t step);

// The MP4 encoder this FFmpeg has: "libx264" when built with it, else "mpeg4"; empty if neither.
QString mp4EncoderName();

}  // namespace gradlab::ui

#pragma once
// Records a view into a FrameSink: capture(step) adds the view as it is drawn now, with the step in
// a corner. followLive() records by itself as training goes: a frame for each new step the run
// reports between two steps, once the views had time to draw it. followReplay() records moments
// already trained (the timeline's): it has each drawn in turn, then captures it.
#include "export/frame_sink.h"

#include <QObject>
#include <QPointer>
#include <QWidget>

#include <functional>
#include <memory>

class QTimer;

namespace gradlab::ui {

class TrainingController;

class ViewRecorder : public QObject {
  Q_OBJECT
 public:
  ViewRecorder(QWidget* view, std::unique_ptr<FrameSink> sink, QObject* parent = nullptr);
  ~ViewRecorder() override;

  // The view at the sink's size, stamped with `step`, as the next frame. False once a frame or
  // the view failed: error() says why in one line.
  bool capture(uint64_t step);
  // Records the first run's steps `first`..`last` as the controller reports them; finish()es by
  // itself after `last` (or when stop() is called) and then emits finished().
  void followLive(TrainingController* controller, uint64_t first, uint64_t last);
  // Records moments `first`..`last` of a replay: `show(i)` makes every view draw moment i and
  // returns its step; the frame is taken once the views had time to draw it. Emits finished().
  void followReplay(size_t first, size_t last, std::function<uint64_t(size_t)> show);
  void stop();
  // Writes the file (the sink's finish). False with error().
  bool finish();

  int frames() const { return sink_ ? sink_->frames() : frames_; }
  uint64_t lastStep() const { return lastStep_; }
  bool recording() const { return bool(sink_); }
  QString error() const { return error_; }
  QString encoderName() const { return encoder_; }

  // How long a live frame waits after its step arrives: the slowest view redraws 10 times a second.
  static constexpr int kSettleMs = 120;

 signals:
  void captured(int frames, uint64_t step);
  void finished(bool ok, const QString& message);

 private:
  void stepArrived(uint64_t step);
  void showMoment(size_t moment);

  QPointer<QWidget> view_;
  std::unique_ptr<FrameSink> sink_;
  QString error_, encoder_;
  QTimer* settle_ = nullptr;
  uint64_t first_ = 0, last_ = 0, pending_ = 0, lastStep_ = 0;
  bool any_ = false;                            // a frame was captured: lastStep_ holds its step
  bool reported_ = false;                       // finished() was emitted
  int frames_ = 0;                              // after finish
  std::function<uint64_t(size_t)> showMoment_;  // a replay's; empty when live
  size_t moment_ = 0, lastMoment_ = 0;
};

}  // namespace gradlab::ui

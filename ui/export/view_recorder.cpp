#include "export/view_recorder.h"

#include "export/view_export.h"
#include "training_controller.h"

#include <QTimer>

namespace gradlab::ui {

ViewRecorder::ViewRecorder(QWidget* view, std::unique_ptr<FrameSink> sink, QObject* parent)
    : QObject(parent), view_(view), sink_(std::move(sink)) {
  if (sink_) encoder_ = sink_->encoderName();
  settle_ = new QTimer(this);
  settle_->setSingleShot(true);
  settle_->setInterval(kSettleMs);
  connect(settle_, &QTimer::timeout, this, [this] {
    if (!capture(pending_)) {
      stop();
    } else if (showMoment_) {
      if (moment_ < lastMoment_)
        showMoment(moment_ + 1);
      else
        stop();
    } else if (pending_ >= last_) {
      stop();
    }
  });
}

ViewRecorder::~ViewRecorder() = default;  // an unfinished sink removes what it wrote

bool ViewRecorder::capture(uint64_t step) {
  if (!sink_) return false;
  if (!view_) {
    error_ = tr("The view being recorded was closed; nothing was written.");
    sink_.reset();
    return false;
  }
  if (!sink_->addFrame(withStep(renderView(*view_, sink_->size()), step), &error_)) {
    sink_.reset();
    return false;
  }
  lastStep_ = step;
  any_ = true;
  emit captured(sink_->frames(), step);
  return true;
}

void ViewRecorder::followLive(TrainingController* controller, uint64_t first, uint64_t last) {
  first_ = first;
  last_ = std::max(first, last);
  connect(controller, &TrainingController::snapshot, this, [this](const std::shared_ptr<const train::Snapshot>& s) {
    if (s->member == 0) stepArrived(s->step);
  });
}

void ViewRecorder::followReplay(size_t first, size_t last, std::function<uint64_t(size_t)> show) {
  showMoment_ = std::move(show);
  lastMoment_ = std::max(first, last);
  showMoment(first);
}

void ViewRecorder::showMoment(size_t moment) {
  moment_ = moment;
  pending_ = showMoment_(moment);
  settle_->start();
}

// The frame is taken once the views drew this step; steps arriving meanwhile move it on, so a fast
// run gives a frame per redraw rather than a queue of stale ones.
void ViewRecorder::stepArrived(uint64_t step) {
  if (!sink_ || step < first_ || (any_ && step <= lastStep_)) return;
  pending_ = std::min(step, last_);
  if (!settle_->isActive()) settle_->start();
}

void ViewRecorder::stop() {
  settle_->stop();
  if (reported_) return;
  reported_ = true;
  if (!sink_) {
    emit finished(false, error_);  // a frame failed
    return;
  }
  const bool ok = finish();
  emit finished(ok, ok ? tr("%n frame(s) written (%1).", nullptr, frames_).arg(encoder_) : error_);
}

bool ViewRecorder::finish() {
  if (!sink_) {
    if (error_.isEmpty()) error_ = tr("Nothing is being recorded.");
    return false;
  }
  frames_ = sink_->frames();
  const bool ok = sink_->finish(&error_);
  sink_.reset();
  return ok;
}

}  // namespace gradlab::ui

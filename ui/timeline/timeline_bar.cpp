#include "timeline/timeline_bar.h"

#include <QFontMetrics>
#include <QHBoxLayout>
#include <QLabel>
#include <QSignalBlocker>
#include <QSlider>
#include <QToolButton>

namespace gradlab::ui {

TimelineBar::TimelineBar(QWidget* parent) : QWidget(parent) {
  setSizePolicy(QSizePolicy::Expanding, QSizePolicy::Preferred);  // the slider takes the toolbar's width
  auto* title = new QLabel(tr("Timeline"), this);
  slider_ = new QSlider(Qt::Horizontal, this);
  slider_->setObjectName("timeline");
  slider_->setRange(0, 0);
  slider_->setPageStep(1);
  slider_->setToolTip(tr("Drag to any moment already trained: every view shows it. Play goes on from the live run."));
  slider_->setMinimumWidth(200);
  label_ = new QLabel(this);
  // Wide enough for "step 1234567 (live)" so the slider does not move as the text changes.
  label_->setMinimumWidth(
      QFontMetrics(label_->font()).horizontalAdvance(tr("step %1 of %2").arg(9999999).arg(9999999)));
  liveButton_ = new QToolButton(this);
  liveButton_->setText(tr("Live"));
  liveButton_->setToolTip(tr("Back to the run as it is now"));
  auto* layout = new QHBoxLayout(this);
  layout->setContentsMargins(6, 2, 6, 2);
  layout->addWidget(title);
  layout->addWidget(slider_, 1);
  layout->addWidget(label_);
  layout->addWidget(liveButton_);
  connect(slider_, &QSlider::valueChanged, this, &TimelineBar::moved);
  connect(liveButton_, &QToolButton::clicked, this, &TimelineBar::liveChosen);
  showLive(0);
}

void TimelineBar::moved(int value) {
  if (value >= slider_->maximum())
    emit liveChosen();
  else
    emit momentChosen(size_t(value));
}

void TimelineBar::setMoments(size_t moments) {
  const QSignalBlocker quiet(slider_);
  slider_->setRange(0, int(moments ? moments - 1 : 0));
  slider_->setEnabled(moments > 1);
}

void TimelineBar::showReplay(size_t index, uint64_t step) {
  live_ = false;
  const QSignalBlocker quiet(slider_);
  slider_->setValue(int(index));
  label_->setText(tr("step %1").arg(step));
  liveButton_->setEnabled(true);
}

void TimelineBar::showLive(uint64_t step) {
  live_ = true;
  const QSignalBlocker quiet(slider_);
  slider_->setValue(slider_->maximum());
  label_->setText(tr("step %1 (live)").arg(step));
  liveButton_->setEnabled(false);
}

QString TimelineBar::text() const { return label_->text(); }

}  // namespace gradlab::ui

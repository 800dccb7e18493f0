#pragma once
// The timeline under the views: a slider over the moments a SnapshotStore keeps (one notch per
// moment, so the log-spaced early steps get room), the step shown, and Live. Dragging to a moment
// asks for it (momentChosen); the right end, or Live, asks to follow the run again (liveChosen).
// It knows nothing of the views: RunViews shows what is chosen. A presentation layout can place
// it anywhere (the window puts it in a toolbar under the docks).
#include <QWidget>

#include <cstddef>
#include <cstdint>

class QLabel;
class QSlider;
class QToolButton;

namespace gradlab::ui {

class TimelineBar : public QWidget {
  Q_OBJECT
 public:
  explicit TimelineBar(QWidget* parent = nullptr);

  // The store now holds `moments` moments; showReplay() or showLive() says where the bar stands.
  void setMoments(size_t moments);
  // What the views show: moment `index` at `step`, or the live run.
  void showReplay(size_t index, uint64_t step);
  void showLive(uint64_t step);
  bool live() const { return live_; }
  QSlider* slider() const { return slider_; }
  QString text() const;  // the step label as shown

 signals:
  void momentChosen(size_t index);
  void liveChosen();

 private:
  void moved(int value);

  QSlider* slider_ = nullptr;
  QLabel* label_ = nullptr;
  QToolButton* liveButton_ = nullptr;
  bool live_ = true;
};

}  // namespace gradlab::ui

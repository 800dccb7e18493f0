#pragma once
// Presentation mode: one view borrowed from its dock into a full-screen window for a projector,
// drawn large (bigger fonts, thicker lines, black on white) under a toolbar with the run's
// actions. The main window is left exactly as it was; Esc (or F11 again) ends the presentation
// and gives the view back to its dock.
#include <QPointer>
#include <QWidget>

#include <functional>
#include <vector>

class QAction;
class QChart;
class QDockWidget;
class QToolBar;

namespace gradlab::ui {

class Presentation : public QWidget {
  Q_OBJECT
 public:
  // Borrows `home`'s widget. `actions` go on the toolbar and keep their shortcuts here. `below`,
  // when given (a timeline), is borrowed too and shown under the view, then handed back by
  // `giveBackBelow`.
  Presentation(QDockWidget* home, const QList<QAction*>& actions, QWidget* parent, QWidget* below = nullptr,
               std::function<void(QWidget*)> giveBackBelow = {});
  ~Presentation() override;

  QWidget* view() const { return view_; }
  QToolBar* toolBar() const { return bar_; }

  static constexpr double kFontScale = 1.6;    // how much larger text is than on the desk
  static constexpr double kPenScale = 2.0;     // how much thicker the views' lines are
  static constexpr double kMinPenWidth = 3.0;  // pixels: thinner lines vanish on a projector

 signals:
  void finished();  // Esc, F11 or the window closed: the view is back in its dock

 protected:
  void closeEvent(QCloseEvent* event) override;

 private:
  void enlargeCharts();
  void thickenLines(QChart* chart);
  void giveBack();

  QPointer<QDockWidget> home_;  // the window may go first, with its docks
  QPointer<QWidget> view_;
  QPointer<QWidget> below_;
  std::function<void(QWidget*)> giveBackBelow_;
  QToolBar* bar_;
  std::vector<std::function<void()>> restore_;  // undoes what enlargeCharts changed
};

}  // namespace gradlab::ui

#include "window/theme.h"

#include <QActionGroup>
#include <QApplication>
#include <QGraphicsScene>
#include <QMenu>
#include <QPointer>
#include <QSettings>
#include <QStyle>
#include <QtCharts/QAbstractAxis>
#include <QtCharts/QChart>
#include <QtCharts/QChartView>
#include <QtCharts/QLegend>

namespace gradlab::ui {
namespace {

Theme shown = Theme::System;

// The desktop's palette, as it was before the lab changed it.
const QPalette& systemPalette() {
  static const QPalette palette = QApplication::palette();
  return palette;
}

QPalette darkPalette() {
  QPalette p;
  const QColor text(225, 225, 225), disabled(130, 130, 130);
  p.setColor(QPalette::Window, QColor(37, 37, 38));
  p.setColor(QPalette::WindowText, text);
  p.setColor(QPalette::Base, QColor(28, 28, 30));
  p.setColor(QPalette::AlternateBase, QColor(42, 42, 46));
  p.setColor(QPalette::Text, text);
  p.setColor(QPalette::Button, QColor(50, 50, 53));
  p.setColor(QPalette::ButtonText, text);
  p.setColor(QPalette::BrightText, Qt::white);
  p.setColor(QPalette::Light, QColor(75, 75, 78));
  p.setColor(QPalette::Midlight, QColor(60, 60, 63));
  p.setColor(QPalette::Mid, QColor(95, 95, 98));
  p.setColor(QPalette::Dark, QColor(20, 20, 22));
  p.setColor(QPalette::Shadow, Qt::black);
  p.setColor(QPalette::Highlight, QColor(42, 130, 218));
  p.setColor(QPalette::HighlightedText, Qt::white);
  p.setColor(QPalette::ToolTipBase, QColor(50, 50, 53));
  p.setColor(QPalette::ToolTipText, text);
  p.setColor(QPalette::PlaceholderText, QColor(160, 160, 160));
  p.setColor(QPalette::Link, QColor(100, 170, 255));
  for (auto role : {QPalette::WindowText, QPalette::Text, QPalette::ButtonText})
    p.setColor(QPalette::Disabled, role, disabled);
  return p;
}

// Styles every chart view's chart from its palette as it is shown, its palette changes or its
// scene changes (styleChart sets only what differs, so its own changes end there).
class ChartPaletteFollower : public QObject {
 public:
  using QObject::QObject;
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (event->type() != QEvent::Polish && event->type() != QEvent::PaletteChange) return false;
    auto* view = qobject_cast<QChartView*>(watched);
    // A chart view changes its palette while it is being made, before it has a chart to ask for.
    if (!view || (event->type() == QEvent::PaletteChange && !view->testAttribute(Qt::WA_WState_Polished)) ||
        !view->chart())
      return false;
    styleChart(view->chart(), view->palette());
    if (!view->property(kFollowing).toBool()) {
      view->setProperty(kFollowing, true);
      connect(view->scene(), &QGraphicsScene::changed, view, [view] {
        if (view->chart()) styleChart(view->chart(), view->palette());
      });
    }
    return false;
  }

 private:
  static constexpr const char* kFollowing = "gradlabChartFollowsPalette";
};

}  // namespace

void styleChart(QChart* chart, const QPalette& palette) {
  const QColor text = palette.color(QPalette::Text), line = palette.color(QPalette::Mid),
               grid = palette.color(QPalette::Midlight);
  const QBrush background(palette.color(QPalette::Base)), textBrush(text);
  if (chart->backgroundBrush() != background) chart->setBackgroundBrush(background);
  if (chart->titleBrush() != textBrush) chart->setTitleBrush(textBrush);
  if (QLegend* legend = chart->legend(); legend && legend->labelColor() != text) legend->setLabelColor(text);
  for (QAbstractAxis* axis : chart->axes()) {
    if (axis->labelsBrush() != textBrush) axis->setLabelsBrush(textBrush);
    if (axis->titleBrush() != textBrush) axis->setTitleBrush(textBrush);
    if (axis->linePenColor() != line) axis->setLinePenColor(line);
    if (axis->gridLineColor() != grid) axis->setGridLineColor(grid);
    if (axis->minorGridLineColor() != grid) axis->setMinorGridLineColor(grid);
  }
}

void followPaletteInCharts() {
  static QPointer<ChartPaletteFollower> follower;  // one for the application
  if (follower) return;
  follower = new ChartPaletteFollower(qApp);
  qApp->installEventFilter(follower);
  for (QWidget* widget : QApplication::allWidgets())  // the charts made before
    if (auto* view = qobject_cast<QChartView*>(widget); view && view->testAttribute(Qt::WA_WState_Polished)) {
      QEvent polish(QEvent::Polish);
      follower->eventFilter(view, &polish);
    }
}

void applyTheme(Theme theme) {
  systemPalette();  // kept before the first change
  shown = theme;
  QApplication::setPalette(theme == Theme::Dark    ? darkPalette()
                           : theme == Theme::Light ? QApplication::style()->standardPalette()
                                                   : systemPalette());
}

Theme currentTheme() { return shown; }

QMenu* addThemeMenu(QMenu* view) {
  followPaletteInCharts();
  QMenu* menu = view->addMenu(QObject::tr("&Theme"));
  auto* group = new QActionGroup(menu);
  const int saved = QSettings().value("view/theme", int(Theme::System)).toInt();
  for (const auto& [theme, text] :
       {std::pair{Theme::System, QObject::tr("&System")}, std::pair{Theme::Light, QObject::tr("&Light")},
        std::pair{Theme::Dark, QObject::tr("&Dark")}}) {
    QAction* a = menu->addAction(text, [theme = theme] {
      applyTheme(theme);
      QSettings().setValue("view/theme", int(theme));
    });
    a->setCheckable(true);
    a->setChecked(int(theme) == saved);
    a->setObjectName(QString("theme%1").arg(int(theme)));
    group->addAction(a);
  }
  if (saved != int(Theme::System) && saved <= int(Theme::Dark)) applyTheme(Theme(saved));
  return menu;
}

}  // namespace gradlab::ui

#include "window/theme.h"

#include <QActionGroup>
#include <QApplication>
#include <QMenu>
#include <QSettings>
#include <QStyle>

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

}  // namespace

void applyTheme(Theme theme) {
  systemPalette();  // kept before the first change
  shown = theme;
  QApplication::setPalette(theme == Theme::Dark    ? darkPalette()
                           : theme == Theme::Light ? QApplication::style()->standardPalette()
                                                   : systemPalette());
}

Theme currentTheme() { return shown; }

QMenu* addThemeMenu(QMenu* view) {
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

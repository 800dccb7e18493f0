#pragma once
// What the lab's widget tests share: screenshots for people to look at (SCREENSHOT_DIR, defined by
// the test's target), the example networks' text (GRADLAB_NETWORKS), and a dark palette to check
// that views read in a dark desktop theme too.
#include <QColor>
#include <QImage>
#include <QRectF>
#include <QDir>
#include <QFile>
#include <QPalette>
#include <QTest>
#include <QWidget>

#include <cstdlib>
#include <stdexcept>
#include <string>

namespace gradlab::test {

#ifdef SCREENSHOT_DIR
// Saves `w` as SCREENSHOT_DIR/NAME.png after `settleMs` of event processing (layouts, and the
// views' 30 Hz repaint timers, settle as they would on screen).
inline void screenshot(QWidget& w, const QString& name, int settleMs) {
  QTest::qWait(settleMs);
  QDir().mkpath(SCREENSHOT_DIR);
  QVERIFY(w.grab().save(QString(SCREENSHOT_DIR) + "/" + name + ".png"));
}
#endif

#ifdef GRADLAB_NETWORKS
// The text of an example network in resources/networks.
inline std::string networkText(const std::string& file) {
  QFile f(QString(GRADLAB_NETWORKS) + "/" + QString::fromStdString(file));
  if (!f.open(QIODevice::ReadOnly)) throw std::runtime_error("cannot read " + file);
  return f.readAll().toStdString();
}
#endif

// Pixels of `image` inside `area` (widget coordinates) within `tolerance` (sum of the channels'
// differences) of `colour`: how much of a series, path or marker a screenshot really shows.
inline int countPixels(const QImage& image, const QRectF& area, const QColor& colour, int tolerance = 24) {
  const qreal dpr = image.devicePixelRatio();
  const QRect pixels = QRectF(area.topLeft() * dpr, area.bottomRight() * dpr).toAlignedRect() & image.rect();
  int count = 0;
  for (int y = pixels.top(); y <= pixels.bottom(); ++y)
    for (int x = pixels.left(); x <= pixels.right(); ++x) {
      const QColor c = image.pixelColor(x, y);
      count += std::abs(c.red() - colour.red()) + std::abs(c.green() - colour.green()) +
                   std::abs(c.blue() - colour.blue()) <= tolerance;
    }
  return count;
}

// A dark palette like a dark desktop theme's.
inline QPalette darkPalette() {
  QPalette p;
  p.setColor(QPalette::Window, QColor(37, 37, 38));
  p.setColor(QPalette::WindowText, QColor(220, 220, 220));
  p.setColor(QPalette::Base, QColor(30, 30, 30));
  p.setColor(QPalette::AlternateBase, QColor(40, 40, 44));
  p.setColor(QPalette::Text, QColor(220, 220, 220));
  p.setColor(QPalette::Mid, QColor(90, 90, 90));
  p.setColor(QPalette::Midlight, QColor(60, 60, 60));
  p.setColor(QPalette::Button, QColor(53, 53, 53));
  p.setColor(QPalette::ButtonText, QColor(220, 220, 220));
  p.setColor(QPalette::Highlight, QColor(42, 130, 218));
  p.setColor(QPalette::PlaceholderText, QColor(160, 160, 160));
  return p;
}

}  // namespace gradlab::test

#pragma once
// What the lab's widget tests share: screenshots for people to look at (SCREENSHOT_DIR, defined by
// the test's target), the example networks' text (GRADLAB_NETWORKS), and a dark palette to check
// that views read in a dark desktop theme too.
#include <QColor>
#include <QDir>
#include <QFile>
#include <QGraphicsScene>
#include <QGraphicsSimpleTextItem>
#include <QGraphicsTextItem>
#include <QGraphicsView>
#include <QImage>
#include <QPalette>
#include <QRectF>
#include <QStyle>
#include <QTableView>
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
                   std::abs(c.blue() - colour.blue()) <=
               tolerance;
    }
  return count;
}

// `child`'s rectangle in `ancestor`'s coordinates: where a part of a screenshot of `ancestor` is.
inline QRectF rectIn(const QWidget& child, const QWidget& ancestor) {
  return QRectF(child.mapTo(&ancestor, QPoint(0, 0)), QSizeF(child.size()));
}

// A scene rectangle of `view` in `ancestor`'s coordinates, as a screenshot of `ancestor` shows it.
inline QRectF sceneRectIn(const QGraphicsView& view, const QRectF& sceneRect, const QWidget& ancestor) {
  const QRect inViewport = view.mapFromScene(sceneRect).boundingRect();
  return QRectF(inViewport.translated(view.viewport()->mapTo(&ancestor, QPoint(0, 0))));
}

// Mean lightness (0..255) of `image` inside `area` (widget coordinates): dark or light at a glance.
inline double meanLightness(const QImage& image, const QRectF& area) {
  const qreal dpr = image.devicePixelRatio();
  const QRect pixels = QRectF(area.topLeft() * dpr, area.bottomRight() * dpr).toAlignedRect() & image.rect();
  double sum = 0;
  for (int y = pixels.top(); y <= pixels.bottom(); ++y)
    for (int x = pixels.left(); x <= pixels.right(); ++x) sum += image.pixelColor(x, y).lightness();
  return pixels.isEmpty() ? 0 : sum / (double(pixels.width()) * pixels.height());
}

// The texts a graphics scene shows (a chart's title, axis labels and legend are text items).
inline QStringList sceneTexts(const QGraphicsScene& scene) {
  QStringList texts;
  for (const QGraphicsItem* item : scene.items()) {
    if (!item->isVisible()) continue;
    if (const auto* t = dynamic_cast<const QGraphicsTextItem*>(item)) texts << t->toPlainText();
    if (const auto* t = dynamic_cast<const QGraphicsSimpleTextItem*>(item)) texts << t->text();
  }
  return texts;
}

// Those of `texts` shortened to fit ("..." or "…"): a label a reader cannot read whole.
inline QStringList elided(const QStringList& texts) {
  QStringList shortened;
  for (const QString& t : texts)
    if (t.contains("...") || t.contains(QChar(0x2026))) shortened << t;
  return shortened;
}

// The cells of `table` whose text the item delegate would cut short ("…"): wider than the cell on
// one line, or (where the table wraps words) more lines than the row is high, or out of sight to
// the side. Each as "row, column: text".
inline QStringList cutCells(const QTableView& table) {
  QStringList cut;
  const QAbstractItemModel* model = table.model();
  const int margin = table.style()->pixelMetric(QStyle::PM_FocusFrameHMargin, nullptr, &table) + 1;
  for (int row = 0; row < model->rowCount(); ++row)
    for (int column = 0; column < model->columnCount(); ++column) {
      const QModelIndex index = model->index(row, column);
      const QString text = index.data().toString();
      if (text.isEmpty() || table.isRowHidden(row) || table.isColumnHidden(column)) continue;
      const QRect cell = table.visualRect(index);
      const QVariant font = index.data(Qt::FontRole);
      const QFontMetrics metrics(font.isValid() ? font.value<QFont>() : table.font());
      int width = cell.width() - 2 * margin;
      if (!index.data(Qt::DecorationRole).isNull()) width -= table.iconSize().width() + 2 * margin;
      const int flags = Qt::AlignLeft | Qt::AlignTop | (table.wordWrap() ? Qt::TextWordWrap : 0);
      const QRect needed = metrics.boundingRect(QRect(0, 0, width, 1 << 20), flags, text);
      const bool inSight = cell.left() >= 0 && cell.right() < table.viewport()->width();
      if (needed.width() > width || needed.height() > cell.height() || !inSight)
        cut << QString("%1, %2: %3 (needs %4x%5 px, has %6x%7)")
                   .arg(row)
                   .arg(column)
                   .arg(text)
                   .arg(needed.width())
                   .arg(needed.height())
                   .arg(width)
                   .arg(cell.height());
    }
  return cut;
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

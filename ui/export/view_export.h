#pragma once
// Exporting what a view shows, the same way for every view: the picture (clipboard, PNG or SVG at
// a chosen size) is rendered generically from the widget; the data (CSV) comes from the view
// itself, which registers a function that writes what it draws, one row per drawn point, per run
// and per series. A view made exportable gets a context menu with these entries; File > Export
// view… finds every exportable view of the window (exportableViews) and offers the same.
#include <QImage>
#include <QSize>
#include <QString>
#include <QStringList>

#include <functional>
#include <vector>

class QTableWidget;
class QWidget;

namespace gradlab::ui {

// Rows of a CSV file with a fixed header: numbers as the engine computed them (the shortest text
// that reads back as the same double), texts quoted when they need it.
class CsvTable {
 public:
  explicit CsvTable(const QStringList& header);
  CsvTable& row(const QStringList& cells);
  static QString number(double value);  // "nan", "inf" and "-inf" for the non-finite
  static QString text(const QString& cell);
  const QString& text() const { return csv_; }
  int rows() const { return rows_; }

 private:
  QString csv_;
  int rows_ = 0;
};

// A table widget's cells as shown, under its column headers.
QString tableCsv(const QTableWidget& table);

// Makes `view` exportable under `name` ("loss and accuracy"): `csv` writes what it draws now;
// `refresh`, for a view that redraws only while shown, applies what it was given so far before it
// is rendered (a hidden tab recorded). Adds the context menu: Copy image, Save image…, Save data
// as CSV…, Export…
void makeExportable(QWidget* view, const QString& name, std::function<QString()> csv,
                    std::function<void()> refresh = {});
bool isExportable(const QWidget* view);
QString exportName(const QWidget* view);
QString viewCsv(const QWidget* view);  // empty for a view that is not exportable
// The exportable views under `root`, in creation order.
std::vector<QWidget*> exportableViews(const QWidget* root);

// `view` drawn into an image of exactly `size` (an empty size: the view's own): the view's
// picture scaled to fit, centred on its background colour, so text and lines stay sharp.
QImage renderView(QWidget& view, QSize size = {});
// Image files by suffix: .png or .svg (vector: lines and text stay lines and text). Written whole
// or not at all; false with one line in `error` saying what went wrong and what to do.
bool saveViewImage(QWidget& view, const QString& path, QSize size, QString* error);
bool saveViewCsv(const QWidget& view, const QString& path, QString* error);
void copyViewToClipboard(QWidget& view, QSize size = {});

// Writes `bytes` to `path` whole or not at all (QSaveFile); false with writeFailure() in `error`.
bool writeWholeFile(const QString& path, const QByteArray& bytes, QString* error);
// One line for a file that could not be written: the path, the reason, what to try.
QString writeFailure(const QString& path, const QString& reason);

}  // namespace gradlab::ui

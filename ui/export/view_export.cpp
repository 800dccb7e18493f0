#include "export/view_export.h"

#include "export/export_dialog.h"

#include <QApplication>
#include <QBuffer>
#include <QClipboard>
#include <QContextMenuEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QMenu>
#include <QMessageBox>
#include <QPainter>
#include <QRegularExpression>
#include <QSaveFile>
#include <QStorageInfo>
#include <QSvgGenerator>
#include <QTableWidget>
#include <QWidget>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

constexpr const char* kHookName = "gradlab-export-hook";

// What makes a view exportable: its name and CSV writer, and the context menu it offers. A child
// of the view, so it goes with it.
class ExportHook : public QObject {
 public:
  ExportHook(QWidget* view, const QString& name, std::function<QString()> csv, std::function<void()> refresh)
      : QObject(view), view_(view), name_(name), csv_(std::move(csv)), refresh_(std::move(refresh)) {
    setObjectName(kHookName);
    view->installEventFilter(this);
  }
  const QString& name() const { return name_; }
  QString csv() const { return csv_ ? csv_() : QString(); }
  QWidget* view() const { return view_; }
  void refresh() const {
    if (refresh_) refresh_();
  }

 protected:
  // Right clicks that the view's children leave unhandled reach the view as context menu events.
  bool eventFilter(QObject* watched, QEvent* event) override {
    if (watched != view_ || event->type() != QEvent::ContextMenu) return false;
    showMenu(static_cast<QContextMenuEvent*>(event)->globalPos());
    return true;
  }

 private:
  void showMenu(const QPoint& at);
  QWidget* view_;
  QString name_;
  std::function<QString()> csv_;
  std::function<void()> refresh_;
};

const ExportHook* hookOf(const QWidget* view) {
  return view ? view->findChild<ExportHook*>(kHookName, Qt::FindDirectChildrenOnly) : nullptr;
}

// Tells the user why an export failed, in one line.
void reportFailure(QWidget* parent, const QString& error) {
  QMessageBox::warning(parent, QObject::tr("Cannot export"), error);
}

void ExportHook::showMenu(const QPoint& at) {
  QMenu menu(view_);
  menu.addAction(tr("Copy image"), view_, [this] { copyViewToClipboard(*view_); });
  menu.addAction(tr("Save image…"), view_, [this] {
    const QString path = QFileDialog::getSaveFileName(view_, tr("Save %1 as an image").arg(name_), QString(),
                                                      tr("PNG image (*.png);;SVG drawing (*.svg)"));
    QString error;
    if (!path.isEmpty() && !saveViewImage(*view_, path, view_->size(), &error)) reportFailure(view_, error);
  });
  menu.addAction(tr("Save data as CSV…"), view_, [this] {
    const QString path =
        QFileDialog::getSaveFileName(view_, tr("Save the data of %1").arg(name_), QString(), tr("CSV files (*.csv)"));
    QString error;
    if (!path.isEmpty() && !saveViewCsv(*view_, path, &error)) reportFailure(view_, error);
  });
  menu.addSeparator();
  menu.addAction(tr("Export (size, animation)…"), view_, [this] { ExportDialog::open(view_->window(), view_); });
  menu.exec(at);
}

// Paints `view` into `painter`'s device of `size`: scaled to fit, centred.
void paintView(QWidget& view, QPainter& painter, QSize size) {
  if (const ExportHook* hook = hookOf(&view)) hook->refresh();
  const QSize own = view.size();
  painter.setRenderHints(QPainter::Antialiasing | QPainter::TextAntialiasing | QPainter::SmoothPixmapTransform);
  painter.fillRect(QRect(QPoint(), size), view.palette().color(view.backgroundRole()));
  if (own.isEmpty()) return;
  const double scale = std::min(double(size.width()) / own.width(), double(size.height()) / own.height());
  painter.translate((size.width() - own.width() * scale) / 2, (size.height() - own.height() * scale) / 2);
  painter.scale(scale, scale);
  view.render(&painter, QPoint(), QRegion(), QWidget::DrawWindowBackground | QWidget::DrawChildren);
}

}  // namespace

CsvTable::CsvTable(const QStringList& header) { csv_ = header.join(',') + '\n'; }

CsvTable& CsvTable::row(const QStringList& cells) {
  csv_ += cells.join(',') + '\n';
  ++rows_;
  return *this;
}

QString CsvTable::number(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  return QString::number(value, 'g', QLocale::FloatingPointShortest);  // reads back as the same double
}

QString CsvTable::text(const QString& cell) {
  if (!cell.contains(',') && !cell.contains('"') && !cell.contains('\n')) return cell;
  return '"' + QString(cell).replace('"', "\"\"") + '"';
}

QString tableCsv(const QTableWidget& table) {
  QStringList header;
  for (int c = 0; c < table.columnCount(); ++c) {
    const QTableWidgetItem* item = table.horizontalHeaderItem(c);
    header << CsvTable::text(item ? item->text() : QString::number(c + 1));
  }
  CsvTable csv(header);
  for (int r = 0; r < table.rowCount(); ++r) {
    QStringList cells;
    for (int c = 0; c < table.columnCount(); ++c) {
      const QTableWidgetItem* item = table.item(r, c);
      cells << CsvTable::text(item ? item->text() : QString());
    }
    csv.row(cells);
  }
  return csv.text();
}

void makeExportable(QWidget* view, const QString& name, std::function<QString()> csv, std::function<void()> refresh) {
  new ExportHook(view, name, std::move(csv), std::move(refresh));
}

bool isExportable(const QWidget* view) { return hookOf(view) != nullptr; }

QString exportName(const QWidget* view) {
  const ExportHook* hook = hookOf(view);
  return hook ? hook->name() : QString();
}

QString viewCsv(const QWidget* view) {
  const ExportHook* hook = hookOf(view);
  return hook ? hook->csv() : QString();
}

std::vector<QWidget*> exportableViews(const QWidget* root) {
  std::vector<QWidget*> views;
  for (QObject* hook : root->findChildren<QObject*>(kHookName)) views.push_back(static_cast<ExportHook*>(hook)->view());
  return views;
}

QImage renderView(QWidget& view, QSize size) {
  if (size.isEmpty()) size = view.size();
  QImage image(size.expandedTo(QSize(1, 1)), QImage::Format_ARGB32_Premultiplied);
  QPainter painter(&image);
  paintView(view, painter, image.size());
  return image;
}

QString writeFailure(const QString& path, const QString& reason) {
  return QObject::tr("Cannot write %1: %2. Choose a folder you can write to, with free space.")
      .arg(QDir::toNativeSeparators(path), reason);
}

bool writeWholeFile(const QString& path, const QByteArray& bytes, QString* error) {
  QSaveFile file(path);
  if (!file.open(QIODevice::WriteOnly)) {
    *error = writeFailure(path, file.errorString());
    return false;
  }
  if (file.write(bytes) != bytes.size() || !file.commit()) {
    // A failed flush can leave QSaveFile without the system's reason; a full disk is the usual one.
    const bool full = QStorageInfo(QFileInfo(path).absolutePath()).bytesAvailable() < bytes.size();
    *error = writeFailure(path, full ? QObject::tr("the disk is full") : file.errorString());
    return false;
  }
  return true;
}

bool saveViewImage(QWidget& view, const QString& path, QSize size, QString* error) {
  if (size.isEmpty()) size = view.size();
  const QString suffix = QFileInfo(path).suffix().toLower();
  QByteArray bytes;
  QBuffer buffer(&bytes);
  buffer.open(QIODevice::WriteOnly);
  if (suffix == "png") {
    if (!renderView(view, size).save(&buffer, "PNG")) {
      *error = writeFailure(path, QObject::tr("the image could not be encoded"));
      return false;
    }
  } else if (suffix == "svg") {
    QSvgGenerator svg;
    svg.setOutputDevice(&buffer);
    svg.setSize(size);
    svg.setViewBox(QRect(QPoint(), size));
    svg.setTitle(exportName(&view));
    QPainter painter(&svg);
    paintView(view, painter, size);
    painter.end();
    // The generator states the size in millimetres, which readers convert at 90 or 96 dpi: in
    // pixels, every reader opens it at the chosen size.
    static const QRegularExpression millimetres(R"(width="[0-9.]+mm" height="[0-9.]+mm")");
    const QString pixels = QString(R"(width="%1" height="%2")").arg(size.width()).arg(size.height());
    bytes = QString::fromUtf8(bytes).replace(millimetres, pixels).toUtf8();
  } else {
    *error = QObject::tr("Cannot export %1: choose a name ending in .png or .svg.").arg(QFileInfo(path).fileName());
    return false;
  }
  return writeWholeFile(path, bytes, error);
}

bool saveViewCsv(const QWidget& view, const QString& path, QString* error) {
  if (!isExportable(&view)) {
    *error = QObject::tr("This view has no data to export as CSV.");
    return false;
  }
  return writeWholeFile(path, viewCsv(&view).toUtf8(), error);
}

void copyViewToClipboard(QWidget& view, QSize size) { QApplication::clipboard()->setImage(renderView(view, size)); }

}  // namespace gradlab::ui

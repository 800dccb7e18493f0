#include "window/keyboard_shortcuts.h"

#include <QAction>
#include <QDialog>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QTableWidget>
#include <QVBoxLayout>

#include <set>

namespace gradlab::ui {
namespace {

QString plain(QString text) { return text.remove('&').remove(QChar(0x2026)).remove("...").trimmed(); }

QString keysOf(const QAction* a) {
  QStringList keys;
  for (const QKeySequence& k : a->shortcuts()) keys << k.toString(QKeySequence::NativeText);
  return keys.join(", ");
}

void walk(const QMenu* menu, const QString& path, std::vector<ShortcutEntry>* out, std::set<const QAction*>* seen) {
  for (const QAction* a : menu->actions()) {
    if (a->isSeparator()) continue;
    const QString where = path + " > " + plain(a->text());
    if (a->menu()) {
      walk(a->menu(), where, out, seen);
      continue;
    }
    if (!seen->insert(a).second || a->shortcuts().isEmpty()) continue;
    out->push_back({where, keysOf(a)});
  }
}

}  // namespace

std::vector<ShortcutEntry> keyboardShortcuts(const QWidget& window) {
  std::vector<ShortcutEntry> entries;
  std::set<const QAction*> seen;
  if (const auto* main = qobject_cast<const QMainWindow*>(&window))
    for (const QAction* top : main->menuBar()->actions())
      if (top->menu()) walk(top->menu(), plain(top->text()), &entries, &seen);
  // Actions with keys that no menu lists (the canvas's own, a dock's).
  for (const QAction* a : window.findChildren<QAction*>())
    if (!a->shortcuts().isEmpty() && seen.insert(a).second && !a->text().isEmpty())
      entries.push_back({plain(a->text()), keysOf(a)});
  return entries;
}

void showKeyboardShortcuts(QWidget* window) {
  QDialog dialog(window);
  dialog.setWindowTitle(QObject::tr("Keyboard Shortcuts"));
  const auto entries = keyboardShortcuts(*window);
  auto* table = new QTableWidget(int(entries.size()), 2, &dialog);
  table->setHorizontalHeaderLabels({QObject::tr("Action"), QObject::tr("Keys")});
  table->verticalHeader()->hide();
  table->setEditTriggers(QAbstractItemView::NoEditTriggers);
  for (int i = 0; i < int(entries.size()); ++i) {
    table->setItem(i, 0, new QTableWidgetItem(entries[size_t(i)].where));
    table->setItem(i, 1, new QTableWidgetItem(entries[size_t(i)].keys));
  }
  table->resizeColumnsToContents();
  table->horizontalHeader()->setStretchLastSection(true);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, &dialog);
  QObject::connect(buttons, &QDialogButtonBox::rejected, &dialog, &QDialog::reject);
  auto* layout = new QVBoxLayout(&dialog);
  layout->addWidget(table);
  layout->addWidget(buttons);
  dialog.resize(560, 520);
  dialog.exec();
}

}  // namespace gradlab::ui

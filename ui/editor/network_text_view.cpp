#include "editor/network_text_view.h"

#include "editor/network_editor.h"
#include "nn/network_text.h"

#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QShortcut>
#include <QTextBlock>
#include <QVBoxLayout>

namespace gradlab::ui {

NetworkTextView::NetworkTextView(NetworkEditor* editor, QWidget* parent) : QWidget(parent), editor_(editor) {
  edit_ = new QPlainTextEdit(this);
  edit_->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
  edit_->setLineWrapMode(QPlainTextEdit::NoWrap);
  errors_ = new QLabel(this);
  errors_->setWordWrap(true);
  errors_->setStyleSheet("color: #d62728;");
  errors_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  errors_->hide();
  apply_ = new QPushButton(tr("Apply"), this);
  apply_->setToolTip(tr("Replace the network with this text (Ctrl+Return); undo brings the old one back"));
  revert_ = new QPushButton(tr("Revert"), this);
  revert_->setToolTip(tr("Show the editor's network again"));
  auto* buttons = new QHBoxLayout;
  buttons->addStretch(1);
  buttons->addWidget(revert_);
  buttons->addWidget(apply_);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(0, 0, 0, 0);
  layout->addWidget(edit_, 1);
  layout->addWidget(errors_);
  layout->addLayout(buttons);

  auto* shortcut = new QShortcut(QKeySequence(Qt::CTRL | Qt::Key_Return), edit_);
  shortcut->setContext(Qt::WidgetShortcut);
  connect(shortcut, &QShortcut::activated, this, &NetworkTextView::apply);
  connect(apply_, &QPushButton::clicked, this, &NetworkTextView::apply);
  connect(revert_, &QPushButton::clicked, this, &NetworkTextView::revert);
  connect(edit_, &QPlainTextEdit::textChanged, this, [this] {
    modified_ = edit_->toPlainText() != shown_;
    apply_->setEnabled(modified_);
    revert_->setEnabled(modified_);
  });
  connect(editor, &NetworkEditor::graphChanged, this, [this] {
    if (!modified_) showGraph();
  });
  showGraph();
}

QString NetworkTextView::text() const { return edit_->toPlainText(); }

void NetworkTextView::setText(const QString& text) { edit_->setPlainText(text); }

QString NetworkTextView::errorText() const { return errors_->text(); }

bool NetworkTextView::apply() {
  const nn::ParsedNetwork parsed = nn::parseNetwork(text().toStdString());
  if (!parsed.ok()) {
    QStringList errors;
    QList<int> lines;
    for (const auto& e : parsed.errors) {
      errors << QString::fromStdString(e.text());
      lines << e.line;
    }
    showErrors(errors, lines);
    return false;
  }
  modified_ = false;
  if (parsed.graph == editor_->graph())
    showGraph();  // nothing changed: show the canonical text
  else
    editor_->replaceGraph(parsed.graph, tr("Edit as text"));
  return true;
}

void NetworkTextView::revert() {
  modified_ = false;
  showGraph();
}

void NetworkTextView::showGraph() {
  shown_ = QString::fromStdString(nn::printNetwork(editor_->graph()));
  edit_->setPlainText(shown_);
  showErrors({}, {});
}

void NetworkTextView::showErrors(const QStringList& errors, const QList<int>& lines) {
  errors_->setText(errors.join("\n"));
  errors_->setVisible(!errors.isEmpty());
  // The lines in error tinted red.
  QList<QTextEdit::ExtraSelection> marks;
  for (int line : lines) {
    QTextEdit::ExtraSelection mark;
    mark.cursor = QTextCursor(edit_->document()->findBlockByNumber(line - 1));
    mark.format.setBackground(QColor(214, 39, 40, 50));
    mark.format.setProperty(QTextFormat::FullWidthSelection, true);
    marks << mark;
  }
  edit_->setExtraSelections(marks);
}

}  // namespace gradlab::ui

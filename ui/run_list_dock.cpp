#include "run_list_dock.h"

#include "util/printable.h"

#include <QHBoxLayout>
#include <QHeaderView>
#include <QInputDialog>
#include <QLabel>
#include <QMenu>
#include <QPainter>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace gradlab::ui {

static_assert(kRunPaletteSize == persist::kRunColours, "a saved colour names an entry of the lab's palette");

namespace {

enum Column { Swatch, Name, Changes, State, Columns };

// The run's line as the charts draw it: its colour and its dash pattern.
QIcon swatch(const QColor& colour, Qt::PenStyle pen) {
  QPixmap pixmap(32, 14);
  pixmap.fill(Qt::transparent);
  QPainter painter(&pixmap);
  painter.setRenderHint(QPainter::Antialiasing);
  painter.setPen(QPen(colour, 3, pen, Qt::FlatCap));
  painter.drawLine(QPointF(1, 7), QPointF(31, 7));
  return QIcon(pixmap);
}

// The state alone: each run's steps per second are in the status bar, and a rate here would widen
// the column that what each run changes needs at 1280x720.
QString stateText(train::RunState state, bool diverged) {
  if (diverged) return QObject::tr("Diverged");
  static const char* names[] = {"Preparing", "Ready", "Training", "Paused", "Finished", "Stopped", "Failed"};
  return QObject::tr(names[int(state)]);
}

}  // namespace

QString changesText(const std::map<std::string, std::string>& changes) {
  QStringList parts;
  for (const auto& [key, value] : changes) parts << QString::fromStdString(util::printable(key + "=" + value, 80));
  return parts.isEmpty() ? QObject::tr("same settings") : parts.join("; ");
}

RunListDock::RunListDock(QWidget* parent) : QWidget(parent) {
  table_ = new QTableWidget(0, Columns, this);
  table_->setHorizontalHeaderLabels({tr("Show"), tr("Run"), tr("Changes"), tr("State")});
  table_->verticalHeader()->hide();
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setIconSize(QSize(32, 14));
  table_->horizontalHeader()->setSectionResizeMode(Swatch, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Name, QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Changes, QHeaderView::Stretch);
  table_->horizontalHeader()->setSectionResizeMode(State, QHeaderView::ResizeToContents);
  // What a run changes wraps onto more lines rather than being cut short where the dock is narrow
  // (a projector's 1280x720: "lr 0.1 instead of 0.001"); rows stay one line high otherwise, so a
  // full set is in sight in the settings' column.
  table_->setWordWrap(true);
  table_->verticalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->setTextElideMode(Qt::ElideRight);
  connect(table_, &QTableWidget::itemChanged, this, [this](QTableWidgetItem* item) {
    if (!filling_ && item->column() == Swatch) setRunVisible(uint32_t(item->row()), item->checkState() == Qt::Checked);
  });
  connect(table_, &QTableWidget::itemSelectionChanged, this, &RunListDock::updateButtons);

  compare_ = new QPushButton(tr("Compare…"), this);
  compare_->setToolTip(tr("Add a run that differs from the first in one setting; all runs train in lockstep"));
  remove_ = new QPushButton(tr("Remove"), this);
  rename_ = new QPushButton(tr("Rename…"), this);
  colour_ = new QPushButton(tr("Colour"), this);
  connect(compare_, &QPushButton::clicked, this, &RunListDock::compareRequested);
  connect(remove_, &QPushButton::clicked, this, [this] { removeRun(uint32_t(selectedMember())); });
  connect(rename_, &QPushButton::clicked, this, &RunListDock::rename);
  connect(colour_, &QPushButton::clicked, this, &RunListDock::chooseColour);

  notice_ = new QLabel(this);
  notice_->setWordWrap(true);
  notice_->hide();

  auto* buttons = new QHBoxLayout;
  for (QPushButton* b : {compare_, remove_, rename_, colour_}) buttons->addWidget(b);
  buttons->addStretch(1);
  auto* layout = new QVBoxLayout(this);
  layout->setContentsMargins(4, 4, 4, 4);
  layout->addWidget(table_, 1);
  layout->addWidget(notice_);
  layout->addLayout(buttons);
  refill();
}

void RunListDock::setRuns(const persist::RunLook& first, const std::vector<persist::RunVariant>& comparisons,
                          const std::vector<QString>& descriptions) {
  first_ = first;
  comparisons_ = comparisons;
  setNotice({});
  descriptions_ = descriptions;
  descriptions_.resize(comparisons_.size());
  for (size_t i = 0; i < comparisons_.size(); ++i)
    if (descriptions_[i].isEmpty()) descriptions_[i] = changesText(comparisons_[i].changes);
  clearStates();
}

void RunListDock::setNotice(const QStringList& lines) {
  notice_->setText(lines.join("\n"));
  notice_->setVisible(!lines.isEmpty());
}

QString RunListDock::notice() const { return notice_->text(); }

RunStyles RunListDock::styles() const {
  RunStyles styles;
  for (uint32_t member = 0; member < runCount(); ++member) {
    RunStyle style = defaultRunStyle(member);
    style.label = labelOf(member);
    if (member == 0) {
      style.description = tr("base");
      style.color = runColor(first_.colour);
      style.visible = first_.visible;
    } else {
      const persist::RunVariant& run = comparisons_[member - 1];
      style.description = descriptions_[member - 1];
      style.color = runColor(run.colour);
      style.visible = run.visible;
    }
    styles.push_back(style);
  }
  return styles;
}

QString RunListDock::labelOf(uint32_t member) const {
  const QString letter(QChar('A' + char(member)));
  const std::string& name = member == 0 ? first_.name : comparisons_[member - 1].name;
  return name.empty() ? letter : letter + " " + QString::fromStdString(util::printable(name, 40));
}

void RunListDock::showState(uint32_t member, train::RunState state, bool diverged) {
  if (member >= runCount()) return;
  states_.resize(runCount());
  diverged_.resize(runCount());
  diverged_[member] = diverged_[member] || diverged;
  const QString text = stateText(state, diverged_[member]);
  if (states_[member] == text) return;
  states_[member] = text;
  if (QTableWidgetItem* item = table_->item(int(member), State)) {
    item->setText(text);
    item->setForeground(diverged_[member] ? styles()[member].color : palette().color(QPalette::Text));
  }
}

void RunListDock::clearStates() {
  states_.assign(runCount(), QString());
  diverged_.assign(runCount(), false);
  refill();
}

bool RunListDock::addRun(const persist::RunVariant& run) {
  if (runCount() >= train::kMaxRunsInSet) return false;
  persist::RunVariant added = run;
  added.label = std::string(1, char('A' + runCount()));
  // The first palette entry no run of the set uses, so a re-coloured run keeps its colour unique.
  std::vector<bool> used(kRunPaletteSize, false);
  used[first_.colour % kRunPaletteSize] = true;
  for (const auto& c : comparisons_) used[c.colour % kRunPaletteSize] = true;
  added.colour = uint32_t(runCount());
  for (uint32_t i = 0; used[added.colour % kRunPaletteSize] && i < kRunPaletteSize; ++i) added.colour = i;
  comparisons_.push_back(added);
  descriptions_.push_back(changesText(added.changes));
  states_.resize(runCount());
  diverged_.resize(runCount());
  refill();
  emit runsEdited();
  return true;
}

bool RunListDock::removeRun(uint32_t member) {
  if (member == 0 || member >= runCount()) return false;
  comparisons_.erase(comparisons_.begin() + (member - 1));
  descriptions_.erase(descriptions_.begin() + (member - 1));
  for (size_t i = 0; i < comparisons_.size(); ++i) comparisons_[i].label = std::string(1, char('B' + i));
  clearStates();
  emit runsEdited();
  return true;
}

bool RunListDock::renameRun(uint32_t member, const QString& name) {
  if (member >= runCount()) return false;
  if (member == 0)
    first_.name = name.trimmed().toStdString();
  else
    comparisons_[member - 1].name = name.trimmed().toStdString();
  refill();
  emit looksChanged();
  emit namesChanged();
  return true;
}

bool RunListDock::recolourRun(uint32_t member, uint32_t paletteIndex) {
  if (member >= runCount() || paletteIndex >= kRunPaletteSize) return false;
  if (member == 0)
    first_.colour = paletteIndex;
  else
    comparisons_[member - 1].colour = paletteIndex;
  refill();
  emit looksChanged();
  emit namesChanged();
  return true;
}

bool RunListDock::setRunVisible(uint32_t member, bool visible) {
  if (member >= runCount()) return false;
  bool& shown = member == 0 ? first_.visible : comparisons_[member - 1].visible;
  if (shown == visible) return true;
  shown = visible;
  refill();
  emit looksChanged();
  return true;
}

QString RunListDock::cellText(int row, int column) const {
  const QTableWidgetItem* item = table_->item(row, column);
  return item ? item->text() : QString();
}

void RunListDock::refill() {
  filling_ = true;
  const int selected = selectedMember();
  const RunStyles looks = styles();
  table_->setRowCount(int(looks.size()));
  for (const RunStyle& style : looks) {
    const int row = int(style.member);
    auto* show = new QTableWidgetItem(swatch(style.color, style.pen), QString());
    show->setFlags(Qt::ItemIsEnabled | Qt::ItemIsSelectable | Qt::ItemIsUserCheckable);
    show->setCheckState(style.visible ? Qt::Checked : Qt::Unchecked);
    show->setToolTip(tr("Show run %1 in the views").arg(style.label));
    table_->setItem(row, Swatch, show);
    table_->setItem(row, Name, new QTableWidgetItem(style.label));
    auto* changes = new QTableWidgetItem(style.description);
    changes->setToolTip(style.description);
    table_->setItem(row, Changes, changes);
    const bool diverged = size_t(row) < diverged_.size() && diverged_[row];
    auto* state = new QTableWidgetItem(size_t(row) < states_.size() ? states_[row] : QString());
    if (diverged) state->setForeground(style.color);
    table_->setItem(row, State, state);
  }
  if (selected >= 0 && selected < table_->rowCount()) table_->selectRow(selected);
  filling_ = false;
  updateButtons();
}

void RunListDock::updateButtons() {
  const int member = selectedMember();
  compare_->setEnabled(runCount() < train::kMaxRunsInSet);
  compare_->setToolTip(runCount() < train::kMaxRunsInSet
                           ? tr("Add a run that differs from the first in one setting; all runs train in lockstep")
                           : tr("A comparison holds at most %1 runs: remove one first").arg(train::kMaxRunsInSet));
  remove_->setEnabled(member > 0);
  remove_->setToolTip(member == 0 ? tr("The first run is the experiment itself") : tr("Remove the selected run"));
  rename_->setEnabled(member >= 0);
  colour_->setEnabled(member >= 0);
}

int RunListDock::selectedMember() const {
  const auto rows = table_->selectionModel() ? table_->selectionModel()->selectedRows() : QModelIndexList{};
  return rows.isEmpty() ? -1 : rows.front().row();
}

void RunListDock::rename() {
  const int member = selectedMember();
  if (member < 0) return;
  bool ok = false;
  const QString name = QInputDialog::getText(this, tr("Rename run"), tr("Name of run %1:").arg(QChar('A' + member)),
                                             QLineEdit::Normal, {}, &ok);
  if (ok) renameRun(uint32_t(member), name);
}

void RunListDock::chooseColour() {
  const int member = selectedMember();
  if (member < 0) return;
  QMenu menu(this);
  for (uint32_t i = 0; i < kRunPaletteSize; ++i)
    menu.addAction(swatch(runColor(i), runPenStyle(uint32_t(member))), runColor(i).name(), this,
                   [this, member, i] { recolourRun(uint32_t(member), i); });
  menu.exec(colour_->mapToGlobal(QPoint(0, colour_->height())));
}

}  // namespace gradlab::ui

#include "export/export_dialog.h"

#include "export/frame_sink.h"
#include "export/view_export.h"
#include "export/view_recorder.h"
#include "training_controller.h"
#include "window/run_views.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPointer>
#include <QPushButton>
#include <QSpinBox>

#include <optional>
#include <utility>

namespace gradlab::ui {
namespace {

bool isAnimation(ExportDialog::Kind kind) { return kind >= ExportDialog::Kind::Gif; }

QString suffixOf(ExportDialog::Kind kind) {
  switch (kind) {
    case ExportDialog::Kind::Png: return "png";
    case ExportDialog::Kind::Svg: return "svg";
    case ExportDialog::Kind::Csv: return "csv";
    case ExportDialog::Kind::Gif: return "gif";
    case ExportDialog::Kind::Mp4: return "mp4";
    default: return {};
  }
}

// The first and last of `moments` whose step is in first..last; none when no step is.
std::optional<std::pair<size_t, size_t>> momentsBetween(const SnapshotStore& moments, uint64_t first, uint64_t last) {
  std::optional<std::pair<size_t, size_t>> range;
  for (size_t i = 0; i < moments.size(); ++i) {
    const uint64_t step = moments.moment(i).step();
    if (step < first || step > last) continue;
    range = {range ? range->first : i, i};
  }
  return range;
}

QSpinBox* spin(QWidget* parent, int lo, int hi, int value) {
  auto* box = new QSpinBox(parent);
  box->setRange(lo, hi);
  box->setValue(value);
  return box;
}

}  // namespace

ExportDialog* ExportDialog::open(QWidget* window, QWidget* view) {
  auto* dialog = window->findChild<ExportDialog*>(QString(), Qt::FindDirectChildrenOnly);
  if (!dialog) dialog = new ExportDialog(window);
  dialog->fillViews();
  if (!view && (!dialog->view() || !dialog->view()->isVisible()))  // the view on screen, not one in a hidden tab
    for (QWidget* v : exportableViews(window))
      if (v->isVisible()) {
        view = v;
        break;
      }
  if (view) dialog->setView(view);
  if (!dialog->recorder()) dialog->followRun();
  dialog->show();
  dialog->raise();
  return dialog;
}

ExportDialog::ExportDialog(QWidget* window) : QDialog(window), window_(window) {
  setWindowTitle(tr("Export view"));
  setMinimumWidth(fontMetrics().averageCharWidth() * 60);  // room for a path
  views_ = new QComboBox(this);
  kinds_ = new QComboBox(this);
  for (const QString& kind : {tr("PNG image"), tr("SVG drawing"), tr("CSV data (what is drawn)"), tr("Copy image"),
                              tr("Animated GIF"), tr("MP4 video (%1)").arg(mp4EncoderName()), tr("PNG sequence")})
    kinds_->addItem(kind);
  width_ = spin(this, 16, 7680, 1280);
  height_ = spin(this, 16, 4320, 720);
  auto* size = new QHBoxLayout;
  size->addWidget(width_);
  size->addWidget(new QLabel("×", this));
  size->addWidget(height_);
  size->addStretch();
  path_ = new QLineEdit(this);
  browse_ = new QPushButton(tr("Browse…"), this);
  auto* path = new QHBoxLayout;
  path->addWidget(path_, 1);
  path->addWidget(browse_);
  animation_ = new QWidget(this);
  auto* steps = new QFormLayout(animation_);
  steps->setContentsMargins(0, 0, 0, 0);
  first_ = spin(animation_, 0, INT32_MAX, 0);
  last_ = spin(animation_, 0, INT32_MAX, 200);
  fps_ = spin(animation_, 1, 60, 10);
  steps->addRow(tr("From step"), first_);
  steps->addRow(tr("To step"), last_);
  steps->addRow(tr("Frames per second"), fps_);
  message_ = new QLabel(this);
  message_->setWordWrap(true);
  message_->setMinimumHeight(2 * fontMetrics().height());  // a message never moves the buttons
  export_ = new QPushButton(tr("Export"), this);
  stop_ = new QPushButton(tr("Stop recording"), this);
  stop_->setEnabled(false);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
  buttons->addButton(export_, QDialogButtonBox::ActionRole);
  buttons->addButton(stop_, QDialogButtonBox::ActionRole);
  auto* form = new QFormLayout(this);
  form->addRow(tr("View"), views_);
  form->addRow(tr("As"), kinds_);
  form->addRow(tr("Size (pixels)"), size);
  form->addRow(tr("File"), path);
  form->addRow(animation_);
  form->addRow(message_);
  form->addRow(buttons);
  connect(kinds_, &QComboBox::currentIndexChanged, this, &ExportDialog::kindChanged);
  connect(views_, &QComboBox::currentIndexChanged, this, [this] {
    if (QWidget* v = view()) setSize(v->size());
  });
  connect(browse_, &QPushButton::clicked, this, &ExportDialog::browse);
  connect(export_, &QPushButton::clicked, this, &ExportDialog::exportNow);
  connect(stop_, &QPushButton::clicked, this, &ExportDialog::stopRecording);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::close);
  fillViews();
  kindChanged();
}

void ExportDialog::fillViews() {
  QWidget* chosen = view();
  views_->clear();
  for (QWidget* v : exportableViews(window_)) views_->addItem(exportName(v), QVariant::fromValue<QObject*>(v));
  if (chosen) setView(chosen);
}

void ExportDialog::setView(QWidget* view) {
  const int index = views_->findData(QVariant::fromValue<QObject*>(view));
  if (index >= 0) views_->setCurrentIndex(index);
  if (view) setSize(view->size());
}

QWidget* ExportDialog::view() const { return qobject_cast<QWidget*>(views_->currentData().value<QObject*>()); }
void ExportDialog::setKind(Kind kind) { kinds_->setCurrentIndex(int(kind)); }
ExportDialog::Kind ExportDialog::kind() const { return Kind(kinds_->currentIndex()); }
void ExportDialog::setPath(const QString& path) { path_->setText(path); }
QString ExportDialog::message() const { return message_->text(); }

void ExportDialog::setSize(QSize size) {
  if (size.isEmpty()) return;
  width_->setValue(size.width());
  height_->setValue(size.height());
}

void ExportDialog::setSteps(uint64_t first, uint64_t last) {
  first_->setValue(int(std::min<uint64_t>(first, INT32_MAX)));
  last_->setValue(int(std::min<uint64_t>(last, INT32_MAX)));
}

uint64_t ExportDialog::firstStep() const { return uint64_t(first_->value()); }
uint64_t ExportDialog::lastStep() const { return uint64_t(last_->value()); }

// The run as the timeline holds it: from its first moment to its latest. Before any training,
// the next 200 steps, to record live.
void ExportDialog::followRun() {
  const auto* views = window_->findChild<RunViews*>();
  if (!views || !views->moments().size()) return setSteps(0, 200);
  const SnapshotStore& moments = views->moments();
  setSteps(moments.moment(0).step(), moments.moment(moments.size() - 1).step());
}

void ExportDialog::kindChanged() {
  animation_->setVisible(isAnimation(kind()));
  path_->setEnabled(kind() != Kind::Clipboard);
  browse_->setEnabled(kind() != Kind::Clipboard);
  const QString suffix = suffixOf(kind()), current = path_->text();
  if (!current.isEmpty() && !suffix.isEmpty()) {
    const QFileInfo info(current);
    path_->setText(info.path() + "/" + info.completeBaseName() + "." + suffix);
  }
}

void ExportDialog::browse() {
  QString path;
  if (kind() == Kind::PngSequence)
    path = QFileDialog::getSaveFileName(this, tr("Folder for the PNG files (a new one)"), path_->text());
  else
    path = QFileDialog::getSaveFileName(this, tr("Export to"), path_->text(),
                                        tr("%1 files (*.%2)").arg(suffixOf(kind()).toUpper(), suffixOf(kind())));
  if (!path.isEmpty()) path_->setText(path);
}

void ExportDialog::say(const QString& text, bool error) {
  message_->setStyleSheet(error ? "color: #b00020;" : QString());
  message_->setText(text);
}

bool ExportDialog::exportNow() {
  QWidget* v = view();
  if (!v) {
    say(tr("Choose a view to export."), true);
    return false;
  }
  const QSize size(width_->value(), height_->value());
  const QString path = path_->text().trimmed();
  if (kind() == Kind::Clipboard) {
    copyViewToClipboard(*v, size);
    say(tr("Copied %1 (%2×%3) to the clipboard.").arg(exportName(v)).arg(size.width()).arg(size.height()), false);
    return true;
  }
  if (path.isEmpty()) {
    say(tr("Choose a file to export to (Browse…)."), true);
    return false;
  }
  if (isAnimation(kind())) return record(path);
  QString error;
  const bool ok = kind() == Kind::Csv ? saveViewCsv(*v, path, &error) : saveViewImage(*v, path, size, &error);
  say(ok ? tr("Wrote %1.").arg(QDir::toNativeSeparators(path)) : error, !ok);
  return ok;
}

// Frames come as the run trains: Play (or Step) records the chosen steps.
bool ExportDialog::record(const QString& path) {
  auto* controller = window_->findChild<TrainingController*>();
  if (!controller) {
    say(tr("Nothing trains in this window: there is nothing to record."), true);
    return false;
  }
  stopRecording();
  std::optional<std::pair<size_t, size_t>> moments;
  auto* views = window_->findChild<RunViews*>();
  if (views && views->moments().size() && lastStep() <= views->moments().moment(views->moments().size() - 1).step()) {
    moments = momentsBetween(views->moments(), firstStep(), lastStep());
    if (!moments) {
      say(tr("The timeline holds no step from %1 to %2: choose steps it shows.").arg(firstStep()).arg(lastStep()),
          true);
      return false;
    }
  }
  const AnimationFormat format = kind() == Kind::Gif   ? AnimationFormat::Gif
                                 : kind() == Kind::Mp4 ? AnimationFormat::Mp4
                                                       : AnimationFormat::PngSequence;
  AnimationOptions options;
  options.size = QSize(width_->value(), height_->value());
  options.framesPerSecond = fps_->value();
  QString error;
  std::unique_ptr<FrameSink> sink = openFrameSink(path, format, options, &error);
  if (!sink) {
    say(error, true);
    return false;
  }
  recorder_ = new ViewRecorder(view(), std::move(sink), this);
  connect(recorder_, &ViewRecorder::captured, this, [this](int frames, uint64_t step) {
    say(tr("Recording: %n frame(s), step %1.", nullptr, frames).arg(step), false);
  });
  connect(recorder_, &ViewRecorder::finished, this, [this, path](bool ok, const QString& message) {
    say(ok ? tr("Wrote %1: %2").arg(QDir::toNativeSeparators(path), message) : message, !ok);
    stop_->setEnabled(false);
    recorder_->deleteLater();
    recorder_ = nullptr;
  });
  stop_->setEnabled(true);
  if (moments) {
    replay(views, *moments);
    return true;
  }
  recorder_->followLive(controller, firstStep(), lastStep());
  say(tr("Recording steps %1 to %2 with %3: press Play or Step.")
          .arg(first_->value())
          .arg(last_->value())
          .arg(recorder_->encoderName()),
      false);
  return true;
}

// Moments `range` drawn one by one into the file; the views follow the run again afterwards if
// they did before.
void ExportDialog::replay(RunViews* views, std::pair<size_t, size_t> range) {
  if (!views->replaying())
    connect(recorder_, &ViewRecorder::finished, views, [views = QPointer<RunViews>(views)] {
      if (views) views->showLive();
    });
  say(tr("Replaying steps %1 to %2 into the file…").arg(firstStep()).arg(lastStep()), false);
  recorder_->followReplay(range.first, range.second, [views](size_t moment) {
    views->showMoment(moment);
    return views->moments().moment(moment).step();
  });
}

void ExportDialog::stopRecording() {
  if (recorder_) recorder_->stop();
}

}  // namespace gradlab::ui

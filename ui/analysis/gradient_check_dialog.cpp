#include "analysis/gradient_check_dialog.h"

#include "analysis/run_choice.h"
#include "export/view_export.h"

#include <QDialogButtonBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSpinBox>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace gradlab::ui {
namespace {

enum Column { Layer, Type, Tensor, Checked, Error, Largest, Verdict, Kinks, Columns };

// Tints over the table's base colour, readable with light and dark palettes alike.
QColor bandColour(analysis::GradientBand band) {
  switch (band) {
    case analysis::GradientBand::Great:
    case analysis::GradientBand::Fine: return QColor(44, 160, 44, 110);
    case analysis::GradientBand::Suspicious: return QColor(255, 170, 0, 130);
    case analysis::GradientBand::Wrong: return QColor(214, 39, 40, 130);
  }
  return {};
}

}  // namespace

QString GradientCheckDialog::bandsExplanation() {
  return tr(
      "Each checked entry's error is |device − numeric| relative to the larger of the two (and to a floor of\n"
      "1e-2 × the tensor's and 1e-4 × the network's largest gradient, so tiny entries do not report rounding).\n"
      "\n"
      "  ≤ 1e-7   great: only double precision gets this close\n"
      "  ≤ 1e-4   fine: a correct float32 gradient\n"
      "  ≤ 1e-2   suspicious: passes, but look at the layer\n"
      "  > 1e-2   wrong: no rounding explains it — the check fails\n"
      "\n"
      "Why float32 reads higher: the device sums thousands of float32 terms, each rounded to about 6e-8\n"
      "of its size, while the finite differences are taken in double precision (error ~1e-10). A correct\n"
      "gradient therefore differs by ~1e-6 of the tensor's largest, and more where terms cancel.");
}

QString GradientCheckDialog::kinksExplanation() {
  return tr(
      "Kinks: checked entries whose finite-difference step crossed a non-differentiable point (a ReLU's\n"
      "input crossing 0, a max-pool tie, a hinge), even with a 16 times smaller step. There the central\n"
      "difference is the mean of the slopes on either side and matches no gradient, so these entries are\n"
      "left out of the verdict: a kink is not an error. A tensor whose entries all crossed one has no verdict.");
}

GradientCheckDialog::GradientCheckDialog(QWidget* parent) : QDialog(parent) {
  setWindowTitle(tr("Gradient check"));
  makeExportable(this, tr("Gradient check"), [this] { return tableCsv(*table_); });
  intro_ =
      new QLabel(tr("Compares each parameter tensor's gradient from the backward pass on the device (float32) with "
                    "central finite differences of the loss computed in double precision by the CPU reference, on "
                    "the first training samples and the same Dropout masks."));
  intro_->setWordWrap(true);
  entries_ = new QSpinBox;
  entries_->setRange(1, 10000);
  entries_->setValue(20);
  entries_->setToolTip(tr("Entries checked per tensor (every entry of a smaller one)"));
  batch_ = new QSpinBox;
  batch_->setRange(1, 256);
  batch_->setValue(4);
  batch_->setToolTip(tr("Training samples in the batch the loss is taken over"));
  checkButton_ = new QPushButton(tr("Check"));
  run_ = new RunChoice;
  runLabel_ = new QLabel(tr("Run"));
  runLabel_->hide();
  table_ = new QTableWidget(0, Columns);
  table_->setHorizontalHeaderLabels({tr("layer"), tr("type"), tr("tensor"), tr("entries checked"),
                                     tr("max relative error"), tr("largest gradient"), tr("verdict"), tr("kinks")});
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Verdict, QHeaderView::Stretch);
  table_->setToolTip(bandsExplanation());
  for (int c : {Error, Verdict}) table_->horizontalHeaderItem(c)->setToolTip(bandsExplanation());
  table_->horizontalHeaderItem(Kinks)->setToolTip(kinksExplanation());
  verdict_ = new QLabel(tr("Press Check to compare the gradients."));
  verdict_->setWordWrap(true);
  verdict_->setToolTip(bandsExplanation());
  QFont bold = verdict_->font();
  bold.setBold(true);
  verdict_->setFont(bold);
  auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close);

  auto* options = new QHBoxLayout;
  options->addWidget(runLabel_);
  options->addWidget(run_);
  options->addWidget(new QLabel(tr("Entries per tensor")));
  options->addWidget(entries_);
  options->addWidget(new QLabel(tr("Batch")));
  options->addWidget(batch_);
  options->addStretch(1);
  options->addWidget(checkButton_);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(intro_);
  layout->addLayout(options);
  layout->addWidget(table_, 1);
  layout->addWidget(verdict_);
  layout->addWidget(buttons);
  resize(760, 420);

  connect(checkButton_, &QPushButton::clicked, this, &GradientCheckDialog::start);
  connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
}

void GradientCheckDialog::setSource(std::shared_ptr<const AnalysisSource> source) {
  source_ = std::move(source);
  run_->setSource(source_.get(), runLabel_);
}

QComboBox* GradientCheckDialog::runChoice() const { return run_; }

QString GradientCheckDialog::verdictText() const { return verdict_->text(); }

void GradientCheckDialog::start() {
  if (isRunning()) return;
  if (!source_) {
    verdict_->setText(tr("No network to check yet."));
    emit finished();
    return;
  }
  GradientCheckRequest request;
  request.source = run_->chosen(source_);
  request.entries = uint32_t(entries_->value());
  request.batch = uint32_t(batch_->value());
  checkButton_->setEnabled(false);
  verdict_->setText(tr("Checking on the device…"));
  watcher_ = new QFutureWatcher<GradientCheckResult>(this);
  const QString run = run_->chosenLegend();
  connect(watcher_, &QFutureWatcher<GradientCheckResult>::finished, this, [this, run] {
    const GradientCheckResult result = watcher_->result();
    watcher_->deleteLater();
    watcher_ = nullptr;
    checkButton_->setEnabled(true);
    if (!result.error.empty()) {
      shown_.reset();
      table_->setRowCount(0);
      verdict_->setText(QString::fromStdString(result.error));
    } else {
      showResult(result, run);
    }
    emit finished();
  });
  watcher_->setFuture(QtConcurrent::run([request] { return computeGradientCheck(request); }));
}

void GradientCheckDialog::showResult(const GradientCheckResult& result, const QString& run) {
  shown_ = result;
  const auto& tensors = result.report.tensors;
  table_->setRowCount(int(tensors.size()));
  for (size_t i = 0; i < tensors.size(); ++i) {
    const auto& t = tensors[i];
    const QString verdict =
        t.judged() ? (t.passed() ? tr("pass, ") : tr("FAIL, ")) + QString::fromUtf8(analysis::bandName(t.band))
                   : tr("no verdict");
    const QStringList cells = {QString::fromStdString(t.layer),
                               QString::fromStdString(t.type),
                               QString::fromStdString(t.tensor),
                               tr("%1 of %2").arg(t.checked).arg(t.entries),
                               t.judged() ? QString::number(t.maxRelativeError, 'e', 2) : QString("—"),
                               QString::number(t.largestGradient, 'e', 2),
                               verdict,
                               QString::number(t.kinks)};
    for (int c = 0; c < Columns; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if ((c >= Checked && c <= Largest) || c == Kinks) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      if (c == Verdict) {
        if (t.judged()) item->setBackground(bandColour(t.band));
        item->setToolTip(t.onNetworkScale ? tr("Its gradients are so small that the network's scale judges them.\n\n") +
                                                bandsExplanation()
                                          : bandsExplanation());
      }
      if (c == Kinks) item->setToolTip(kinksExplanation());
      table_->setItem(int(i), c, item);
    }
  }
  // The convolutions compute as the run's do; the FFT's float32 rounding differs from the direct path's.
  const QString where =
      tr(" (%1%2, batch mean loss %3, %4 s on %5%6%7)")
          .arg(run.isEmpty() ? QString() : tr("run %1, ").arg(run))
          .arg(tensors.size() == 1 ? tr("1 tensor") : tr("%1 tensors").arg(tensors.size()))
          .arg(result.report.loss, 0, 'g', 5)
          .arg(result.seconds, 0, 'f', 1)
          .arg(QString::fromStdString(result.device))
          .arg(result.convolution.empty() ? QString()
                                          : tr(", convolutions: %1").arg(QString::fromStdString(result.convolution)))
          .arg(result.initialWeights ? tr(", initial weights: not trained yet") : QString());
  if (result.report.passed()) {
    verdict_->setText(tr("Pass: every gradient matches the finite differences") + where + kinksSummary(result.report));
  } else {
    QStringList layers;
    for (const auto& l : result.report.failedLayers()) layers << QString::fromStdString(l);
    verdict_->setText(tr("FAIL: the gradients of %1 do not match the finite differences").arg(layers.join(", ")) +
                      where + kinksSummary(result.report));
  }
}

QString GradientCheckDialog::kinksSummary(const analysis::GradientCheckReport& report) {
  QString out;
  if (const uint32_t kinks = report.kinks())
    out += (kinks == 1 ? tr("\n1 checked entry") : tr("\n%1 checked entries").arg(kinks)) +
           tr(" crossed a non-differentiable point (kinks): left out of the verdict, not errors.");
  QStringList unjudged;
  for (const auto& t : report.tensors)
    if (!t.judged()) unjudged << QString::fromStdString(t.layer + "." + t.tensor);
  if (!unjudged.isEmpty())
    out += tr("\nNo verdict for %1: every entry checked crossed a kink (check more entries or another batch).")
               .arg(unjudged.join(", "));
  if (const uint32_t units = report.straddlingUnits)
    out += (units == 1 ? tr("\n1 ReLU-like input") : tr("\n%1 ReLU-like inputs").arg(units)) +
           tr(" within float32 rounding of 0 fell on the other side on the device: compared on the device's side.");
  return out;
}

}  // namespace gradlab::ui

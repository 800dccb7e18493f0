#include "analysis/receptive_field_view.h"

#include "analysis/heatmap_plot.h"
#include "analysis/run_choice.h"
#include "export/view_export.h"

#include <QCheckBox>
#include <QComboBox>
#include <QFutureWatcher>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QPushButton>
#include <QSignalBlocker>
#include <QSpinBox>
#include <QSplitter>
#include <QTableWidget>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

#include <algorithm>
#include <cmath>

namespace gradlab::ui {
namespace {

enum Column { Layer, Type, Output, Size, Jump, Start, Note, Columns };

// "5", or "5 × 7" when the axes differ.
QString pair(double rows, double cols) {
  const QString r = QString::number(rows, 'g', 4);
  return rows == cols ? r : r + QString::fromUtf8(" × ") + QString::number(cols, 'g', 4);
}

QImage greyImage(const std::vector<float>& values, int width, int height) {
  const auto [lo, hi] = std::minmax_element(values.begin(), values.end());
  const float span = *hi > *lo ? *hi - *lo : 1.0f;
  QImage image(width, height, QImage::Format_Grayscale8);
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x)
      image.scanLine(y)[x] = uchar(std::lround(255 * (values[size_t(y) * width + x] - *lo) / span));
  return image;
}

}  // namespace

ReceptiveFieldView::ReceptiveFieldView(QWidget* parent) : QWidget(parent) {
  makeExportable(this, tr("Receptive field"), [this] { return csv(); });
  run_ = new RunChoice;
  runLabel_ = new QLabel(tr("Run"));
  runLabel_->hide();
  summary_ = new QLabel(tr("No network yet."));
  summary_->setWordWrap(true);
  table_ = new QTableWidget(0, Columns);
  table_->setHorizontalHeaderLabels(
      {tr("layer"), tr("type"), tr("output"), tr("size"), tr("jump"), tr("start"), tr("note")});
  table_->horizontalHeaderItem(Size)->setToolTip(
      tr("Input pixels one unit's field spans (rows × columns), padding included"));
  table_->horizontalHeaderItem(Jump)->setToolTip(tr("Input pixels between the fields of neighbouring units"));
  table_->horizontalHeaderItem(Start)->setToolTip(
      tr("Input coordinate of the top-left edge of unit 0's field; negative: it starts in the padding.\n"
         "Unit i covers [start + i·jump, start + i·jump + size − 1]."));
  table_->setEditTriggers(QAbstractItemView::NoEditTriggers);
  table_->setSelectionBehavior(QAbstractItemView::SelectRows);
  table_->setSelectionMode(QAbstractItemView::SingleSelection);
  table_->verticalHeader()->hide();
  table_->verticalHeader()->setDefaultSectionSize(fontMetrics().height() + 6);
  table_->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
  table_->horizontalHeader()->setSectionResizeMode(Note, QHeaderView::Stretch);
  table_->setToolTip(tr("Click a layer to measure the effective field of its centre unit"));

  layer_ = new QComboBox;
  channel_ = new QSpinBox;
  y_ = new QSpinBox;
  x_ = new QSpinBox;
  noise_ = new QCheckBox(tr("gaussian noise instead of images"));
  noise_->setToolTip(tr("N(0, 1) inputs: the field of the network alone, without the images' structure"));
  batch_ = new QSpinBox;
  batch_->setRange(1, 1024);
  batch_->setValue(32);
  batch_->setToolTip(tr("Inputs the gradient magnitude is averaged over"));
  computeButton_ = new QPushButton(tr("Measure effective field"));
  status_ = new QLabel;
  status_->setWordWrap(true);
  status_->setTextInteractionFlags(Qt::TextSelectableByMouse);
  input_ = new HeatmapPlot;
  input_->setEqualAspect(true);
  input_->clear(tr("The first input appears here"));
  heat_ = new HeatmapPlot;
  heat_->setRowsDown(true);
  heat_->setEqualAspect(true);
  heat_->clear(tr("Pick a layer and a unit, then measure its effective receptive field"));

  auto* controls = new QHBoxLayout;
  controls->addWidget(new QLabel(tr("Layer")));
  controls->addWidget(layer_, 1);
  controls->addWidget(new QLabel(tr("Channel")));
  controls->addWidget(channel_);
  controls->addWidget(new QLabel(tr("y")));
  controls->addWidget(y_);
  controls->addWidget(new QLabel(tr("x")));
  controls->addWidget(x_);
  auto* controls2 = new QHBoxLayout;
  controls2->addWidget(noise_);
  controls2->addWidget(new QLabel(tr("Batch")));
  controls2->addWidget(batch_);
  controls2->addStretch(1);
  controls2->addWidget(computeButton_);
  auto* plots = new QHBoxLayout;
  plots->addWidget(input_, 1);
  plots->addWidget(heat_, 1);
  auto* top = new QWidget;
  auto* topLayout = new QVBoxLayout(top);
  topLayout->setContentsMargins(0, 0, 0, 0);
  auto* runRow = new QHBoxLayout;
  runRow->addWidget(runLabel_);
  runRow->addWidget(run_);
  runRow->addStretch(1);
  topLayout->addLayout(runRow);
  topLayout->addWidget(summary_);
  topLayout->addWidget(table_, 1);
  measurePane_ = new QWidget;
  auto* bottomLayout = new QVBoxLayout(measurePane_);
  bottomLayout->setContentsMargins(0, 0, 0, 0);
  bottomLayout->addLayout(controls);
  bottomLayout->addLayout(controls2);
  bottomLayout->addWidget(status_);
  bottomLayout->addLayout(plots, 1);
  auto* splitter = new QSplitter(Qt::Vertical);
  splitter->addWidget(top);
  splitter->addWidget(measurePane_);
  splitter->setStretchFactor(0, 1);
  splitter->setStretchFactor(1, 1);
  auto* layout = new QVBoxLayout(this);
  layout->addWidget(splitter);

  connect(layer_, &QComboBox::currentIndexChanged, this, &ReceptiveFieldView::layerChosen);
  connect(table_, &QTableWidget::cellClicked, this, [this](int row) { selectLayer(table_->item(row, Layer)->text()); });
  connect(computeButton_, &QPushButton::clicked, this, &ReceptiveFieldView::compute);
  connect(run_, &QComboBox::currentIndexChanged, this, [this] {
    // Another run may be another network: its own table, and no field measured on it yet.
    analysed_ = run_->chosen(source_);
    shown_.reset();
    input_->clear(tr("The first input appears here"));
    heat_->clear(tr("Pick a layer and a unit, then measure its effective receptive field"));
    fillTable();
  });
  setSource(nullptr);
}

void ReceptiveFieldView::setSource(std::shared_ptr<const AnalysisSource> source) {
  source_ = std::move(source);
  {
    const QSignalBlocker quiet(run_);  // one table fill below, whatever the combo does
    run_->setSource(source_.get(), runLabel_);
  }
  analysed_ = run_->chosen(source_);
  fillTable();
}

void ReceptiveFieldView::fillTable() {
  fields_.clear();
  table_->setRowCount(0);
  const QString chosen = layer_->currentData().toString();
  const QSignalBlocker quiet(layer_);  // the layer is chosen once the table is complete
  layer_->clear();
  if (!analysed_) {
    summary_->setText(tr("No network yet."));
  } else {
    try {
      fields_ = analysis::receptiveFields(analysed_->graph);
    } catch (const std::exception& e) {
      summary_->setText(
          tr("The network has errors; fix them in the editor first:\n%1").arg(QString::fromUtf8(e.what())));
    }
  }
  const bool image = !fields_.empty() && fields_[0].shape.isImage();
  if (!fields_.empty())
    summary_->setText(
        image
            ? tr("Theoretical receptive fields on the %1 input, in input pixels: unit i of a layer covers "
                 "[start + i·jump, start + i·jump + size − 1] along each axis (negative: padding). Dense layers, "
                 "global pooling and per-sample normalisations see the whole input.")
                  .arg(QString::fromStdString(fields_[0].shape.text()))
            : tr("The input is flat (%1 features): every unit of a dense network sees the whole input, so there is no "
                 "receptive field to draw. Receptive fields belong to convolutional networks on images.")
                  .arg(QString::fromStdString(fields_[0].shape.text())));
  const nn::GraphAnalysis graph = analysed_ ? nn::analyze(analysed_->graph) : nn::GraphAnalysis{};
  table_->setRowCount(int(fields_.size()));
  for (size_t i = 0; i < fields_.size(); ++i) {
    const auto& f = fields_[i];
    const QString whole = tr("whole input");
    const QStringList cells = {QString::fromStdString(f.node),
                               QString::fromStdString(f.type),
                               QString::fromStdString(f.shape.text()),
                               f.whole ? whole : pair(f.rows.size, f.cols.size),
                               f.whole ? QString() : pair(f.rows.jump, f.cols.jump),
                               f.whole ? QString() : pair(f.rows.start, f.cols.start),
                               QString::fromStdString(f.note)};
    for (int c = 0; c < Columns; ++c) {
      auto* item = new QTableWidgetItem(cells[c]);
      if (c >= Size && c <= Start) item->setTextAlignment(Qt::AlignRight | Qt::AlignVCenter);
      table_->setItem(int(i), c, item);
    }
    // Measurable: every layer before the loss (the graph input has no unit to seed).
    const bool loss =
        i > 0 && graph.nodes.size() == fields_.size() - 1 && graph.nodes[i - 1].def && graph.nodes[i - 1].def->loss;
    if (image && i > 0 && !loss) layer_->addItem(QString::fromStdString(f.node), QString::fromStdString(f.node));
  }
  const bool measurable = layer_->count() > 0;
  for (QWidget* w : std::initializer_list<QWidget*>{layer_, channel_, y_, x_, noise_, batch_, computeButton_})
    w->setEnabled(measurable);
  // Nothing to measure (a dense network): the table takes the whole view rather than a strip of
  // it over empty plots.
  measurePane_->setVisible(measurable);
  if (!selectLayer(chosen) && measurable) layerChosen();
  if (!measurable) {
    status_->setText(image || fields_.empty() ? tr("No layer to measure.")
                                              : tr("Every unit sees the whole input: there is no field to measure."));
    heat_->clear(QString());
    input_->clear(QString());
  } else if (!shown_) {
    status_->setText(tr("Pick a layer (or click its row) and a unit, then measure its effective receptive field."));
  }
}

bool ReceptiveFieldView::selectLayer(const QString& node) {
  const int index = layer_->findData(node);
  if (index < 0) return false;
  if (index == layer_->currentIndex())
    layerChosen();  // re-centre the unit
  else
    layer_->setCurrentIndex(index);
  return true;
}

void ReceptiveFieldView::layerChosen() {
  const QString node = layer_->currentData().toString();
  for (int row = 0; row < table_->rowCount(); ++row)
    if (table_->item(row, Layer)->text() == node) table_->selectRow(row);
  const auto it =
      std::find_if(fields_.begin(), fields_.end(), [&](const auto& f) { return f.node == node.toStdString(); });
  if (it == fields_.end()) return;
  const nn::Shape& s = it->shape;
  const bool image = s.isImage();
  channel_->setRange(0, int((image ? s.channels() : s.elements()) - 1));
  channel_->setToolTip(image ? tr("Output channel (feature map)") : tr("Output feature"));
  y_->setRange(0, int(s.height()) - 1);
  x_->setRange(0, int(s.width()) - 1);
  y_->setValue(int(s.height()) / 2);
  x_->setValue(int(s.width()) / 2);
  y_->setEnabled(image);
  x_->setEnabled(image);
}

void ReceptiveFieldView::setUnit(int channel, int y, int x) {
  channel_->setValue(channel);
  y_->setValue(y);
  x_->setValue(x);
}

void ReceptiveFieldView::setNoise(bool noise) { noise_->setChecked(noise); }
void ReceptiveFieldView::setBatch(int batch) { batch_->setValue(batch); }
QComboBox* ReceptiveFieldView::runChoice() const { return run_; }
QString ReceptiveFieldView::statusText() const { return status_->text(); }
bool ReceptiveFieldView::canMeasure() const { return layer_->count() > 0; }

void ReceptiveFieldView::compute() {
  if (isRunning() || !analysed_ || layer_->count() == 0) {
    if (!isRunning()) emit finished();
    return;
  }
  ReceptiveFieldRequest request;
  request.source = analysed_;
  request.unit = {layer_->currentData().toString().toStdString(), uint32_t(channel_->value()), uint32_t(y_->value()),
                  uint32_t(x_->value())};
  request.noise = noise_->isChecked();
  request.batch = uint32_t(batch_->value());
  computeButton_->setEnabled(false);
  status_->setText(tr("Measuring on the device…"));
  watcher_ = new QFutureWatcher<ReceptiveFieldResult>(this);
  const QString run = run_->chosenLegend();
  connect(watcher_, &QFutureWatcher<ReceptiveFieldResult>::finished, this, [this, request, run] {
    const ReceptiveFieldResult result = watcher_->result();
    watcher_->deleteLater();
    watcher_ = nullptr;
    computeButton_->setEnabled(true);
    if (!result.error.empty()) {
      shown_.reset();
      status_->setText(QString::fromStdString(result.error));
      heat_->clear(status_->text());
      input_->clear(QString());
    } else {
      showResult(result);
      const auto& u = result.field.unit;
      QString text = tr("%1%2, channel %3, y %4, x %5, on %6 %7 at the %8: ")
                         .arg(run.isEmpty() ? QString() : tr("Run %1: ").arg(run))
                         .arg(QString::fromStdString(u.node))
                         .arg(u.channel)
                         .arg(u.y)
                         .arg(u.x)
                         .arg(request.batch)
                         .arg(request.noise ? tr("gaussian noise inputs") : tr("training images"))
                         .arg(result.initialWeights ? tr("initial weights (seed %1)").arg(request.source->seed)
                                                    : tr("weights of step %1").arg(request.source->step));
      const auto& b = result.field.box;
      text += result.insideShare > 0
                  ? tr("%1% of the mean |gradient| lies inside the theoretical box (rows %2–%3, columns %4–%5).")
                        .arg(100 * result.insideShare, 0, 'f', 1)
                        .arg(b.top)
                        .arg(b.bottom)
                        .arg(b.left)
                        .arg(b.right)
                  : tr("the unit's gradient is zero on every input (a ReLU that never fires?): try another unit.");
      status_->setText(text);
    }
    emit finished();
  });
  watcher_->setFuture(QtConcurrent::run([request] { return computeReceptiveField(request); }));
}

void ReceptiveFieldView::showResult(const ReceptiveFieldResult& result) {
  shown_ = result;
  const auto& f = result.field;
  const int w = int(f.width), h = int(f.height);
  const QString xTitle = tr("x (input pixel)"), yTitle = tr("y (input pixel)");
  const QRectF box(QPointF(f.box.left - 0.5, f.box.top - 0.5), QPointF(f.box.right + 0.5, f.box.bottom + 0.5));
  input_->setTitle(tr("First input, with the theoretical field"));
  input_->setPicture(greyImage(result.firstInput, w, h), xTitle, yTitle);
  input_->setBox(box);
  HeatmapPlot::Field field;
  field.values = f.heat;
  field.cols = w, field.rows = h;
  field.x = {0, double(w - 1), xTitle};
  field.y = {0, double(h - 1), yTitle};
  field.valueTitle = tr("mean |∂ unit / ∂ pixel|");
  heat_->setTitle(tr("Effective receptive field of %1 (box: theoretical)").arg(QString::fromStdString(f.unit.node)));
  heat_->setField(std::move(field));
  heat_->setBox(box);
}

QString ReceptiveFieldView::csv() const {
  CsvTable table({"y", "x", "heat", "in_theoretical_field"});
  if (!shown_) return table.text();
  const analysis::EffectiveReceptiveField& f = shown_->field;
  for (uint32_t y = 0; y < f.height; ++y)
    for (uint32_t x = 0; x < f.width; ++x)
      table.row({QString::number(y), QString::number(x), CsvTable::number(f.at(y, x)),
                 f.box.contains(int(y), int(x)) ? "1" : "0"});
  return table.text();
}

}  // namespace gradlab::ui

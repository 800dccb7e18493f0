#include "model_export.h"

#include "export/model.h"
#include "export/onnx_model.h"
#include "export/pytorch_model.h"
#include "persist/atomic_file.h"
#include "persist/run_variant.h"
#include "util/printable.h"

#include <QFileDialog>
#include <QMessageBox>

namespace gradlab::ui {

QString pytorchWeightsPath(const QString& modulePath) {
  return (modulePath.endsWith(".py") ? modulePath.chopped(3) : modulePath) + ".npz";
}

QString runModelPath(const QString& path, const QString& label) {
  const qsizetype dot = path.lastIndexOf('.');
  return dot > path.lastIndexOf('/') ? path.left(dot) + "_" + label + path.mid(dot) : path + "_" + label;
}

namespace {

// Each run's path and experiment: the experiment itself for a run alone.
std::vector<std::pair<QString, persist::Experiment>> runsToExport(const persist::Experiment& experiment,
                                                                  const QString& path) {
  if (experiment.comparisons.empty()) return {{path, experiment}};
  std::vector<std::pair<QString, persist::Experiment>> runs{{runModelPath(path, "A"), experiment}};
  for (size_t i = 0; i < experiment.comparisons.size(); ++i) {
    const QString label = QString(QChar('B' + int(i)));  // a file name of the run's place, whatever it is called
    runs.emplace_back(runModelPath(path, label), persist::variantExperiment(experiment, experiment.comparisons[i]));
  }
  return runs;
}

void writeModel(const exporting::Model& model, const QString& path) {
  if (path.endsWith(".onnx")) {
    persist::writeFileAtomically(path.toStdString(), exporting::onnxBytes(model));
  } else {
    const std::string source = exporting::pytorchSource(model), weights = exporting::pytorchWeights(model);
    persist::writeFileAtomically(path.toStdString(), source);
    persist::writeFileAtomically(pytorchWeightsPath(path).toStdString(), weights);
  }
}

}  // namespace

bool exportModelTo(const persist::Experiment& experiment, const QString& path, QString* error, QStringList* written) {
  if (!path.endsWith(".onnx") && !path.endsWith(".py")) {
    *error = QObject::tr("Choose a file name ending in .onnx (ONNX) or .py (PyTorch).");
    return false;
  }
  try {
    // Every run's model is made before any file is written: a run that cannot be exported writes nothing.
    std::vector<std::pair<QString, exporting::Model>> models;
    for (const auto& [file, run] : runsToExport(experiment, path))
      models.emplace_back(file, exporting::experimentModel(run));
    for (const auto& [file, model] : models) {
      writeModel(model, file);
      if (written) *written << file;
    }
    return true;
  } catch (const std::exception& e) {  // a layer the format cannot express, or a failed write
    *error = QString::fromStdString(util::printableLines(e.what()));
    return false;
  }
}

void exportModel(QWidget* parent, const persist::Experiment& experiment) {
  const QString onnx = QObject::tr("ONNX model (*.onnx)"), pytorch = QObject::tr("PyTorch module and weights (*.py)");
  QString filter = onnx;
  QString path =
      QFileDialog::getSaveFileName(parent, QObject::tr("Export model"), QString(), onnx + ";;" + pytorch, &filter);
  if (path.isEmpty()) return;
  const QString extension = filter == pytorch ? ".py" : ".onnx";
  if (!path.endsWith(extension)) path += extension;
  QString error;
  QStringList written;
  if (!exportModelTo(experiment, path, &error, &written)) {
    QMessageBox::warning(parent, QObject::tr("Cannot export the model"), error);
    return;
  }
  const QString files = written.join(", ");
  QMessageBox::information(
      parent, QObject::tr("Model exported"),
      extension == ".py"
          ? QObject::tr("Wrote %1, each with its weights beside it (%2). In Python: model = Network(); "
                        "model.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load(\"%2\").items()}); "
                        "model.eval()")
                .arg(files, pytorchWeightsPath(written.front()))
          : QObject::tr("Wrote %1 (ONNX opset %2, the network in evaluation mode without its loss).")
                .arg(files)
                .arg(exporting::kOnnxOpset));
}

}  // namespace gradlab::ui

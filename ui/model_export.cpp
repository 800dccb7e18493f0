#include "model_export.h"

#include "export/model.h"
#include "export/onnx_model.h"
#include "export/pytorch_model.h"
#include "persist/atomic_file.h"
#include "util/printable.h"

#include <QFileDialog>
#include <QMessageBox>

namespace gradlab::ui {

QString pytorchWeightsPath(const QString& modulePath) {
  return (modulePath.endsWith(".py") ? modulePath.chopped(3) : modulePath) + ".npz";
}

bool exportModelTo(const persist::Experiment& experiment, const QString& path, QString* error) {
  try {
    const exporting::Model model = exporting::experimentModel(experiment);
    if (path.endsWith(".onnx")) {
      persist::writeFileAtomically(path.toStdString(), exporting::onnxBytes(model));
    } else if (path.endsWith(".py")) {
      const std::string source = exporting::pytorchSource(model), weights = exporting::pytorchWeights(model);
      persist::writeFileAtomically(path.toStdString(), source);
      persist::writeFileAtomically(pytorchWeightsPath(path).toStdString(), weights);
    } else {
      *error = QObject::tr("Choose a file name ending in .onnx (ONNX) or .py (PyTorch).");
      return false;
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
  if (!exportModelTo(experiment, path, &error)) {
    QMessageBox::warning(parent, QObject::tr("Cannot export the model"), error);
    return;
  }
  QMessageBox::information(
      parent, QObject::tr("Model exported"),
      extension == ".py"
          ? QObject::tr("Wrote %1 and its weights %2. In Python: model = Network(); model.load_state_dict({k: "
                        "torch.from_numpy(v) for k, v in numpy.load(\"%2\").items()}); model.eval()")
                .arg(path, pytorchWeightsPath(path))
          : QObject::tr("Wrote %1 (ONNX opset %2, the network in evaluation mode without its loss).")
                .arg(path)
                .arg(exporting::kOnnxOpset));
}

}  // namespace gradlab::ui

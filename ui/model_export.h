#pragma once
// File > Export Model: the experiment's network with its weights (trained, else its seed's
// initial ones) as ONNX, or as a PyTorch module with its weights in an .npz beside it. A set of
// runs gives one model per run, each with its own network and weights, named by the run's letter.
#include "persist/experiment.h"

#include <QString>
#include <QStringList>

class QWidget;

namespace gradlab::ui {

// The file name the weights of a PyTorch export get: model.py -> model.npz.
QString pytorchWeightsPath(const QString& modulePath);
// The file run `label` of a set is written to: model.onnx -> model_B.onnx.
QString runModelPath(const QString& path, const QString& label);
// Without dialogs: `path` ending in .onnx or .py (for a set, each run's runModelPath); false with
// a one-line message for the user. `written`, when given, gets the files written (a module's
// weights not listed).
bool exportModelTo(const persist::Experiment& experiment, const QString& path, QString* error,
                   QStringList* written = nullptr);
// Asks for the file and its format, exports, and says what it wrote or why not.
void exportModel(QWidget* parent, const persist::Experiment& experiment);

}  // namespace gradlab::ui

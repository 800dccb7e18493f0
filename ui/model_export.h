#pragma once
// File > Export Model: the experiment's network with its weights (trained, else its seed's
// initial ones) as ONNX, or as a PyTorch module with its weights in an .npz beside it.
#include "persist/experiment.h"

#include <QString>

class QWidget;

namespace gradlab::ui {

// The file name the weights of a PyTorch export get: model.py -> model.npz.
QString pytorchWeightsPath(const QString& modulePath);
// Without dialogs: `path` ending in .onnx or .py; false with a one-line message for the user.
bool exportModelTo(const persist::Experiment& experiment, const QString& path, QString* error);
// Asks for the file and its format, exports, and says what it wrote or why not.
void exportModel(QWidget* parent, const persist::Experiment& experiment);

}  // namespace gradlab::ui

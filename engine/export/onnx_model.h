#pragma once
// Models as ONNX (opset 13) through libonnx's protobuf classes: the logits of a network in
// evaluation form (BatchNorm with its running statistics, Dropout as ONNX's inference-mode Dropout,
// the identity), its weights as
// initializers, runnable by any ONNX runtime and viewable in Netron; and ONNX models made of the
// operators GradLab has layers for (such as torch.onnx.export of a Sequential of Linear, ReLU,
// Conv2d, MaxPool2d, Flatten, BatchNorm) read back into a network with weights and a
// CrossEntropyLoss on its output.
//
// Names: a node's ONNX node and output tensor carry the GradLab node's name, its initializers the
// tensor names ("c1.weight"), so export then import gives back the same graph and weights.
#include "export/model.h"

#include <string>

namespace gradlab::exporting {

inline constexpr int kOnnxOpset = 13;

// The serialized ModelProto. Throws ExportError naming the first layer ONNX cannot express.
std::string onnxBytes(const Model& model);
// Throws ExportError naming `name` and the first node GradLab cannot take (or why the bytes are
// not a model).
Model modelFromOnnx(const std::string& bytes, const std::string& name);
// ONNX's own checker on serialized bytes (onnx::checker::check_model); throws ExportError with
// its message.
void checkOnnx(const std::string& bytes);

}  // namespace gradlab::exporting

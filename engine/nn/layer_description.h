#pragma once
// What a layer type says about itself to the tools around training, so that they walk the graph
// without naming types: how the model exporters write it (a PyTorch module, ONNX nodes), how its
// outputs depend on its input's positions (receptive fields), and how it changes its input's
// moments at initialisation (the init theory overlay). Plain data and functions: nn knows no file
// format; engine/export and engine/analysis turn these into files, fields and predictions. Each
// layer file fills them in its registration (LayerDef::exports, spatial, moments).
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace gradlab::nn {

class NodeParams;
struct Node;
struct NodeInfo;

// A node of the exported torch module: its sub-module, or (no constructor) an expression that
// forward() computes from the inputs' names.
struct TorchModule {
  std::string constructor;  // "nn.Linear(784, 10, bias=True)"; empty: forward() computes `expression`
  std::string expression;   // "a + b"
};

struct OnnxAttribute {
  enum class Kind { Int, Float, Ints };
  Kind kind = Kind::Int;
  std::string name;
  int64_t integer = 0;
  double real = 0;  // written as float32
  std::vector<int64_t> integers;
};

// An input of an ONNX node: a value the graph computes (the graph's input, a node's output), one
// of the model's tensors under its GradLab name ("c1.weight", written as an initializer, in
// `shape` when given), or a constant the node brings (an initializer `name` of `shape`, `values`).
struct OnnxInput {
  enum class Kind { Value, Tensor, Constant };
  Kind kind = Kind::Value;
  std::string name;
  std::vector<uint32_t> shape;
  std::vector<float> values;
};

struct OnnxNode {
  std::string op, name, output;
  std::vector<OnnxInput> inputs;  // their initializers are written in this order, before the node
  std::vector<OnnxAttribute> attributes;
};

// How the model exporters write a node of the type (engine/export). A hook left empty makes that
// exporter refuse the type in one line.
struct LayerExport {
  std::function<TorchModule(const Node&, const NodeInfo&)> torch;
  // Integer zeros the torch module keeps in its state dict beside the layer's tensors
  // (BatchNorm's num_batches_tracked), so that load_state_dict finds every key.
  std::vector<std::string> torchCounters;
  // The node's ONNX nodes (opset 13) in order; the last one's output is the node's name.
  std::function<std::vector<OnnxNode>(const Node&, const NodeInfo&)> onnx;
  // Why opset 13 cannot express the type ("ONNX added LayerNormalization in opset 17"), for a type
  // without an onnx hook.
  std::string onnxRefusal;
};

// A kernel sliding over the input along each spatial axis. Transposed: a convolution with stride
// 1 / stride over the input.
struct KernelWindow {
  double kernel = 1, stride = 1, padding = 0, dilation = 1;
  bool transposed = false;
};

// Which input pixels a unit of the layer's output depends on, given its inputs' fields
// (analysis/receptive_field.h).
struct SpatialRule {
  enum class Kind {
    Whole,      // every unit sees the whole input; `note` says why
    PointWise,  // each value depends on the input value at its place (activations, Dropout)
    Window,     // a kernel slides over the input: `window`
    Union,      // the union of its inputs' fields (Add)
  };
  Kind kind = Kind::Whole;
  std::string note;
  std::function<KernelWindow(const NodeParams&)> window;
};

// How the layer changes its input's mean and E[x^2] at initialisation (analysis/init_theory.h).
struct MomentRule {
  enum class Kind {
    None,        // no rule: the prediction ends at this layer
    Keeps,       // the input's moments (Flatten)
    Affine,      // y = W x + b over fan_in inputs, by the initialisation of its Weight and Bias tensors
    Normalizes,  // mean 0 and variance 1 (normalisations at initialisation: scale 1, shift 0)
    PointWise,   // y = function(x, parameter) per value, x Gaussian
    Rescales,    // the mean kept, E[x^2] divided by meanSquareDivisor (Dropout in training: 1 - p)
  };
  Kind kind = Kind::None;
  double (*function)(double x, double parameter) = nullptr;
  std::string parameter;  // PointWise: the hyper-parameter passed as `parameter`; empty: 0
  std::function<double(const NodeParams&)> meanSquareDivisor;
};

}  // namespace gradlab::nn

#pragma once
// Every layer type GradLab knows: its PyTorch-style name and hyper-parameters, how many inputs it
// takes, how it maps input shapes to its output shape and parameter tensors, and the factory of
// its GPU layer. The parser, the graph checker, the palette, the inspector and Network all read
// this one table.
//
// Each layer file (nn/layers/*.cpp) declares its own types beside its GPU passes and reference, in
// a registration function at its end, with the helpers of nn::schema below; layer_catalog.cpp
// lists those functions in palette order. The registration also says how the type is exported,
// and what the receptive-field and init-theory analyses need (nn/layer_description.h).
#include "nn/hyper_params.h"
#include "nn/layer_description.h"
#include "nn/shape.h"

#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::nn {

class Layer;
struct NodeInfo;
struct LayerOptions;

// What a parameter tensor is, which decides its initialisation and whether weight decay applies.
enum class ParamRole { Weight, Bias, NormScale, NormShift, Slope };

struct ParamTensor {
  std::string name;  // "weight", "bias", ...
  Shape shape;
  ParamRole role = ParamRole::Weight;
  uint32_t fanIn = 0, fanOut = 0;  // for Xavier/He initialisation
};

struct LayerShape {
  Shape output;
  std::vector<ParamTensor> params;   // learned
  std::vector<ParamTensor> buffers;  // kept but not learned (BatchNorm's running statistics)

  uint64_t paramCount() const {
    uint64_t n = 0;
    for (const auto& p : params) n += p.shape.elements();
    return n;
  }
};

// A node's hyper-parameters with defaults filled in.
class NodeParams {
 public:
  NodeParams() = default;
  explicit NodeParams(std::map<std::string, ParamValue> values) : values_(std::move(values)) {}
  long long integer(const std::string& name) const { return values_.at(name).asInt(); }
  double real(const std::string& name) const { return values_.at(name).asFloat(); }
  bool flag(const std::string& name) const { return values_.at(name).asBool(); }
  const std::string& choice(const std::string& name) const { return values_.at(name).asChoice(); }
  const std::map<std::string, ParamValue>& values() const { return values_; }

 private:
  std::map<std::string, ParamValue> values_;
};

// Thrown by shape inference; the message is for the user and names what to change.
struct ShapeError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct LayerDef {
  std::string type;      // "Linear"
  std::string category;  // "Dense", "Convolution", "Pooling", "Activation", ...
  std::string summary;   // one line for the palette and tooltips
  uint32_t minInputs = 1, maxInputs = 1;
  bool loss = false;
  std::vector<ParamDef> params;
  std::function<LayerShape(const NodeParams&, const std::vector<Shape>&)> infer;
  // The GPU layer of a checked node of this type (nn::createLayer calls it).
  std::unique_ptr<Layer> (*create)(const NodeInfo& info, const LayerOptions& options) = nullptr;
  LayerExport exports;
  SpatialRule spatial;
  MomentRule moments;

  const ParamDef* param(std::string_view name) const {
    for (const auto& p : params)
      if (p.name == name) return &p;
    return nullptr;
  }
};

// A deque: the definitions stay where they are as types are added (NodeInfo::def points at them).
const std::deque<LayerDef>& layerCatalog();
const LayerDef* findLayer(std::string_view type);
// Adds a type after the built-in ones (a test's own layer type, a plug-in). Call it before any
// graph is analysed on another thread; throws std::invalid_argument for a type already known.
void registerLayer(LayerDef def);

// What a layer file's registration function declares its types with.
namespace schema {

ParamDef intParam(std::string name, std::string def, double min, double max, std::string help);
ParamDef floatParam(std::string name, std::string def, double min, double max, std::string help);
ParamDef boolParam(std::string name, std::string def, std::string help);
ParamDef choiceParam(std::string name, std::string def, std::vector<std::string> choices, std::string help);
// How weights and biases of Linear and the convolutions start (init, init_std, ..., bias, bias_init).
std::vector<ParamDef> initParams();
// out_channels, kernel_size, stride, padding, dilation (and output_padding when transposed).
std::vector<ParamDef> convParams(bool transposed);

const Shape& only(const std::vector<Shape>& inputs);
// Throw a ShapeError that says what to change.
void requireImage(const std::string& type, const Shape& s);
void requireFlat(const std::string& type, const Shape& s);
// The output size along one axis of a kernel k with stride s, padding p and dilation d.
uint32_t convOut(const std::string& type, uint32_t size, long long k, long long s, long long p, long long d,
                 const char* axis);

LayerShape identity(const NodeParams&, const std::vector<Shape>& inputs);
// A weight, and a bias of outFeatures when the node's bias flag is set.
LayerShape weightAndBias(const NodeParams& p, Shape output, Shape weight, uint32_t outFeatures, uint32_t fanIn,
                         uint32_t fanOut);
// A normalisation's scale and shift (affine) and running statistics (running).
LayerShape normAffine(const Shape& input, Shape paramShape, bool affine, bool running);

// A point-wise activation (output shaped as its input) and a loss (a flat input, one value).
LayerDef activation(std::string type, std::string summary, std::vector<ParamDef> params = {});
LayerDef loss(std::string type, std::string summary, std::vector<ParamDef> params = {});

// Export helpers. Python's spelling of a flag and of a number.
std::string pyBool(bool value);
std::string pyNumber(double value);
// A torch module of that constructor text ("nn.ReLU()").
std::function<TorchModule(const Node&, const NodeInfo&)> torchModule(std::string constructor);
// The node's one ONNX node `op` reading the node's inputs, with the given attributes.
OnnxNode onnxNode(const Node& node, std::string op, std::vector<OnnxAttribute> attributes = {});
// The same as a hook, for a type whose ONNX operator has no attributes.
std::function<std::vector<OnnxNode>(const Node&, const NodeInfo&)> onnxOperator(std::string op);
// Its first input, then its weight and (when it has one) its bias tensor: Gemm, Conv, ConvTranspose.
OnnxNode onnxWeighted(const Node& node, const NodeInfo& info, std::string op);
OnnxInput onnxTensor(std::string name, std::vector<uint32_t> shape = {});
OnnxInput onnxConstant(std::string name, std::vector<uint32_t> shape, std::vector<float> values);
OnnxAttribute onnxInt(std::string name, int64_t value);
OnnxAttribute onnxFloat(std::string name, double value);
OnnxAttribute onnxInts(std::string name, std::vector<int64_t> values);

}  // namespace schema

}  // namespace gradlab::nn

#pragma once
// Every layer type GradLab knows: its PyTorch-style name and hyper-parameters, how many inputs it
// takes, and how it maps input shapes to its output shape and parameter tensors. The parser, the
// graph checker, the palette and the inspector all read this one table.
#include "nn/hyper_params.h"
#include "nn/shape.h"

#include <functional>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::nn {

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

  const ParamDef* param(std::string_view name) const {
    for (const auto& p : params)
      if (p.name == name) return &p;
    return nullptr;
  }
};

const std::vector<LayerDef>& layerCatalog();
const LayerDef* findLayer(std::string_view type);

}  // namespace gradlab::nn

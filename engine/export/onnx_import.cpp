// ONNX import: ONNX nodes become GradLab nodes one for one, except those that change nothing in
// evaluation (Identity, Dropout, a Flatten of what is already flat), which become aliases of
// their input. Hyper-parameters are written only where they differ from GradLab's defaults, in
// the catalog's order, as a network file writes them.
#include "export/onnx_model.h"

#include "nn/hyper_params.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <set>

namespace gradlab::exporting {
namespace {

// The shortest text that reads back to the same float (ONNX attributes are float32).
std::string floatText(float value) {
  char text[32];
  for (int digits = 1; digits <= 9; ++digits) {
    std::snprintf(text, sizeof text, "%.*g", digits, double(value));
    if (std::strtof(text, nullptr) == value) break;
  }
  return nn::formatNumber(std::strtod(text, nullptr));
}

// `text` made an identifier: other characters become '_', a leading digit gets an 'n'.
std::string identifier(const std::string& text) {
  std::string out;
  for (char c : text) out += std::isalnum(static_cast<unsigned char>(c)) || c == '_' ? c : '_';
  while (!out.empty() && out.front() == '_') out.erase(out.begin());
  if (!out.empty() && std::isdigit(static_cast<unsigned char>(out.front()))) out = "n" + out;
  return out;
}

// Shapes followed through integer arithmetic: the batch size and sizes not known until the
// network is checked stand for themselves.
constexpr int64_t kBatch = INT64_MIN, kUnknown = INT64_MIN + 1;

struct Value {
  std::string node;  // the GradLab input or node that holds it
  size_t rank = 0;   // GradLab's rank of one sample: 1 flat, 3 an image
};

class Importer {
 public:
  Importer(const onnx::GraphProto& graph, const std::string& file) : graph_(graph), file_(file) {}
  Model run();

 private:
  [[noreturn]] void fail(const onnx::NodeProto& node, const std::string& why) const {
    throw ExportError(file_ + ": ONNX node '" + node.name() + "' (" + node.op_type() + ") " + why);
  }
  void readInitializers();
  void readInput();
  void readNode(const onnx::NodeProto& node);
  const Value& value(const onnx::NodeProto& node, int input) const;
  const persist::Tensor& constant(const onnx::NodeProto& node, int input) const;
  std::string uniqueName(const onnx::NodeProto& node);
  // Adds a node of `type` reading `inputs`, with `params` where they differ from the defaults.
  nn::Node& add(const onnx::NodeProto& node, const std::string& type, std::vector<std::string> inputs,
                std::map<std::string, std::string> params, size_t rank);
  void addTensor(const std::string& node, const std::string& name, persist::Tensor tensor) {
    model_.tensors[node + "." + name] = std::move(tensor);
  }
  void linear(const onnx::NodeProto& node);
  void convolution(const onnx::NodeProto& node);
  void pool(const onnx::NodeProto& node);
  void normalization(const onnx::NodeProto& node);
  void reshape(const onnx::NodeProto& node);
  void shapeArithmetic(const onnx::NodeProto& node);
  void readConstant(const onnx::TensorProto& tensor, const std::string& name);
  void fitTensorsToShapes();

  const onnx::GraphProto& graph_;
  std::string file_;
  Model model_;
  std::map<std::string, persist::Tensor> constants_;
  std::map<std::string, std::vector<int64_t>> integerConstants_;  // shapes of Reshape
  std::map<std::string, uint64_t> flattenedSizes_;                // node -> the size a Reshape gave
  std::map<std::string, Value> values_;
  std::set<std::string> names_;
};

persist::Tensor tensorOf(const onnx::TensorProto& t, const std::string& file) {
  if (t.data_type() != onnx::TensorProto::FLOAT)
    throw ExportError(file + ": ONNX tensor '" + t.name() + "' is not float32; GradLab imports float32 weights");
  persist::Tensor out;
  uint64_t count = 1;
  for (int64_t d : t.dims()) {
    if (d < 0 || d > (1 << 30)) throw ExportError(file + ": ONNX tensor '" + t.name() + "' has an invalid shape");
    out.shape.push_back(uint32_t(d));
    count *= uint64_t(d);
    // Larger than any layer takes (nn::kMaxParamsPerLayer), and the product cannot overflow.
    if (count > nn::kMaxParamsPerLayer)
      throw ExportError(file + ": ONNX tensor '" + t.name() + "' is larger than any GradLab layer takes");
  }
  if (t.has_raw_data()) {
    if (t.raw_data().size() != count * 4) throw ExportError(file + ": ONNX tensor '" + t.name() + "' is truncated");
    out.values.resize(count);
    std::memcpy(out.values.data(), t.raw_data().data(), count * 4);
  } else {
    if (uint64_t(t.float_data_size()) != count)
      throw ExportError(file + ": ONNX tensor '" + t.name() + "' is truncated");
    out.values.assign(t.float_data().begin(), t.float_data().end());
  }
  return out;
}

const onnx::AttributeProto* attribute(const onnx::NodeProto& node, const std::string& name) {
  for (const auto& a : node.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}
int64_t intAttribute(const onnx::NodeProto& node, const std::string& name, int64_t otherwise) {
  const auto* a = attribute(node, name);
  return a ? a->i() : otherwise;
}
float floatAttribute(const onnx::NodeProto& node, const std::string& name, float otherwise) {
  const auto* a = attribute(node, name);
  return a ? a->f() : otherwise;
}
std::vector<int64_t> intsAttribute(const onnx::NodeProto& node, const std::string& name) {
  const auto* a = attribute(node, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : std::vector<int64_t>{};
}

// Float tensors are weights; int64 ones the shapes a Reshape takes; others stay unread (a node that
// reads one is refused for it).
void Importer::readConstant(const onnx::TensorProto& tensor, const std::string& name) {
  if (tensor.data_type() == onnx::TensorProto::FLOAT) {
    constants_[name] = tensorOf(tensor, file_);
  } else if (tensor.data_type() == onnx::TensorProto::INT64) {
    std::vector<int64_t> values(tensor.int64_data().begin(), tensor.int64_data().end());
    if (tensor.has_raw_data()) {
      values.resize(tensor.raw_data().size() / sizeof(int64_t));
      std::memcpy(values.data(), tensor.raw_data().data(), values.size() * sizeof(int64_t));
    }
    integerConstants_[name] = values;
  }
}

void Importer::readInitializers() {
  for (const auto& t : graph_.initializer()) readConstant(t, t.name());
  for (const auto& node : graph_.node())
    if (node.op_type() == "Constant" && node.output_size() == 1) {
      const auto* a = attribute(node, "value");
      if (!a || !a->has_t()) fail(node, "holds no tensor GradLab can read");
      readConstant(a->t(), node.output(0));
    }
}

// A Reshape to batch x features (x.view(-1, K) in PyTorch) is a Flatten; K is checked against
// the flattened size once the network's shapes are known (fitTensorsToShapes).
void Importer::reshape(const onnx::NodeProto& node) {
  const Value& x = value(node, 0);
  const auto shape = integerConstants_.find(node.input_size() > 1 ? node.input(1) : std::string());
  const auto batchFirst = [](int64_t d) { return d == -1 || d == 0 || d == kBatch; };
  if (shape == integerConstants_.end() || shape->second.size() != 2 || !batchFirst(shape->second[0]) ||
      (shape->second[1] < 1 && shape->second[1] != -1))
    fail(node, "reshapes other than to batch x features; write torch.flatten(x, 1) or nn.Flatten() instead");
  const int64_t features = shape->second[1];
  const std::string flat = x.rank == 1 ? x.node : add(node, "Flatten", {x.node}, {}, 1).name;
  values_[node.output(0)] = {flat, 1};
  if (features > 0) flattenedSizes_[flat] = uint64_t(features);
}

void Importer::readInput() {
  for (const auto& in : graph_.input()) {
    if (constants_.count(in.name())) continue;  // older exporters list initializers as inputs too
    const auto& dims = in.type().tensor_type().shape().dim();
    if (dims.size() != 2 && dims.size() != 4)
      throw ExportError(file_ + ": the ONNX input '" + in.name() +
                        "' is not batch x features or batch x channels x height x width");
    nn::GraphInput input{identifier(in.name()), {}};
    if (input.name.empty()) input.name = "x";
    for (int i = 1; i < dims.size(); ++i) {
      if (!dims[i].has_dim_value() || dims[i].dim_value() < 1 || dims[i].dim_value() > (1 << 20))
        throw ExportError(file_ + ": the ONNX input '" + in.name() + "' has no fixed size in dimension " +
                          std::to_string(i) + "; GradLab needs every size but the batch");
      input.shape.dims.push_back(uint32_t(dims[i].dim_value()));
    }
    names_.insert(input.name);
    values_[in.name()] = {input.name, input.shape.rank()};
    model_.graph.inputs.push_back(input);
    return;
  }
  throw ExportError(file_ + ": the ONNX graph has no input");
}

const Value& Importer::value(const onnx::NodeProto& node, int input) const {
  if (input >= node.input_size()) fail(node, "lacks input " + std::to_string(input + 1));
  const auto it = values_.find(node.input(input));
  if (it == values_.end()) fail(node, "reads '" + node.input(input) + "', which no earlier node computes");
  return it->second;
}

const persist::Tensor& Importer::constant(const onnx::NodeProto& node, int input) const {
  if (input >= node.input_size()) fail(node, "lacks input " + std::to_string(input + 1));
  const auto it = constants_.find(node.input(input));
  if (it == constants_.end())
    fail(node, "computes its input " + std::to_string(input + 1) + " ('" + node.input(input) +
                   "'); GradLab imports weights that are initializers");
  return it->second;
}

// torch.onnx.export names nodes "/module/path/OpType": the module's path names the layer. A node
// without one is named after its operator ("relu", "add_2").
std::string Importer::uniqueName(const onnx::NodeProto& node) {
  std::string path = node.name();
  if (const size_t slash = path.rfind('/'); slash != std::string::npos && path.find(node.op_type(), slash) == slash + 1)
    path.erase(slash);
  std::string base = identifier(path);
  if (base.empty())
    for (char c : identifier(node.op_type())) base += char(std::tolower(static_cast<unsigned char>(c)));
  if (base.empty()) base = "node";
  std::string name = base;
  for (int i = 2; names_.count(name); ++i) name = base + "_" + std::to_string(i);
  names_.insert(name);
  return name;
}

nn::Node& Importer::add(const onnx::NodeProto& node, const std::string& type, std::vector<std::string> inputs,
                        std::map<std::string, std::string> params, size_t rank) {
  const nn::LayerDef* def = nn::findLayer(type);
  nn::Node out{uniqueName(node), type, std::move(inputs), {}, 0};
  for (const nn::ParamDef& p : def->params) {
    const auto it = params.find(p.name);
    if (it == params.end()) continue;
    std::string error;
    const auto given = nn::ParamValue::parse(p, it->second, &error);
    if (!given) fail(node, "sets " + p.name + " to " + it->second + ", which GradLab's " + type + " refuses: " + error);
    const auto standard = p.required() ? std::nullopt : nn::ParamValue::parse(p, p.defaultValue, &error);
    if (!standard || !(*standard == *given)) out.params.push_back({p.name, given->text()});
  }
  values_[node.output(0)] = {out.name, rank};
  model_.graph.nodes.push_back(out);
  return model_.graph.nodes.back();
}

void Importer::linear(const onnx::NodeProto& node) {
  const Value& x = value(node, 0);
  persist::Tensor weight = constant(node, 1);
  if (weight.shape.size() != 2) fail(node, "has a weight that is not a matrix");
  const bool matMul = node.op_type() == "MatMul";
  if (!matMul && (floatAttribute(node, "alpha", 1) != 1 || floatAttribute(node, "beta", 1) != 1 ||
                  intAttribute(node, "transA", 0) != 0))
    fail(node, "scales or transposes its input; GradLab's Linear computes x W^T + b");
  if (matMul || intAttribute(node, "transB", 0) == 0) {  // B is in x out: Linear keeps out x in
    persist::Tensor transposed{{weight.shape[1], weight.shape[0]}, std::vector<float>(weight.values.size())};
    for (uint32_t r = 0; r < weight.shape[0]; ++r)
      for (uint32_t c = 0; c < weight.shape[1]; ++c)
        transposed.values[size_t(c) * weight.shape[0] + r] = weight.values[size_t(r) * weight.shape[1] + c];
    weight = transposed;
  }
  const bool bias = !matMul && node.input_size() > 2 && !node.input(2).empty();
  std::map<std::string, std::string> params{{"out_features", std::to_string(weight.shape[0])}};
  if (!bias) params["bias"] = "false";
  const nn::Node& added = add(node, "Linear", {x.node}, params, 1);
  addTensor(added.name, "weight", weight);
  if (bias) addTensor(added.name, "bias", constant(node, 2));
}

// The one value of a square kernel's attribute (kernel_shape, strides, dilations: 2 equal values;
// pads: 4), or `otherwise` when absent.
int64_t squareAttribute(const onnx::NodeProto& node, const std::string& name, int64_t otherwise,
                        const std::function<void(const std::string&)>& fail) {
  const auto values = intsAttribute(node, name);
  if (values.empty()) return otherwise;
  for (int64_t v : values)
    if (v != values[0]) fail("has " + name + " that differ by axis; GradLab's layers are square and symmetric");
  return values[0];
}

void Importer::convolution(const onnx::NodeProto& node) {
  const auto failWith = [&](const std::string& why) { fail(node, why); };
  const Value& x = value(node, 0);
  const persist::Tensor& weight = constant(node, 1);
  if (weight.shape.size() != 4) fail(node, "has a weight that is not 4-dimensional");
  if (intAttribute(node, "group", 1) != 1) fail(node, "is a grouped convolution; GradLab's have one group");
  if (const auto* pad = attribute(node, "auto_pad"); pad && pad->s() != "NOTSET")
    fail(node, "pads automatically (auto_pad); GradLab needs explicit padding");
  if (attribute(node, "output_shape")) fail(node, "sets output_shape; GradLab needs output_padding instead");
  const bool transposed = node.op_type() == "ConvTranspose";
  std::map<std::string, std::string> params{
      {"out_channels", std::to_string(weight.shape[transposed ? 1 : 0])},
      {"kernel_size", std::to_string(squareAttribute(node, "kernel_shape", weight.shape[2], failWith))},
      {"stride", std::to_string(squareAttribute(node, "strides", 1, failWith))},
      {"padding", std::to_string(squareAttribute(node, "pads", 0, failWith))},
      {"dilation", std::to_string(squareAttribute(node, "dilations", 1, failWith))}};
  if (transposed) params["output_padding"] = std::to_string(squareAttribute(node, "output_padding", 0, failWith));
  const bool bias = node.input_size() > 2 && !node.input(2).empty();
  if (!bias) params["bias"] = "false";
  const nn::Node& added = add(node, transposed ? "ConvTranspose2d" : "Conv2d", {x.node}, params, 3);
  addTensor(added.name, "weight", weight);
  if (bias) addTensor(added.name, "bias", constant(node, 2));
}

void Importer::pool(const onnx::NodeProto& node) {
  const auto failWith = [&](const std::string& why) { fail(node, why); };
  const Value& x = value(node, 0);
  if (node.op_type() == "GlobalAveragePool") {
    add(node, "GlobalAvgPool2d", {x.node}, {}, 1);  // GradLab's output is flat already
    return;
  }
  if (intAttribute(node, "ceil_mode", 0) != 0) fail(node, "rounds its output size up (ceil_mode); GradLab rounds down");
  if (squareAttribute(node, "dilations", 1, failWith) != 1) fail(node, "has dilated windows; GradLab's have none");
  if (const auto* pad = attribute(node, "auto_pad"); pad && pad->s() != "NOTSET")
    fail(node, "pads automatically (auto_pad); GradLab needs explicit padding");
  const int64_t k = squareAttribute(node, "kernel_shape", 0, failWith);
  if (k < 1) fail(node, "has no kernel_shape");
  const int64_t stride = squareAttribute(node, "strides", 1, failWith),
                pad = squareAttribute(node, "pads", 0, failWith);
  std::map<std::string, std::string> params{{"kernel_size", std::to_string(k)}, {"padding", std::to_string(pad)}};
  if (stride != k) params["stride"] = std::to_string(stride);
  const bool average = node.op_type() == "AveragePool";
  if (average && pad > 0 && intAttribute(node, "count_include_pad", 0) == 0) params["count_include_pad"] = "false";
  add(node, average ? "AvgPool2d" : "MaxPool2d", {x.node}, params, 3);
}

// GradLab writes a normalisation without scale and shift as constants named NODE.onnx_scale and
// NODE.onnx_shift; other exporters' ones and zeros under other names count as a plain normalisation too.
void Importer::normalization(const onnx::NodeProto& node) {
  const Value& x = value(node, 0);
  const persist::Tensor &scale = constant(node, 1), &shift = constant(node, 2);
  const auto all = [](const persist::Tensor& t, float v) {
    return std::all_of(t.values.begin(), t.values.end(), [v](float e) { return e == v; });
  };
  const bool named = node.input(1).ends_with(".weight") && node.input(2).ends_with(".bias");
  const bool affine = named || !all(scale, 1) || !all(shift, 0);
  const bool batch = node.op_type() == "BatchNormalization";
  std::map<std::string, std::string> params{{"eps", floatText(floatAttribute(node, "epsilon", 1e-5f))},
                                            {"affine", affine ? "true" : "false"}};
  if (batch) {
    char momentum[32];  // ONNX's weighs the old value; six digits drop float32's residue of 1 - m
    std::snprintf(momentum, sizeof momentum, "%.6g", 1.0 - double(floatAttribute(node, "momentum", 0.9f)));
    params["momentum"] = momentum;
  } else if (x.rank != 3) {
    fail(node, "normalises an input that is not an image; GradLab's InstanceNorm2d takes images");
  }
  const std::string type = !batch ? "InstanceNorm2d" : x.rank == 1 ? "BatchNorm1d" : "BatchNorm2d";
  const nn::Node& added = add(node, type, {x.node}, params, x.rank);
  if (affine) {
    addTensor(added.name, "weight", scale);
    addTensor(added.name, "bias", shift);
  }
  if (batch) {
    addTensor(added.name, "running_mean", constant(node, 3));
    addTensor(added.name, "running_var", constant(node, 4));
  }
}

// The integer arithmetic torch.onnx.export writes for x.view(x.size(0), -1) (Shape, Gather,
// Unsqueeze, Concat), followed with the batch size as a symbol, so that the Reshape it feeds is
// known to keep one row per sample.
void Importer::shapeArithmetic(const onnx::NodeProto& node) {
  const auto integers = [&](int i) -> const std::vector<int64_t>& {
    const auto it = integerConstants_.find(i < node.input_size() ? node.input(i) : std::string());
    if (it == integerConstants_.end()) fail(node, "computes on values other than a shape; GradLab has no layer for it");
    return it->second;
  };
  const std::string& op = node.op_type();
  std::vector<int64_t> out;
  if (op == "Shape") {
    out.push_back(kBatch);
    out.insert(out.end(), value(node, 0).rank, kUnknown);
  } else if (op == "Gather") {
    const std::vector<int64_t>& data = integers(0);
    if (intAttribute(node, "axis", 0) != 0) fail(node, "gathers along an axis other than 0");
    for (int64_t i : integers(1)) {
      if (i < 0) i += int64_t(data.size());
      if (i < 0 || i >= int64_t(data.size())) fail(node, "gathers outside the shape it reads");
      out.push_back(data[size_t(i)]);
    }
  } else if (op == "Concat") {
    for (int i = 0; i < node.input_size(); ++i) out.insert(out.end(), integers(i).begin(), integers(i).end());
  } else {  // Unsqueeze, Squeeze: a scalar and a vector of one are alike here
    out = integers(0);
  }
  integerConstants_[node.output(0)] = out;
}

void Importer::readNode(const onnx::NodeProto& node) {
  const std::string& op = node.op_type();
  if (op == "Constant") return;
  if (node.output_size() < 1) fail(node, "has no output");
  if (op == "Gemm" || op == "MatMul") return linear(node);
  if (op == "Conv" || op == "ConvTranspose") return convolution(node);
  if (op == "MaxPool" || op == "AveragePool" || op == "GlobalAveragePool") return pool(node);
  if (op == "BatchNormalization" || op == "InstanceNormalization") return normalization(node);
  if (op == "Dropout" && node.input_size() == 2 && constants_.count(node.input(1))) {
    const persist::Tensor& ratio = constant(node, 1);
    if (ratio.values.size() != 1) fail(node, "has a ratio that is not one number");
    add(node, "Dropout", {value(node, 0).node}, {{"p", floatText(ratio.values[0])}}, value(node, 0).rank);
    return;
  }
  if (op == "Identity" || op == "Dropout") {  // without a ratio: the identity it is in evaluation
    values_[node.output(0)] = value(node, 0);
    return;
  }
  if (op == "Reshape") return reshape(node);
  if (op == "Shape" || op == "Gather" || op == "Unsqueeze" || op == "Squeeze" || op == "Concat")
    return shapeArithmetic(node);
  if (op == "Flatten") {
    if (intAttribute(node, "axis", 1) != 1) fail(node, "flattens from an axis other than 1");
    const Value& x = value(node, 0);
    if (x.rank == 1)
      values_[node.output(0)] = x;
    else
      add(node, "Flatten", {x.node}, {}, 1);
    return;
  }
  if (op == "Add" || op == "Sum") {
    std::vector<std::string> inputs;
    for (int i = 0; i < node.input_size(); ++i) inputs.push_back(value(node, i).node);
    add(node, "Add", inputs, {}, value(node, 0).rank);
    return;
  }
  static const std::map<std::string, std::string> activations{
      {"Relu", "ReLU"}, {"Sigmoid", "Sigmoid"}, {"Tanh", "Tanh"}, {"LeakyRelu", "LeakyReLU"}, {"Elu", "ELU"}};
  if (const auto it = activations.find(op); it != activations.end()) {
    std::map<std::string, std::string> params;
    if (op == "LeakyRelu") params["negative_slope"] = floatText(floatAttribute(node, "alpha", 0.01f));
    if (op == "Elu") params["alpha"] = floatText(floatAttribute(node, "alpha", 1.0f));
    add(node, it->second, {value(node, 0).node}, params, value(node, 0).rank);
    return;
  }
  if (op == "PRelu") {
    persist::Tensor slope = constant(node, 1);
    // The slope broadcasts from the right: one per channel of an image is C x 1 x 1 (a plain C
    // would pair with the image's columns).
    const std::vector<uint32_t>& d = slope.shape;
    const bool perChannel = value(node, 0).rank == 3 ? d.size() == 3 && d[1] == 1 && d[2] == 1 : d.size() <= 2;
    if (slope.values.size() > 1 && !perChannel) fail(node, "has slopes that are not one per channel");
    slope.shape = {uint32_t(slope.values.size())};
    const nn::Node& added = add(node, "PReLU", {value(node, 0).node},
                                {{"num_parameters", std::to_string(slope.values.size())}}, value(node, 0).rank);
    addTensor(added.name, "weight", slope);
    return;
  }
  fail(node,
       "has no GradLab layer; GradLab imports Gemm, MatMul, Conv, ConvTranspose, MaxPool, AveragePool, "
       "GlobalAveragePool, Flatten, Add, Sum, Relu, LeakyRelu, Elu, PRelu, Sigmoid, Tanh, BatchNormalization, "
       "InstanceNormalization, Dropout, Identity and Reshape to batch x features");
}

// Every tensor in the shape GradLab's layer has (a bias of 1 x N, a slope of C x 1 x 1 come
// flat), and none missing or of the wrong size.
void Importer::fitTensorsToShapes() {
  const nn::GraphAnalysis analysis = nn::analyze(model_.graph);
  if (!analysis.ok()) throw ExportError(file_ + ": the imported network does not check: " + analysis.errorText());
  for (const auto& [node, size] : flattenedSizes_)
    if (const auto it = analysis.shapes.find(node); it != analysis.shapes.end() && it->second.elements() != size)
      throw ExportError(file_ + ": a Reshape makes rows of " + std::to_string(size) + " values from " + node + "'s " +
                        std::to_string(it->second.elements()) + ": GradLab keeps one row per sample");
  for (size_t i = 0; i < model_.graph.nodes.size(); ++i) {
    const nn::LayerShape& shape = analysis.nodes[i].shape;
    for (const auto* list : {&shape.params, &shape.buffers})
      for (const nn::ParamTensor& t : *list) {
        const std::string name = model_.graph.nodes[i].name + "." + t.name;
        const auto it = model_.tensors.find(name);
        if (it == model_.tensors.end() || it->second.values.size() != t.shape.elements())
          throw ExportError(file_ + ": the ONNX weights of " + name + " do not have the " + t.shape.text() +
                            " values its layer needs");
        it->second.shape = t.shape.dims;
      }
  }
}

Model Importer::run() {
  readInitializers();
  readInput();
  for (const auto& node : graph_.node()) readNode(node);
  if (graph_.output_size() < 1) throw ExportError(file_ + ": the ONNX graph has no output");
  const auto out = values_.find(graph_.output(0).name());
  if (out == values_.end() || out->second.node == model_.graph.inputs[0].name)
    throw ExportError(file_ + ": the ONNX output '" + graph_.output(0).name() + "' is not computed by a layer");
  onnx::NodeProto loss;
  loss.set_name("loss");
  loss.add_output("");
  add(loss, "CrossEntropyLoss", {out->second.node}, {}, 1);
  for (char c : graph_.name())  // a title is one quoted line in the network's text
    if (std::isprint(static_cast<unsigned char>(c)) && c != '"' && c != '\\') model_.graph.title += c;
  fitTensorsToShapes();
  return model_;
}

}  // namespace

Model modelFromOnnx(const std::string& bytes, const std::string& name) {
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes) || !proto.has_graph())
    throw ExportError(name + ": not an ONNX model (it does not parse as one)");
  return Importer(proto.graph(), name).run();
}

}  // namespace gradlab::exporting

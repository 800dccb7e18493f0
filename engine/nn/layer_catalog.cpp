#include "nn/layer_catalog.h"

#include "nn/graph.h"
#include "nn/layer.h"

#include <algorithm>

namespace gradlab::nn {

namespace layers {
// Each layer file's registration (its end): its types' schema, shape rule and factory.
void registerLinear(std::vector<LayerDef>& catalog);
void registerConv2d(std::vector<LayerDef>& catalog);
void registerConvTranspose2d(std::vector<LayerDef>& catalog);
void registerPool2d(std::vector<LayerDef>& catalog);
void registerFlatten(std::vector<LayerDef>& catalog);
void registerAdd(std::vector<LayerDef>& catalog);
void registerActivations(std::vector<LayerDef>& catalog);
void registerPRelu(std::vector<LayerDef>& catalog);
void registerDropout(std::vector<LayerDef>& catalog);
void registerBatchNorm(std::vector<LayerDef>& catalog);
void registerLayerNorm(std::vector<LayerDef>& catalog);
void registerInstanceNorm(std::vector<LayerDef>& catalog);
void registerGroupNorm(std::vector<LayerDef>& catalog);
void registerCrossEntropyLoss(std::vector<LayerDef>& catalog);
void registerMseLoss(std::vector<LayerDef>& catalog);
void registerBceWithLogitsLoss(std::vector<LayerDef>& catalog);
void registerMultiMarginLoss(std::vector<LayerDef>& catalog);
}  // namespace layers

// The registration functions in palette order: a new layer adds its line here. An explicit list
// rather than layers that register themselves from static objects, because the engine is a static
// library: the linker leaves out an object file nothing references, so a self-registering layer
// would silently vanish from every program that does not name it (short of --whole-archive or an
// object library in every consumer's link), and the order of static initialisation across files
// is unspecified (the catalog could be read before a layer added itself; the palette's order
// would be the link order). The list is built on first use, after static initialisation.
namespace {
std::deque<LayerDef>& catalogEntries() {
  static std::deque<LayerDef> catalog = [] {
    std::vector<LayerDef> all;
    for (auto add :
         {layers::registerLinear, layers::registerConv2d, layers::registerConvTranspose2d, layers::registerPool2d,
          layers::registerFlatten, layers::registerAdd, layers::registerActivations, layers::registerPRelu,
          layers::registerDropout, layers::registerBatchNorm, layers::registerLayerNorm, layers::registerInstanceNorm,
          layers::registerGroupNorm, layers::registerCrossEntropyLoss, layers::registerMseLoss,
          layers::registerBceWithLogitsLoss, layers::registerMultiMarginLoss})
      add(all);
    return std::deque<LayerDef>(std::make_move_iterator(all.begin()), std::make_move_iterator(all.end()));
  }();
  return catalog;
}
}  // namespace

const std::deque<LayerDef>& layerCatalog() { return catalogEntries(); }

void registerLayer(LayerDef def) {
  if (findLayer(def.type)) throw std::invalid_argument("layer type " + def.type + " is registered already");
  catalogEntries().push_back(std::move(def));
}

const LayerDef* findLayer(std::string_view type) {
  for (const auto& def : layerCatalog())
    if (def.type == type) return &def;
  return nullptr;
}

std::unique_ptr<Layer> createLayer(const NodeInfo& info, const LayerOptions& options) {
  if (!info.valid || !info.def) throw std::invalid_argument("createLayer needs a checked node");
  if (!info.def->create) throw std::invalid_argument(info.def->type + " cannot be trained on the GPU yet");
  return info.def->create(info, options);
}

namespace schema {

ParamDef intParam(std::string name, std::string def, double min, double max, std::string help) {
  return {std::move(name), ParamKind::Int, std::move(def), min, max, {}, std::move(help)};
}
ParamDef floatParam(std::string name, std::string def, double min, double max, std::string help) {
  return {std::move(name), ParamKind::Float, std::move(def), min, max, {}, std::move(help)};
}
ParamDef boolParam(std::string name, std::string def, std::string help) {
  return {std::move(name), ParamKind::Bool, std::move(def), 0, 0, {}, std::move(help)};
}
ParamDef choiceParam(std::string name, std::string def, std::vector<std::string> choices, std::string help) {
  return {std::move(name), ParamKind::Choice, std::move(def), 0, 0, std::move(choices), std::move(help)};
}

std::vector<ParamDef> initParams() {
  return {
      choiceParam(
          "init", "default",
          {"default", "zeros", "constant", "normal", "uniform", "xavier_normal", "xavier_uniform", "kaiming_normal",
           "kaiming_uniform", "scaled_variance"},
          "how the weights start: default is what torch.nn gives the layer (uniform within +-1/sqrt(fan_in)); the "
          "others are torch.nn.init's functions (xavier_* suits tanh, kaiming_* suits ReLU)"),
      floatParam("init_std", "0.01", 0, 100, "standard deviation for init=normal (torch.nn.init.normal_'s std)"),
      floatParam("init_a", "0.05", 0, 100,
                 "half-width for init=uniform: weights in [-init_a, init_a] (torch.nn.init.uniform_)"),
      floatParam("init_value", "0.0", -100, 100, "value for init=constant (torch.nn.init.constant_'s val)"),
      floatParam("init_gain", "1.0", 0, 100,
                 "gain for init=xavier_*: scales the standard deviation sqrt(2 / (fan_in + fan_out))"),
      floatParam("init_c", "1.0", 0, 100, "variance c / fan_in for init=scaled_variance (1, 2, 3 in the classic demo)"),
      choiceParam("init_mode", "fan_in", {"fan_in", "fan_out"},
                  "for init=kaiming_*: fan_in keeps the forward signal's variance, fan_out the backward gradient's"),
      choiceParam("init_nonlinearity", "relu", {"linear", "sigmoid", "tanh", "relu", "leaky_relu"},
                  "for init=kaiming_*: the activation after the layer, whose gain is used (relu: sqrt(2))"),
      boolParam("bias", "true", "whether the layer adds a learned bias (torch.nn's bias=True)"),
      choiceParam(
          "bias_init", "zeros", {"zeros", "default", "constant"},
          "how the bias starts: zeros, or default as torch.nn does (uniform within +-1/sqrt(fan_in)), or init_value"),
  };
}

std::vector<ParamDef> convParams(bool transposed) {
  std::vector<ParamDef> params = {
      intParam("out_channels", "", 1, 4096, "number of output channels (filters)"),
      intParam("kernel_size", "", 1, 64, "kernel height and width: one number, the kernel is square"),
      intParam("stride", "1", 1, 64, "step between kernel positions; 2 halves the image"),
      intParam("padding", "0", 0, 64,
               "zeros added on each side of the input; (kernel_size - 1) / 2 keeps the size at stride 1"),
      intParam("dilation", "1", 1, 64, "spacing between kernel taps (1: a plain kernel); widens the receptive field"),
  };
  if (transposed)
    params.push_back(intParam("output_padding", "0", 0, 63,
                              "extra size added to one side of the output, below the stride or the dilation"));
  return params;
}

const Shape& only(const std::vector<Shape>& inputs) { return inputs.at(0); }

void requireImage(const std::string& type, const Shape& s) {
  if (!s.isImage())
    throw ShapeError(type + " expects an image input (channels x height x width), got " + s.text() +
                     (s.rank() == 1 ? ": it has to come before any Flatten or Linear" : ""));
}

void requireFlat(const std::string& type, const Shape& s) {
  if (s.rank() != 1)
    throw ShapeError(type + " expects a flat input of features, got " + s.text() + ": add a Flatten before it");
}

uint32_t convOut(const std::string& type, uint32_t size, long long k, long long s, long long p, long long d,
                 const char* axis) {
  const long long span = d * (k - 1) + 1;
  const long long out = (static_cast<long long>(size) + 2 * p - span) / s + 1;
  if (static_cast<long long>(size) + 2 * p < span || out < 1)
    throw ShapeError(type + ": the kernel (" + std::to_string(k) + (d > 1 ? ", dilation " + std::to_string(d) : "") +
                     ") does not fit the input " + axis + " of " + std::to_string(size) +
                     (p ? " with padding " + std::to_string(p) : "") + ": use a smaller kernel or more padding");
  return uint32_t(out);
}

LayerShape identity(const NodeParams&, const std::vector<Shape>& inputs) { return {only(inputs), {}, {}}; }

LayerShape weightAndBias(const NodeParams& p, Shape output, Shape weight, uint32_t outFeatures, uint32_t fanIn,
                         uint32_t fanOut) {
  LayerShape out{std::move(output), {{"weight", std::move(weight), ParamRole::Weight, fanIn, fanOut}}, {}};
  if (p.flag("bias")) out.params.push_back({"bias", Shape{outFeatures}, ParamRole::Bias, fanIn, fanOut});
  return out;
}

LayerDef activation(std::string type, std::string summary, std::vector<ParamDef> params) {
  LayerDef def;
  def.type = std::move(type);
  def.category = "Activation";
  def.summary = std::move(summary);
  def.params = std::move(params);
  def.infer = identity;
  def.spatial.kind = SpatialRule::Kind::PointWise;
  return def;
}

LayerDef loss(std::string type, std::string summary, std::vector<ParamDef> params) {
  LayerDef def;
  def.type = std::move(type);
  def.category = "Loss";
  def.summary = std::move(summary);
  def.loss = true;
  def.params = std::move(params);
  def.spatial.note = "a loss";
  const std::string name = def.type;
  def.infer = [name](const NodeParams&, const std::vector<Shape>& inputs) {
    requireFlat(name, only(inputs));
    return LayerShape{Shape{1}, {}, {}};
  };
  return def;
}

LayerShape normAffine(const Shape& input, Shape paramShape, bool affine, bool running) {
  LayerShape out{input, {}, {}};
  if (affine) {
    out.params.push_back({"weight", paramShape, ParamRole::NormScale, 0, 0});
    out.params.push_back({"bias", paramShape, ParamRole::NormShift, 0, 0});
  }
  if (running) {
    out.buffers.push_back({"running_mean", paramShape, ParamRole::NormShift, 0, 0});
    out.buffers.push_back({"running_var", paramShape, ParamRole::NormScale, 0, 0});
  }
  return out;
}

std::string pyBool(bool value) { return value ? "True" : "False"; }
std::string pyNumber(double value) { return formatNumber(value); }

std::function<TorchModule(const Node&, const NodeInfo&)> torchModule(std::string constructor) {
  return [constructor](const Node&, const NodeInfo&) { return TorchModule{constructor, {}}; };
}

OnnxNode onnxNode(const Node& node, std::string op, std::vector<OnnxAttribute> attributes) {
  OnnxNode out{std::move(op), node.name, node.name, {}, std::move(attributes)};
  for (const auto& in : node.inputs) out.inputs.push_back({OnnxInput::Kind::Value, in, {}, {}});
  return out;
}

std::function<std::vector<OnnxNode>(const Node&, const NodeInfo&)> onnxOperator(std::string op) {
  return [op](const Node& node, const NodeInfo&) { return std::vector<OnnxNode>{onnxNode(node, op)}; };
}

OnnxNode onnxWeighted(const Node& node, const NodeInfo& info, std::string op) {
  OnnxNode out{std::move(op), node.name, node.name, {{OnnxInput::Kind::Value, node.inputs.at(0), {}, {}}}, {}};
  out.inputs.push_back(onnxTensor(node.name + ".weight"));
  if (info.shape.params.size() > 1) out.inputs.push_back(onnxTensor(node.name + ".bias"));
  return out;
}

OnnxInput onnxTensor(std::string name, std::vector<uint32_t> shape) {
  return {OnnxInput::Kind::Tensor, std::move(name), std::move(shape), {}};
}
OnnxInput onnxConstant(std::string name, std::vector<uint32_t> shape, std::vector<float> values) {
  return {OnnxInput::Kind::Constant, std::move(name), std::move(shape), std::move(values)};
}
OnnxAttribute onnxInt(std::string name, int64_t value) {
  return {OnnxAttribute::Kind::Int, std::move(name), value, 0, {}};
}
OnnxAttribute onnxFloat(std::string name, double value) {
  return {OnnxAttribute::Kind::Float, std::move(name), 0, value, {}};
}
OnnxAttribute onnxInts(std::string name, std::vector<int64_t> values) {
  return {OnnxAttribute::Kind::Ints, std::move(name), 0, 0, std::move(values)};
}

}  // namespace schema
}  // namespace gradlab::nn

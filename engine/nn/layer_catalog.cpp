#include "nn/layer_catalog.h"

#include <algorithm>

namespace gradlab::nn {
namespace {

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

// How weights and biases of Linear and the convolutions start.
std::vector<ParamDef> initParams() {
  return {
      choiceParam("init", "default",
                  {"default", "zeros", "constant", "normal", "uniform", "xavier_normal", "xavier_uniform",
                   "kaiming_normal", "kaiming_uniform", "scaled_variance"},
                  "weight initialisation; default is PyTorch's (uniform within 1/sqrt(fan_in))"),
      floatParam("init_std", "0.01", 0, 100, "standard deviation for init=normal"),
      floatParam("init_a", "0.05", 0, 100, "half-width for init=uniform"),
      floatParam("init_value", "0.0", -100, 100, "value for init=constant"),
      floatParam("init_gain", "1.0", 0, 100, "gain for Xavier initialisation"),
      floatParam("init_c", "1.0", 0, 100, "variance c / fan_in for init=scaled_variance (1, 2, 3 in the classic demo)"),
      choiceParam("init_mode", "fan_in", {"fan_in", "fan_out"}, "which fan Kaiming initialisation preserves"),
      choiceParam("init_nonlinearity", "relu", {"linear", "sigmoid", "tanh", "relu", "leaky_relu"},
                  "the activation Kaiming initialisation's gain is computed for"),
      boolParam("bias", "true", "whether the layer adds a learned bias"),
      choiceParam("bias_init", "zeros", {"zeros", "default", "constant"},
                  "bias initialisation; default is PyTorch's (uniform within 1/sqrt(fan_in))"),
  };
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

LayerDef activation(std::string type, std::string summary, std::vector<ParamDef> params = {}) {
  LayerDef def;
  def.type = std::move(type);
  def.category = "Activation";
  def.summary = std::move(summary);
  def.params = std::move(params);
  def.infer = identity;
  return def;
}

LayerDef loss(std::string type, std::string summary, std::vector<ParamDef> params = {}) {
  LayerDef def;
  def.type = std::move(type);
  def.category = "Loss";
  def.summary = std::move(summary);
  def.loss = true;
  def.params = std::move(params);
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

std::vector<LayerDef> buildCatalog() {
  std::vector<LayerDef> all;

  {  // Dense
    LayerDef def;
    def.type = "Linear";
    def.category = "Dense";
    def.summary = "fully connected: y = x W^T + b";
    def.params = {intParam("out_features", "", 1, 1 << 20, "number of outputs"),
                  floatParam("dropconnect", "0.0", 0, 0.99, "DropConnect: probability of dropping each weight while training")};
    for (auto& p : initParams()) def.params.push_back(p);
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      requireFlat("Linear", only(in));
      const uint32_t inF = only(in).dims[0], outF = uint32_t(p.integer("out_features"));
      return weightAndBias(p, Shape{outF}, Shape{outF, inF}, outF, inF, outF);
    };
    all.push_back(def);
  }

  const auto convParams = [](bool transposed) {
    std::vector<ParamDef> params = {
        intParam("out_channels", "", 1, 4096, "number of output channels (filters)"),
        intParam("kernel_size", "", 1, 64, "kernel height and width"),
        intParam("stride", "1", 1, 64, "step between kernel positions"),
        intParam("padding", "0", 0, 64, "zeros added on each side"),
        intParam("dilation", "1", 1, 64, "spacing between kernel taps"),
    };
    if (transposed) params.push_back(intParam("output_padding", "0", 0, 63, "extra size added to one side of the output"));
    return params;
  };
  {
    LayerDef def;
    def.type = "Conv2d";
    def.category = "Convolution";
    def.summary = "2-D convolution (a 1x1 kernel mixes channels)";
    def.params = convParams(false);
    for (auto& p : initParams()) def.params.push_back(p);
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      const Shape& x = only(in);
      requireImage("Conv2d", x);
      const long long k = p.integer("kernel_size"), s = p.integer("stride"), pad = p.integer("padding"),
                      d = p.integer("dilation");
      const uint32_t oc = uint32_t(p.integer("out_channels"));
      const Shape out{oc, convOut("Conv2d", x.height(), k, s, pad, d, "height"),
                      convOut("Conv2d", x.width(), k, s, pad, d, "width")};
      const uint32_t kk = uint32_t(k * k);
      return weightAndBias(p, out, Shape{oc, x.channels(), uint32_t(k), uint32_t(k)}, oc, x.channels() * kk, oc * kk);
    };
    all.push_back(def);
  }
  {
    LayerDef def;
    def.type = "ConvTranspose2d";
    def.category = "Convolution";
    def.summary = "transposed 2-D convolution (learned up-sampling)";
    def.params = convParams(true);
    for (auto& p : initParams()) def.params.push_back(p);
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      const Shape& x = only(in);
      requireImage("ConvTranspose2d", x);
      const long long k = p.integer("kernel_size"), s = p.integer("stride"), pad = p.integer("padding"),
                      d = p.integer("dilation"), op = p.integer("output_padding");
      if (op >= s && op >= d) throw ShapeError("ConvTranspose2d: output_padding must be smaller than stride or dilation");
      auto size = [&](uint32_t n) -> uint32_t {
        const long long out = (static_cast<long long>(n) - 1) * s - 2 * pad + d * (k - 1) + op + 1;
        if (out < 1) throw ShapeError("ConvTranspose2d: padding " + std::to_string(pad) + " leaves no output");
        return uint32_t(out);
      };
      const uint32_t oc = uint32_t(p.integer("out_channels")), kk = uint32_t(k * k);
      return weightAndBias(p, Shape{oc, size(x.height()), size(x.width())},
                           Shape{x.channels(), oc, uint32_t(k), uint32_t(k)}, oc, oc * kk, x.channels() * kk);
    };
    all.push_back(def);
  }

  const auto pool = [](std::string type, std::string summary, bool average) {
    LayerDef def;
    def.type = type;
    def.category = "Pooling";
    def.summary = std::move(summary);
    def.params = {intParam("kernel_size", "", 1, 64, "window height and width"),
                  intParam("stride", "0", 0, 64, "step between windows (0: the kernel size)"),
                  intParam("padding", "0", 0, 32, "padding on each side (at most half the kernel)")};
    if (average)
      def.params.push_back(boolParam("count_include_pad", "true", "whether padded zeros count in the average"));
    def.infer = [type](const NodeParams& p, const std::vector<Shape>& in) {
      const Shape& x = only(in);
      requireImage(type, x);
      const long long k = p.integer("kernel_size"), pad = p.integer("padding");
      const long long s = p.integer("stride") ? p.integer("stride") : k;
      if (2 * pad > k) throw ShapeError(type + ": padding must be at most half the kernel size");
      return LayerShape{Shape{x.channels(), convOut(type, x.height(), k, s, pad, 1, "height"),
                              convOut(type, x.width(), k, s, pad, 1, "width")},
                        {},
                        {}};
    };
    return def;
  };
  all.push_back(pool("MaxPool2d", "maximum over each window", false));
  all.push_back(pool("AvgPool2d", "average over each window", true));
  {
    LayerDef def;
    def.type = "GlobalAvgPool2d";
    def.category = "Pooling";
    def.summary = "average of each channel over the whole image (gives a flat vector)";
    def.infer = [](const NodeParams&, const std::vector<Shape>& in) {
      requireImage("GlobalAvgPool2d", only(in));
      return LayerShape{Shape{only(in).channels()}, {}, {}};
    };
    all.push_back(def);
  }

  {  // Structure
    LayerDef def;
    def.type = "Flatten";
    def.category = "Structure";
    def.summary = "one flat vector per sample";
    def.infer = [](const NodeParams&, const std::vector<Shape>& in) {
      return LayerShape{Shape{uint32_t(only(in).elements())}, {}, {}};
    };
    all.push_back(def);
  }
  {
    LayerDef def;
    def.type = "Add";
    def.category = "Structure";
    def.summary = "element-wise sum of its inputs (residual connections)";
    def.minInputs = 2;
    def.maxInputs = 8;
    def.infer = [](const NodeParams&, const std::vector<Shape>& in) {
      for (size_t i = 1; i < in.size(); ++i)
        if (!(in[i] == in[0]))
          throw ShapeError("Add needs inputs of one shape, got " + in[0].text() + " and " + in[i].text());
      return LayerShape{in[0], {}, {}};
    };
    all.push_back(def);
  }

  all.push_back(activation("Sigmoid", "1 / (1 + exp(-x))"));
  all.push_back(activation("Tanh", "hyperbolic tangent"));
  all.push_back(activation("ReLU", "max(x, 0)"));
  all.push_back(activation("LeakyReLU", "x if x > 0, else negative_slope * x",
                           {floatParam("negative_slope", "0.01", 0, 1, "slope for negative inputs")}));
  {
    LayerDef def = activation("PReLU", "LeakyReLU with a learned slope",
                              {intParam("num_parameters", "1", 1, 4096, "1: one shared slope, or one per channel"),
                               floatParam("init", "0.25", 0, 1, "initial slope")});
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      const uint32_t n = uint32_t(p.integer("num_parameters"));
      if (n != 1 && n != only(in).channels())
        throw ShapeError("PReLU: num_parameters must be 1 or the number of channels (" +
                         std::to_string(only(in).channels()) + ")");
      return LayerShape{only(in), {{"weight", Shape{n}, ParamRole::Slope, 0, 0}}, {}};
    };
    all.push_back(def);
  }
  all.push_back(activation("ELU", "x if x > 0, else alpha (exp(x) - 1)",
                           {floatParam("alpha", "1.0", 0, 10, "value approached for very negative inputs")}));

  {  // Regularisation
    LayerDef def;
    def.type = "Dropout";
    def.category = "Regularization";
    def.summary = "zeroes each value with probability p while training, scales the rest by 1/(1-p)";
    def.params = {floatParam("p", "0.5", 0, 0.99, "probability of dropping a value")};
    def.infer = identity;
    all.push_back(def);
  }

  {  // Normalisation
    LayerDef def;
    def.type = "BatchNorm1d";
    def.category = "Normalization";
    def.summary = "normalises each feature over the batch";
    def.params = {floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                  floatParam("momentum", "0.1", 0, 1, "weight of the newest batch in the running statistics"),
                  boolParam("affine", "true", "learned scale and shift")};
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      requireFlat("BatchNorm1d", only(in));
      return normAffine(only(in), only(in), p.flag("affine"), true);
    };
    all.push_back(def);
    def.type = "BatchNorm2d";
    def.summary = "normalises each channel over the batch and the image";
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      requireImage("BatchNorm2d", only(in));
      return normAffine(only(in), Shape{only(in).channels()}, p.flag("affine"), true);
    };
    all.push_back(def);
  }
  {
    LayerDef def;
    def.type = "LayerNorm";
    def.category = "Normalization";
    def.summary = "normalises each sample over all its values";
    def.params = {floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                  boolParam("elementwise_affine", "true", "learned scale and shift per value")};
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      return normAffine(only(in), only(in), p.flag("elementwise_affine"), false);
    };
    all.push_back(def);
  }
  {
    LayerDef def;
    def.type = "InstanceNorm2d";
    def.category = "Normalization";
    def.summary = "normalises each channel of each sample over the image";
    def.params = {floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                  boolParam("affine", "false", "learned scale and shift per channel")};
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      requireImage("InstanceNorm2d", only(in));
      return normAffine(only(in), Shape{only(in).channels()}, p.flag("affine"), false);
    };
    all.push_back(def);
  }
  {
    LayerDef def;
    def.type = "GroupNorm";
    def.category = "Normalization";
    def.summary = "normalises groups of channels of each sample";
    def.params = {intParam("num_groups", "", 1, 4096, "number of channel groups"),
                  floatParam("eps", "1e-05", 1e-12, 1, "added to the variance"),
                  boolParam("affine", "true", "learned scale and shift per channel")};
    def.infer = [](const NodeParams& p, const std::vector<Shape>& in) {
      requireImage("GroupNorm", only(in));
      const uint32_t c = only(in).channels(), g = uint32_t(p.integer("num_groups"));
      if (c % g) throw ShapeError("GroupNorm: " + std::to_string(c) + " channels do not split into " + std::to_string(g) + " groups");
      return normAffine(only(in), Shape{c}, p.flag("affine"), false);
    };
    all.push_back(def);
  }

  all.push_back(loss("CrossEntropyLoss", "softmax cross-entropy of class scores against labels"));
  all.push_back(loss("MSELoss", "mean squared error against one-hot labels or targets"));
  all.push_back(loss("BCEWithLogitsLoss", "sigmoid binary cross-entropy (one output per class or one for two classes)"));
  all.push_back(loss("MultiMarginLoss", "multi-class hinge loss (SVM)",
                     {intParam("p", "1", 1, 2, "1: hinge, 2: squared hinge"),
                      floatParam("margin", "1.0", 0, 100, "required gap between the true class and the others")}));
  return all;
}

}  // namespace

const std::vector<LayerDef>& layerCatalog() {
  static const std::vector<LayerDef> catalog = buildCatalog();
  return catalog;
}

const LayerDef* findLayer(std::string_view type) {
  for (const auto& def : layerCatalog())
    if (def.type == type) return &def;
  return nullptr;
}

}  // namespace gradlab::nn

// ONNX export: one ONNX node per GradLab node (two for GlobalAvgPool2d, whose ONNX operator keeps
// the 1x1 image that GradLab flattens), in the order the network computes them.
#include "export/onnx_model.h"

#include <onnx/checker.h>
#include <onnx/onnx_pb.h>

namespace gradlab::exporting {
namespace {

void addInts(onnx::NodeProto& node, const std::string& name, std::vector<int64_t> values) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t v : values) a->add_ints(v);
}
void addInt(onnx::NodeProto& node, const std::string& name, int64_t value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(value);
}
void addFloat(onnx::NodeProto& node, const std::string& name, double value) {
  auto* a = node.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::FLOAT);
  a->set_f(float(value));
}

void addInitializer(onnx::GraphProto& graph, const std::string& name, const std::vector<uint32_t>& shape,
                    const std::vector<float>& values) {
  auto* t = graph.add_initializer();
  t->set_name(name);
  t->set_data_type(onnx::TensorProto::FLOAT);
  for (uint32_t d : shape) t->add_dims(d);
  t->set_raw_data(std::string(reinterpret_cast<const char*>(values.data()), values.size() * sizeof(float)));
}

void setValueInfo(onnx::ValueInfoProto& info, const std::string& name, const nn::Shape& shape) {
  info.set_name(name);
  auto* tensor = info.mutable_type()->mutable_tensor_type();
  tensor->set_elem_type(onnx::TensorProto::FLOAT);
  tensor->mutable_shape()->add_dim()->set_dim_param("batch");
  for (uint32_t d : shape.dims) tensor->mutable_shape()->add_dim()->set_dim_value(d);
}

onnx::NodeProto& addNode(onnx::GraphProto& graph, const std::string& op, const std::string& name,
                         const std::vector<std::string>& inputs, const std::string& output) {
  auto* node = graph.add_node();
  node->set_op_type(op);
  node->set_name(name);
  for (const auto& in : inputs) node->add_input(in);
  node->add_output(output);
  return *node;
}

// Why ONNX opset 13 cannot express a layer type; empty when it can.
std::string whyNotOnnx(const std::string& type) {
  if (type == "LayerNorm") return "ONNX added LayerNormalization in opset 17";
  if (type == "GroupNorm") return "ONNX added GroupNormalization in opset 18";
  return {};
}

class Exporter {
 public:
  Exporter(const Model& model, onnx::GraphProto& graph) : model_(model), graph_(graph) {}

  void node(const nn::Node& node, const nn::NodeInfo& info);

 private:
  // The tensor's initializer under its GradLab name; its values reshaped to `shape` when given.
  std::string tensor(const std::string& name, std::vector<uint32_t> shape = {}) {
    const persist::Tensor& t = model_.tensors.at(name);
    addInitializer(graph_, name, shape.empty() ? t.shape : shape, t.values);
    return name;
  }
  // A constant filled with `value` (the scale or shift of a normalisation without them).
  std::string constant(const std::string& name, uint32_t count, float value) {
    addInitializer(graph_, name, {count}, std::vector<float>(count, value));
    return name;
  }
  void normalization(const nn::Node& node, const nn::NodeInfo& info, const char* op);

  const Model& model_;
  onnx::GraphProto& graph_;
};

void Exporter::normalization(const nn::Node& node, const nn::NodeInfo& info, const char* op) {
  const nn::Shape& in = info.inputShapes[0];
  const uint32_t channels = in.rank() == 1 ? in.dims[0] : in.channels();
  const bool affine = info.params.flag("affine");
  std::vector<std::string> inputs{node.inputs[0]};
  inputs.push_back(affine ? tensor(node.name + ".weight") : constant(node.name + ".onnx_scale", channels, 1));
  inputs.push_back(affine ? tensor(node.name + ".bias") : constant(node.name + ".onnx_shift", channels, 0));
  const bool running = !info.shape.buffers.empty();
  if (running) {
    inputs.push_back(tensor(node.name + ".running_mean"));
    inputs.push_back(tensor(node.name + ".running_var"));
  }
  auto& n = addNode(graph_, op, node.name, inputs, node.name);
  addFloat(n, "epsilon", info.params.real("eps"));
  // ONNX's momentum weighs the old running value, PyTorch's (and GradLab's) the new batch.
  if (running) addFloat(n, "momentum", 1 - info.params.real("momentum"));
}

void Exporter::node(const nn::Node& node, const nn::NodeInfo& info) {
  const std::string& type = node.type;
  const nn::NodeParams& p = info.params;
  const std::string& name = node.name;
  const bool bias = info.shape.params.size() > 1;
  auto withWeights = [&](const char* op) -> onnx::NodeProto& {
    std::vector<std::string> inputs{node.inputs[0], tensor(name + ".weight")};
    if (bias) inputs.push_back(tensor(name + ".bias"));
    return addNode(graph_, op, name, inputs, name);
  };
  auto square = [](long long v) { return std::vector<int64_t>{v, v}; };
  auto pads = [](long long v) { return std::vector<int64_t>{v, v, v, v}; };
  if (type == "Linear") {
    addInt(withWeights("Gemm"), "transB", 1);
  } else if (type == "Conv2d" || type == "ConvTranspose2d") {
    auto& n = withWeights(type == "Conv2d" ? "Conv" : "ConvTranspose");
    addInts(n, "kernel_shape", square(p.integer("kernel_size")));
    addInts(n, "strides", square(p.integer("stride")));
    addInts(n, "pads", pads(p.integer("padding")));
    addInts(n, "dilations", square(p.integer("dilation")));
    if (type == "ConvTranspose2d") addInts(n, "output_padding", square(p.integer("output_padding")));
  } else if (type == "MaxPool2d" || type == "AvgPool2d") {
    auto& n = addNode(graph_, type == "MaxPool2d" ? "MaxPool" : "AveragePool", name, {node.inputs[0]}, name);
    const long long k = p.integer("kernel_size");
    addInts(n, "kernel_shape", square(k));
    addInts(n, "strides", square(p.integer("stride") ? p.integer("stride") : k));
    addInts(n, "pads", pads(p.integer("padding")));
    if (type == "AvgPool2d") addInt(n, "count_include_pad", p.flag("count_include_pad"));
  } else if (type == "GlobalAvgPool2d") {
    addNode(graph_, "GlobalAveragePool", name, {node.inputs[0]}, name + "/image");
    addInt(addNode(graph_, "Flatten", name + "/flatten", {name + "/image"}, name), "axis", 1);
  } else if (type == "Flatten") {
    addInt(addNode(graph_, "Flatten", name, {node.inputs[0]}, name), "axis", 1);
  } else if (type == "Add") {
    addNode(graph_, node.inputs.size() == 2 ? "Add" : "Sum", name, node.inputs, name);
  } else if (type == "Sigmoid" || type == "Tanh") {
    addNode(graph_, type, name, {node.inputs[0]}, name);
  } else if (type == "ReLU") {
    addNode(graph_, "Relu", name, {node.inputs[0]}, name);
  } else if (type == "LeakyReLU") {
    addFloat(addNode(graph_, "LeakyRelu", name, {node.inputs[0]}, name), "alpha", p.real("negative_slope"));
  } else if (type == "ELU") {
    addFloat(addNode(graph_, "Elu", name, {node.inputs[0]}, name), "alpha", p.real("alpha"));
  } else if (type == "PReLU") {
    // The slope broadcasts against the input from the right: per channel of an image is C x 1 x 1.
    const uint32_t n = uint32_t(p.integer("num_parameters"));
    const bool perChannel = n > 1 && info.inputShapes[0].isImage();
    addNode(graph_, "PRelu", name,
            {node.inputs[0],
             tensor(name + ".weight", perChannel ? std::vector<uint32_t>{n, 1, 1} : std::vector<uint32_t>{n})},
            name);
  } else if (type == "Dropout") {
    // ONNX's Dropout without a training_mode input is the identity, as in evaluation; it keeps
    // the layer and its ratio visible (in Netron, and to the importer).
    addInitializer(graph_, name + ".ratio", {}, {float(p.real("p"))});
    addNode(graph_, "Dropout", name, {node.inputs[0], name + ".ratio"}, name);
  } else if (type == "BatchNorm1d" || type == "BatchNorm2d") {
    normalization(node, info, "BatchNormalization");
  } else if (type == "InstanceNorm2d") {
    normalization(node, info, "InstanceNormalization");
  } else {
    throw ExportError("ONNX export: " + name + " (" + type + ") has no ONNX operator in GradLab's exporter");
  }
}

}  // namespace

std::string onnxBytes(const Model& model) {
  const nn::GraphAnalysis analysis = nn::analyze(model.graph);
  if (!analysis.ok()) throw ExportError("The network has errors: " + analysis.errorText());
  const InferencePlan plan = inferencePlan(model.graph, analysis);
  for (size_t i : plan.nodes)
    if (const std::string why = whyNotOnnx(model.graph.nodes[i].type); !why.empty())
      throw ExportError("ONNX export: " + model.graph.nodes[i].name + " (" + model.graph.nodes[i].type +
                        ") cannot be written in ONNX opset " + std::to_string(kOnnxOpset) + " (" + why +
                        "): export to PyTorch instead, or replace it");
  onnx::ModelProto proto;
  proto.set_ir_version(7);  // the IR version of opset 13
  proto.set_producer_name("GradLab");
  proto.add_opset_import()->set_version(kOnnxOpset);
  onnx::GraphProto& graph = *proto.mutable_graph();
  graph.set_name(model.graph.title.empty() ? "network" : model.graph.title);
  const nn::GraphInput& input = model.graph.inputs.at(0);
  setValueInfo(*graph.add_input(), input.name, input.shape);
  Exporter exporter(model, graph);
  for (size_t i : plan.nodes) exporter.node(model.graph.nodes[i], analysis.nodes[i]);
  setValueInfo(*graph.add_output(), plan.output, analysis.shapes.at(plan.output));
  return proto.SerializeAsString();
}

void checkOnnx(const std::string& bytes) {
  onnx::ModelProto proto;
  if (!proto.ParseFromString(bytes)) throw ExportError("ONNX check: the bytes are not an ONNX model");
  try {
    onnx::checker::check_model(proto);
  } catch (const std::exception& e) {
    throw ExportError(std::string("ONNX check: ") + e.what());
  }
}

}  // namespace gradlab::exporting

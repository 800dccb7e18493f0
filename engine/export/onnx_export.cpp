// ONNX export: the ONNX nodes each GradLab node's layer type describes (nn::LayerExport::onnx; one
// per node but for GlobalAvgPool2d), in the order the network computes them.
#include "export/onnx_model.h"
#include "nn/layer_catalog.h"

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

// Writes the nodes that a node's layer type describes (nn::LayerExport::onnx), each after the
// initializers of its inputs, in their order.
class Exporter {
 public:
  Exporter(const Model& model, onnx::GraphProto& graph) : model_(model), graph_(graph) {}

  void node(const nn::Node& node, const nn::NodeInfo& info) {
    for (const nn::OnnxNode& n : info.def->exports.onnx(node, info)) write(n);
  }

 private:
  void write(const nn::OnnxNode& n) {
    std::vector<std::string> inputs;
    for (const nn::OnnxInput& in : n.inputs) {
      if (in.kind == nn::OnnxInput::Kind::Tensor) {
        const persist::Tensor& t = model_.tensors.at(in.name);
        addInitializer(graph_, in.name, in.shape.empty() ? t.shape : in.shape, t.values);
      } else if (in.kind == nn::OnnxInput::Kind::Constant) {
        addInitializer(graph_, in.name, in.shape, in.values);
      }
      inputs.push_back(in.name);
    }
    onnx::NodeProto& node = addNode(graph_, n.op, n.name, inputs, n.output);
    for (const nn::OnnxAttribute& a : n.attributes) {
      if (a.kind == nn::OnnxAttribute::Kind::Int) addInt(node, a.name, a.integer);
      if (a.kind == nn::OnnxAttribute::Kind::Float) addFloat(node, a.name, a.real);
      if (a.kind == nn::OnnxAttribute::Kind::Ints) addInts(node, a.name, a.integers);
    }
  }

  const Model& model_;
  onnx::GraphProto& graph_;
};

// The one line that says why the node cannot be written in ONNX; empty when it can.
std::string whyNotOnnx(const nn::Node& node, const nn::NodeInfo& info) {
  const nn::LayerExport& how = info.def->exports;
  if (how.onnx) return {};
  const std::string instead = how.torch ? "export to PyTorch instead, or replace it" : "replace it";
  if (!how.onnxRefusal.empty())
    return "ONNX export: " + node.name + " (" + node.type + ") cannot be written in ONNX opset " +
           std::to_string(kOnnxOpset) + " (" + how.onnxRefusal + "): " + instead;
  return "ONNX export: " + node.name + " (" + node.type + ") has no ONNX operator GradLab can write: " + instead;
}

}  // namespace

std::string onnxBytes(const Model& model) {
  const nn::GraphAnalysis analysis = nn::analyze(model.graph);
  if (!analysis.ok()) throw ExportError("The network has errors: " + analysis.errorText());
  const InferencePlan plan = inferencePlan(model.graph, analysis);
  for (size_t i : plan.nodes)
    if (const std::string why = whyNotOnnx(model.graph.nodes[i], analysis.nodes[i]); !why.empty())
      throw ExportError(why);
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

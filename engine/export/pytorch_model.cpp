#include "export/pytorch_model.h"

#include "export/npz.h"
#include "nn/hyper_params.h"

#include <set>

namespace gradlab::exporting {
namespace {

// Names a node cannot have in the module: Python keywords, the names the file itself uses, and
// nn.Module's own attributes (a sub-module of that name would replace or collide with them).
const std::set<std::string>& reservedNames() {
  static const std::set<std::string> names{"False",
                                           "None",
                                           "True",
                                           "and",
                                           "as",
                                           "assert",
                                           "async",
                                           "await",
                                           "break",
                                           "class",
                                           "continue",
                                           "def",
                                           "del",
                                           "elif",
                                           "else",
                                           "except",
                                           "finally",
                                           "for",
                                           "from",
                                           "global",
                                           "if",
                                           "import",
                                           "in",
                                           "is",
                                           "lambda",
                                           "nonlocal",
                                           "not",
                                           "or",
                                           "pass",
                                           "raise",
                                           "return",
                                           "try",
                                           "while",
                                           "with",
                                           "yield",
                                           "self",
                                           "torch",
                                           "nn",
                                           "super",
                                           "Network",
                                           "training",
                                           "forward",
                                           "train",
                                           "eval",
                                           "to",
                                           "cpu",
                                           "cuda",
                                           "float",
                                           "double",
                                           "half",
                                           "type",
                                           "apply",
                                           "parameters",
                                           "named_parameters",
                                           "buffers",
                                           "named_buffers",
                                           "children",
                                           "named_children",
                                           "modules",
                                           "named_modules",
                                           "state_dict",
                                           "load_state_dict",
                                           "zero_grad",
                                           "register_buffer",
                                           "register_parameter",
                                           "add_module",
                                           "requires_grad_",
                                           "get_parameter",
                                           "get_buffer",
                                           "get_submodule",
                                           "extra_repr",
                                           "dump_patches",
                                           "call_super_init",
                                           "share_memory",
                                           "bfloat16",
                                           "ipu",
                                           "xpu",
                                           "to_empty",
                                           "register_module"};
  return names;
}

std::string flag(bool value) { return value ? "True" : "False"; }
std::string num(double value) { return nn::formatNumber(value); }
std::string integer(const nn::NodeParams& p, const char* name) { return std::to_string(p.integer(name)); }

// The constructor of node `info`'s PyTorch layer; empty for a node computed in forward() (Add).
std::string moduleOf(const nn::NodeInfo& info) {
  const std::string& type = info.def->type;
  const nn::NodeParams& p = info.params;
  const nn::Shape& in = info.inputShapes.at(0);
  const auto hasBias = [&] { return flag(info.shape.params.size() > 1); };
  if (type == "Linear")
    return "nn.Linear(" + std::to_string(in.dims[0]) + ", " + integer(p, "out_features") + ", bias=" + hasBias() + ")";
  if (type == "Conv2d" || type == "ConvTranspose2d") {
    std::string text = "nn." + type + "(" + std::to_string(in.channels()) + ", " + integer(p, "out_channels") +
                       ", kernel_size=" + integer(p, "kernel_size") + ", stride=" + integer(p, "stride") +
                       ", padding=" + integer(p, "padding");
    if (type == "ConvTranspose2d") text += ", output_padding=" + integer(p, "output_padding");
    return text + ", dilation=" + integer(p, "dilation") + ", bias=" + hasBias() + ")";
  }
  if (type == "MaxPool2d" || type == "AvgPool2d") {
    const long long k = p.integer("kernel_size"), s = p.integer("stride") ? p.integer("stride") : k;
    std::string text = "nn." + type + "(kernel_size=" + std::to_string(k) + ", stride=" + std::to_string(s) +
                       ", padding=" + integer(p, "padding");
    if (type == "AvgPool2d") text += ", count_include_pad=" + flag(p.flag("count_include_pad"));
    return text + ")";
  }
  if (type == "GlobalAvgPool2d") return "nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten())";
  if (type == "Flatten") return "nn.Flatten()";
  if (type == "Add") return "";
  if (type == "Sigmoid" || type == "Tanh" || type == "ReLU") return "nn." + type + "()";
  if (type == "LeakyReLU") return "nn.LeakyReLU(negative_slope=" + num(p.real("negative_slope")) + ")";
  if (type == "ELU") return "nn.ELU(alpha=" + num(p.real("alpha")) + ")";
  if (type == "PReLU") return "nn.PReLU(num_parameters=" + integer(p, "num_parameters") + ")";
  if (type == "Dropout") return "nn.Dropout(p=" + num(p.real("p")) + ")";
  if (type == "BatchNorm1d" || type == "BatchNorm2d")
    return "nn." + type + "(" + std::to_string(in.rank() == 1 ? in.dims[0] : in.channels()) +
           ", eps=" + num(p.real("eps")) + ", momentum=" + num(p.real("momentum")) +
           ", affine=" + flag(p.flag("affine")) + ")";
  if (type == "LayerNorm") {
    std::string dims;
    for (uint32_t d : in.dims) dims += (dims.empty() ? "" : ", ") + std::to_string(d);
    return "nn.LayerNorm([" + dims + "], eps=" + num(p.real("eps")) +
           ", elementwise_affine=" + flag(p.flag("elementwise_affine")) + ")";
  }
  if (type == "InstanceNorm2d")
    return "nn.InstanceNorm2d(" + std::to_string(in.channels()) + ", eps=" + num(p.real("eps")) +
           ", affine=" + flag(p.flag("affine")) + ")";
  if (type == "GroupNorm")
    return "nn.GroupNorm(" + integer(p, "num_groups") + ", " + std::to_string(in.channels()) +
           ", eps=" + num(p.real("eps")) + ", affine=" + flag(p.flag("affine")) + ")";
  throw ExportError("PyTorch export: " + type + " has no PyTorch layer this exporter knows");
}

void checkName(const std::string& name, const std::string& what) {
  if (reservedNames().count(name))
    throw ExportError("PyTorch export: the " + what + " is named '" + name +
                      "', which Python or nn.Module reserves: rename it in the editor");
}

}  // namespace

std::string pytorchSource(const Model& model) {
  const nn::GraphAnalysis analysis = nn::analyze(model.graph);
  if (!analysis.ok()) throw ExportError("The network has errors: " + analysis.errorText());
  const InferencePlan plan = inferencePlan(model.graph, analysis);
  const nn::GraphInput& input = model.graph.inputs.at(0);
  checkName(input.name, "input");
  std::string init, forward;
  for (size_t i : plan.nodes) {
    const nn::Node& node = model.graph.nodes[i];
    checkName(node.name, "node " + node.name + " (" + node.type + ")");
    const std::string module = moduleOf(analysis.nodes[i]);
    std::string args;
    for (const auto& in : node.inputs) args += (args.empty() ? "" : ", ") + in;
    if (module.empty()) {
      std::string sum;
      for (const auto& in : node.inputs) sum += (sum.empty() ? "" : " + ") + in;
      forward += "        " + node.name + " = " + sum + "\n";
    } else {
      init += "        self." + node.name + " = " + module + "\n";
      forward += "        " + node.name + " = self." + node.name + "(" + args + ")\n";
    }
  }
  const std::string title = model.graph.title.empty() ? "a network" : "\"" + model.graph.title + "\"";
  return "# " + title +
         " exported by GradLab, with PyTorch's layers and GradLab's tensor names. Use it as:\n"
         "#   model = Network()\n"
         "#   model.load_state_dict({k: torch.from_numpy(v) for k, v in numpy.load(\"WEIGHTS.npz\").items()})\n"
         "#   model.eval()\n"
         "#   scores = model(inputs)  # inputs: batch x " +
         input.shape.text() +
         ", float32\n"
         "import torch\n"
         "from torch import nn\n\n\n"
         "class Network(nn.Module):\n"
         "    def __init__(self):\n"
         "        super().__init__()\n" +
         init +
         "\n"
         "    def forward(self, " +
         input.name + "):\n" + forward + "        return " + plan.output + "\n";
}

std::string pytorchWeights(const Model& model) {
  const nn::GraphAnalysis analysis = nn::analyze(model.graph);
  if (!analysis.ok()) throw ExportError("The network has errors: " + analysis.errorText());
  std::vector<std::pair<std::string, NpyArray>> arrays;
  for (size_t i : inferencePlan(model.graph, analysis).nodes) {
    const std::string& name = model.graph.nodes[i].name;
    const nn::LayerShape& shape = analysis.nodes[i].shape;
    for (const auto* list : {&shape.params, &shape.buffers})
      for (const nn::ParamTensor& t : *list) {
        const persist::Tensor& tensor = model.tensors.at(name + "." + t.name);
        arrays.push_back(
            {name + "." + t.name, NpyArray{{tensor.shape.begin(), tensor.shape.end()}, tensor.values, {}}});
      }
    if (model.graph.nodes[i].type == "BatchNorm1d" || model.graph.nodes[i].type == "BatchNorm2d")
      arrays.push_back({name + ".num_batches_tracked", NpyArray{{}, {}, {0}}});
  }
  return npzBytes(arrays);
}

}  // namespace gradlab::exporting

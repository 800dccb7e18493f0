#include "export/pytorch_model.h"

#include "export/npz.h"
#include "nn/layer_catalog.h"

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
    const nn::NodeInfo& info = analysis.nodes[i];
    if (!info.def->exports.torch)
      throw ExportError("PyTorch export: " + node.name + " (" + node.type +
                        ") has no PyTorch module GradLab can write: " +
                        (info.def->exports.onnx ? "export to ONNX instead, or replace it" : "replace it"));
    const nn::TorchModule module = info.def->exports.torch(node, info);
    std::string args;
    for (const auto& in : node.inputs) args += (args.empty() ? "" : ", ") + in;
    if (module.constructor.empty()) {
      forward += "        " + node.name + " = " + module.expression + "\n";
    } else {
      init += "        self." + node.name + " = " + module.constructor + "\n";
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
    for (const std::string& counter : analysis.nodes[i].def->exports.torchCounters)
      arrays.push_back({name + "." + counter, NpyArray{{}, {}, {0}}});
  }
  return npzBytes(arrays);
}

}  // namespace gradlab::exporting

// gradlab-cli export: a network with its weights out of GradLab, as ONNX, as PyTorch code with
// NumPy weights, or (from an ONNX model) as an experiment the lab opens.
#include "cli/arguments.h"
#include "cli/commands.h"
#include "export/model.h"
#include "export/onnx_model.h"
#include "export/pytorch_model.h"
#include "persist/atomic_file.h"
#include "persist/experiment_file.h"

#include <iostream>

namespace gradlab::cli {

int exportCommand(const std::vector<std::string>& args) {
  std::vector<std::string> rest = args;
  const std::string source = takeLeadingFile(rest);
  Arguments o("export",
              {{"onnx", "FILE.onnx", "the network and its weights as ONNX (opset 13), in evaluation form"},
               {"pytorch", "FILE.py", "a PyTorch nn.Module with PyTorch's layers and GradLab's tensor names"},
               {"weights", "FILE.npz", "the weights as NumPy arrays, for the module's load_state_dict"},
               {"experiment", "FILE.gradlab", "an experiment with the network and its weights (e.g. from ONNX)"},
               {"help", "", "show this help"}},
              rest);
  if (o.has("help")) {
    std::cout << "usage: gradlab-cli export EXPERIMENT.gradlab|NETWORK.net|MODEL.onnx [--onnx FILE.onnx] "
                 "[--pytorch FILE.py] [--weights FILE.npz] [--experiment FILE.gradlab]\n\n"
                 "Writes the network with its trained weights (a network file: the initial weights of seed 0).\n"
                 "The loss is left out: the model computes the class scores, in evaluation mode.\n\n"
              << o.usage();
    return 0;
  }
  if (source.empty())
    throw UsageError("give the experiment, network or ONNX file first: gradlab-cli export FILE --onnx FILE.onnx");
  if (!o.has("onnx") && !o.has("pytorch") && !o.has("weights") && !o.has("experiment"))
    throw UsageError(
        "say what to write: --onnx FILE.onnx, --pytorch FILE.py, --weights FILE.npz or --experiment "
        "FILE.gradlab");
  const exporting::Model model = exporting::loadModel(source);
  // Everything is made before anything is written: a refusal leaves no partial set of files.
  std::vector<std::pair<std::string, std::string>> files;
  if (o.has("onnx")) files.push_back({o.text("onnx"), exporting::onnxBytes(model)});
  if (o.has("pytorch")) files.push_back({o.text("pytorch"), exporting::pytorchSource(model)});
  if (o.has("weights")) files.push_back({o.text("weights"), exporting::pytorchWeights(model)});
  if (o.has("experiment")) persist::saveExperiment(exporting::modelExperiment(model), o.text("experiment"));
  for (const auto& [path, bytes] : files) persist::writeFileAtomically(path, bytes);
  for (const auto& [path, bytes] : files) std::cout << "wrote " << path << " (" << bytes.size() << " bytes)\n";
  if (o.has("experiment")) std::cout << "wrote " << o.text("experiment") << "\n";
  return 0;
}

}  // namespace gradlab::cli

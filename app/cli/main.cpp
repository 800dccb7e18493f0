// gradlab-cli: GradLab without the window.
#include "cli/arguments.h"
#include "cli/commands.h"
#include "gpu/error.h"
#include "util/printable.h"

#include <exception>
#include <iostream>

using namespace gradlab::cli;

static const Command kCommands[] = {
    {"devices", "list the Vulkan devices and the one GradLab uses", devicesCommand},
    {"train", "train a network file on a dataset and report loss and accuracy", trainCommand},
    {"probe", "per-layer activation (and gradient) statistics of one pass, e.g. on noise", probeCommand},
    {"surface", "optimizer trajectories on a 2-D test surface, as CSV", surfaceCommand},
    {"receptive-field", "the theoretical receptive field (size, jump, start) of every layer", receptiveFieldCommand},
    {"gradcheck", "the backward pass against finite differences, per parameter tensor", gradcheckCommand},
    {"landscape", "the loss landscape around trained weights (grid, PCA plane or line), as CSV", landscapeCommand},
    {"race", "optimizers trained from one start, their paths on one common plane over its landscape", raceCommand},
    {"compare", "1 to 4 runs side by side in lockstep (same start, same batches), as CSV and a table", compareCommand},
    {"export", "a network and its weights as ONNX, as PyTorch code with NumPy weights, or from ONNX", exportCommand},
};

static void printUsage(std::ostream& out) {
  out << "usage: gradlab-cli COMMAND [options]\n\ncommands:\n";
  for (const Command& c : kCommands) out << "  " << c.name << "    " << c.summary << "\n";
  out << "\n'gradlab-cli COMMAND --help' describes a command's options.\n";
}

// Messages quote file contents and arguments: escaped, so no control byte reaches the terminal.
static int report(const char* command, const std::exception& e, int code) {
  std::cerr << "gradlab-cli " << command << ": " << gradlab::util::printableLines(e.what()) << "\n";
  return code;
}

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.empty() || args[0] == "--help" || args[0] == "-h" || args[0] == "help") {
    printUsage(args.empty() ? std::cerr : std::cout);
    return args.empty() ? 2 : 0;
  }
  for (const Command& c : kCommands) {
    if (args[0] != c.name) continue;
    try {
      return c.run({args.begin() + 1, args.end()});
    } catch (const UsageError& e) {
      return report(c.name, e, 2);
    } catch (const gradlab::gpu::Error& e) {
      return report(c.name, e, 1);
    } catch (const std::invalid_argument& e) {  // a bad value the engine refused
      return report(c.name, e, 2);
    } catch (const std::exception& e) {
      return report(c.name, e, 1);
    }
  }
  std::string names;
  for (const Command& c : kCommands) names += (names.empty() ? "" : ", ") + std::string(c.name);
  std::cerr << "gradlab-cli: unknown command '" << gradlab::util::printable(args[0]) << "' (accepted: " << names
            << ")\n";
  return 2;
}

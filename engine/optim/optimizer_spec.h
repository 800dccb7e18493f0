#pragma once
// An optimizer written as text, the way the CLI and the lab take it: "adam" or
// "sgd:lr=0.05,momentum=0.9" (catalog name, then hyper-parameters by their PyTorch names).
#include <map>
#include <string>
#include <vector>

namespace gradlab::optim {

struct OptimizerSpec {
  std::string name;                           // catalog name ("sgd")
  std::map<std::string, std::string> values;  // overrides of the catalog's defaults
  std::string text;                           // as written, for labels
};

// Throws std::invalid_argument naming the accepted form, or the catalog's names for an unknown
// optimizer. Values are checked when the optimizer is created (createOptimizer).
OptimizerSpec parseOptimizerSpec(const std::string& text);

// A comma-free list of specs separated by ';' or new lines ("sgd; sgd:momentum=0.9; adam").
std::vector<OptimizerSpec> parseOptimizerSpecs(const std::string& text);

// "sgd, adagrad, rmsprop, ..." for messages.
std::string optimizerNames();

}  // namespace gradlab::optim

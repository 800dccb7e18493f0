#include "optim/optimizer_spec.h"

#include "optim/optimizer.h"

#include <sstream>
#include <stdexcept>

namespace gradlab::optim {
namespace {

std::string trimmed(const std::string& s) {
  const size_t first = s.find_first_not_of(" \t\r\n");
  if (first == std::string::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t\r\n") - first + 1);
}

}  // namespace

std::string optimizerNames() {
  std::string names;
  for (const auto& d : optimizerCatalog()) names += (names.empty() ? "" : ", ") + d.name;
  return names;
}

OptimizerSpec parseOptimizerSpec(const std::string& written) {
  const std::string text = trimmed(written);
  const size_t colon = text.find(':');
  OptimizerSpec out{trimmed(text.substr(0, colon)), {}, text};
  if (!findOptimizer(out.name))
    throw std::invalid_argument("unknown optimizer '" + out.name + "': choose one of " + optimizerNames());
  if (colon == std::string::npos) return out;
  std::stringstream in(text.substr(colon + 1));
  std::string item;
  while (std::getline(in, item, ',')) {
    const size_t eq = item.find('=');
    const std::string key = trimmed(item.substr(0, eq));
    if (eq == std::string::npos || key.empty())
      throw std::invalid_argument("write an optimizer as NAME or NAME:key=value,key=value, got '" + text + "'");
    out.values[key] = trimmed(item.substr(eq + 1));
  }
  return out;
}

std::vector<OptimizerSpec> parseOptimizerSpecs(const std::string& text) {
  std::vector<OptimizerSpec> out;
  std::string item;
  std::stringstream in(text);
  while (std::getline(in, item)) {
    std::stringstream parts(item);
    std::string part;
    while (std::getline(parts, part, ';'))
      if (!trimmed(part).empty()) out.push_back(parseOptimizerSpec(part));
  }
  return out;
}

}  // namespace gradlab::optim

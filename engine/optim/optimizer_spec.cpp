#include "optim/optimizer_spec.h"

#include "optim/optimizer.h"
#include "util/checked_values.h"
#include "util/printable.h"

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
  const util::Spec spec = util::parseSpec(written, "");
  OptimizerSpec out{spec.name, {}, trimmed(written)};
  if (!findOptimizer(out.name))
    throw std::invalid_argument("unknown optimizer '" + util::printable(out.name, 40) + "': choose one of " +
                                optimizerNames());
  for (const auto& item : spec.items) out.values[item.key] = item.value;
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

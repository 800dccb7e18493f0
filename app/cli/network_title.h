#pragma once
// How gradlab-cli names a network in its output: the file's title, else its path, with control
// characters escaped (a title is file content and may hold terminal escape sequences).
#include "nn/graph.h"
#include "util/printable.h"

#include <string>

namespace gradlab::cli {

inline std::string networkTitle(const nn::Graph& graph, const std::string& path) {
  return util::printable(graph.title.empty() ? path : graph.title, 120);
}

}  // namespace gradlab::cli

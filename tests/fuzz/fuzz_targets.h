#pragma once
// What one fuzz input exercises, shared by the libFuzzer entry points (fuzz_network.cpp,
// fuzz_experiment.cpp) and test_fuzz, which runs the committed corpus through them in CI.
// Each returns normally for input that is handled as promised and aborts otherwise, so a
// fuzzer reports it: a refusal must be a FileError (or parse errors) whose message is short
// and printable; a parsed network must print and parse back to the same graph.
#include "nn/graph.h"
#include "nn/network_text.h"
#include "persist/experiment_file.h"
#include "util/printable.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace gradlab::fuzz {

inline void require(bool condition, const char* what, const std::string& detail = {}) {
  if (condition) return;
  std::fprintf(stderr, "fuzz: %s: %s\n", what, util::printable(detail, 300).c_str());
  std::abort();
}

inline bool shortPrintableLine(const std::string& message, size_t limit) {
  if (message.empty() || message.size() > limit) return false;
  for (unsigned char c : message)
    if (c < 0x20 || c == 0x7f) return false;
  return true;
}

inline void network(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const nn::ParsedNetwork parsed = nn::parseNetwork(text);
  for (const nn::GraphIssue& issue : parsed.errors)
    require(shortPrintableLine(issue.message, 600),
            ("a parse error that is not one short line (" + std::to_string(issue.message.size()) + " bytes)").c_str(),
            issue.message);
  if (!parsed.ok()) return;
  nn::analyze(parsed.graph);
  const std::string printed = nn::printNetwork(parsed.graph);
  require(nn::parseNetwork(printed).ok(), "a printed network that does not parse", printed);
}

inline void experiment(const uint8_t* data, size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  try {
    const persist::Experiment e = persist::fromBytes(bytes, "fuzz.gradlab");
    require(persist::fromBytes(persist::toBytes(e), "again.gradlab") == e, "an experiment that does not round-trip");
  } catch (const persist::FileError& e) {
    require(shortPrintableLine(e.what(), 600), "a refusal that is not one short line", e.what());
  }
}

}  // namespace gradlab::fuzz

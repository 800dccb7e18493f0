#pragma once
// A small command-line parser for gradlab-cli's subcommands: `--name value`, `--name=value` and
// `--flag`. Every error is one line naming the argument and what is accepted.
#include "util/checked_values.h"

#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace gradlab::cli {

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct OptionSpec {
  std::string name;      // without the leading "--"
  std::string argument;  // e.g. "N"; empty for a flag
  std::string help;
};

// The first argument when it is not an option (the network file most commands take first),
// removed from `args`; empty when there is none.
std::string takeLeadingFile(std::vector<std::string>& args);

class Arguments {
 public:
  Arguments(std::string command, std::vector<OptionSpec> specs, const std::vector<std::string>& args);

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  // Every value of an option given several times, in order.
  std::vector<std::string> all(const std::string& name) const {
    auto it = repeated_.find(name);
    return it == repeated_.end() ? std::vector<std::string>{} : it->second;
  }
  std::string text(const std::string& name, const std::string& fallback = {}) const;
  // Numbers go through util::parseNumber / parseInteger: finite, whole where an integer is asked
  // for, inside the range; a refusal is a UsageError such as "--noise: -1 is out of range [0, 10]".
  long long integer(const std::string& name, long long fallback, long long min, long long max) const;
  long long integer(const std::string& name, long long fallback, const util::Range& range) const;
  double number(const std::string& name, double fallback, const util::Range& range) const;
  // Any finite number.
  double number(const std::string& name, double fallback) const;
  // One of `accepted`, or the fallback when absent.
  std::string choice(const std::string& name, const std::vector<std::string>& accepted,
                     const std::string& fallback) const;
  std::vector<long long> integerList(const std::string& name, const std::vector<long long>& fallback, long long min,
                                     long long max) const;

  std::string usage() const;

 private:
  std::string command_;
  std::vector<OptionSpec> specs_;
  std::map<std::string, std::string> values_;  // the last value of each option
  std::map<std::string, std::vector<std::string>> repeated_;
};

}  // namespace gradlab::cli

#include "cli/arguments.h"

#include <algorithm>
#include <limits>

namespace gradlab::cli {

static std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& item : items) out += (out.empty() ? "" : ", ") + item;
  return out;
}

Arguments::Arguments(std::string command, std::vector<OptionSpec> specs, const std::vector<std::string>& args)
    : command_(std::move(command)), specs_(std::move(specs)) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.rfind("--", 0) != 0)
      throw UsageError("unexpected argument '" + arg + "' for '" + command_ + "' (options start with --; see --help)");
    std::string name = arg.substr(2), value;
    const bool inlineValue = name.find('=') != std::string::npos;
    if (inlineValue) {
      value = name.substr(name.find('=') + 1);
      name = name.substr(0, name.find('='));
    }
    const OptionSpec* spec = nullptr;
    for (const auto& s : specs_)
      if (s.name == name) spec = &s;
    if (!spec) {
      std::vector<std::string> names, similar;  // similar: the same first two letters
      for (const auto& s : specs_) {
        names.push_back("--" + s.name);
        if (name.size() >= 2 && s.name.compare(0, 2, name, 0, 2) == 0) similar.push_back("--" + s.name);
      }
      // A command's every option fits one short line only while it has few; --help lists the others'.
      const std::string known = joined(names).size() <= 200
                                    ? "accepted: " + joined(names)
                                    : (similar.empty() ? "" : "similar: " + joined(similar) + "; ") +
                                          "see gradlab-cli " + command_ + " --help";
      throw UsageError("unknown option --" + name + " for '" + command_ + "' (" + known + ")");
    }
    if (spec->argument.empty()) {
      if (inlineValue) throw UsageError("--" + name + " takes no value");
      values_[name] = "1";
    } else if (inlineValue) {
      values_[name] = value;
    } else {
      if (i + 1 >= args.size()) throw UsageError("--" + name + " needs a value: " + spec->argument);
      values_[name] = args[++i];
    }
    repeated_[name].push_back(values_[name]);
  }
}

std::string Arguments::text(const std::string& name, const std::string& fallback) const {
  auto it = values_.find(name);
  return it == values_.end() ? fallback : it->second;
}

static long long integerValue(const std::string& name, const std::string& text, const util::Range& range) {
  try {
    return util::parseInteger("--" + name, text, range);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

long long Arguments::integer(const std::string& name, long long fallback, long long min, long long max) const {
  return integer(name, fallback, util::Range::integers(double(min), double(max)));
}

long long Arguments::integer(const std::string& name, long long fallback, const util::Range& range) const {
  return has(name) ? integerValue(name, values_.at(name), range) : fallback;
}

double Arguments::number(const std::string& name, double fallback, const util::Range& range) const {
  if (!has(name)) return fallback;
  try {
    return util::parseNumber("--" + name, values_.at(name), range);
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
}

double Arguments::number(const std::string& name, double fallback) const {
  const double inf = std::numeric_limits<double>::infinity();
  return number(name, fallback, util::Range::closed(-inf, inf));
}

std::string Arguments::choice(const std::string& name, const std::vector<std::string>& accepted,
                              const std::string& fallback) const {
  if (!has(name)) return fallback;
  const std::string& v = values_.at(name);
  for (const auto& a : accepted)
    if (a == v) return v;
  throw UsageError("--" + name + " must be one of " + joined(accepted) + ", got '" + v + "'");
}

std::vector<long long> Arguments::integerList(const std::string& name, const std::vector<long long>& fallback,
                                              long long min, long long max) const {
  if (!has(name)) return fallback;
  std::vector<long long> out;
  const std::string& v = values_.at(name);
  size_t start = 0;
  while (start <= v.size()) {
    const size_t comma = std::min(v.find(',', start), v.size());
    out.push_back(integerValue(name, v.substr(start, comma - start), util::Range::integers(double(min), double(max))));
    start = comma + 1;
  }
  return out;
}

std::string Arguments::usage() const {
  std::string out;
  for (const auto& s : specs_) {
    std::string left = "  --" + s.name + (s.argument.empty() ? "" : " " + s.argument);
    if (left.size() < 26) left.resize(26, ' ');
    out += left + " " + s.help + "\n";
  }
  return out;
}

std::string takeLeadingFile(std::vector<std::string>& args) {
  if (args.empty() || args[0].rfind("--", 0) == 0) return {};
  std::string file = args[0];
  args.erase(args.begin());
  return file;
}

}  // namespace gradlab::cli

#pragma once
// Hyper-parameters of layers: their declared kinds, defaults and ranges (what the parser checks and
// the inspector edits), and the values a node sets.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace gradlab::nn {

enum class ParamKind { Int, Float, Bool, Choice };

struct ParamDef {
  std::string name;  // as in PyTorch where PyTorch has it: out_features, kernel_size, negative_slope
  ParamKind kind = ParamKind::Int;
  std::string defaultValue;          // text form; empty: required
  double min = 0, max = 0;           // inclusive range for Int and Float (min > max: unbounded)
  std::vector<std::string> choices;  // for Choice
  std::string help;
  bool required() const { return defaultValue.empty(); }
};

// A value as written: integers, reals, booleans and identifiers keep a canonical text form, so
// a network's text round-trips exactly.
class ParamValue {
 public:
  ParamValue() = default;
  static std::optional<ParamValue> parse(const ParamDef& def, const std::string& text, std::string* error);

  const std::string& text() const { return text_; }
  long long asInt() const { return std::get<long long>(value_); }
  double asFloat() const {
    return std::holds_alternative<double>(value_) ? std::get<double>(value_) : double(std::get<long long>(value_));
  }
  bool asBool() const { return std::get<bool>(value_); }
  const std::string& asChoice() const { return std::get<std::string>(value_); }
  bool operator==(const ParamValue& other) const { return text_ == other.text_; }

 private:
  std::variant<long long, double, bool, std::string> value_;
  std::string text_;
};

// What is wrong with `text` as the value of `def`, in the words every place that takes one uses
// (the network checker, the editor's fields): a required value missing (empty text), a number
// that is not one or is out of range, a choice not offered. Empty when `text` is a usable value,
// or empty for a value that has a default.
std::string valueProblem(const ParamDef& def, const std::string& text);

// Canonical text of a float: the shortest form that reads back to the same double.
std::string formatNumber(double value);

}  // namespace gradlab::nn

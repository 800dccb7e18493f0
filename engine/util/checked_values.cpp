#include "util/checked_values.h"

#include "util/printable.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <stdexcept>

namespace gradlab::util {
namespace {

[[noreturn]] void refuse(std::string_view name, const std::string& message) {
  throw std::invalid_argument(name.empty() ? message : std::string(name) + ": " + message);
}

std::string numberText(double v) {
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == std::floor(v) && std::abs(v) < 1e15) return std::to_string((long long)v);
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return std::string(buffer, ec == std::errc() ? end : buffer);
}

std::string_view trimmed(std::string_view s) {
  const std::size_t first = s.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// "a number in [0, 1)" or "an integer in [0, 64]".
std::string wanted(const Range& range) {
  return std::string(range.integer ? "an integer in " : "a number in ") + range.text();
}

// The whole of `text` as a double (a leading '+' allowed), or false.
bool readDouble(std::string_view text, double* value) {
  if (text.size() > 1 && text[0] == '+' && text[1] != '-') text.remove_prefix(1);
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), *value);
  return !text.empty() && ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

bool Range::contains(double v) const { return (minOpen ? v > min : v >= min) && (maxOpen ? v < max : v <= max); }

std::string Range::text() const {
  return (minOpen ? "(" : "[") + numberText(min) + ", " + numberText(max) + (maxOpen ? ")" : "]");
}

void checkNumber(std::string_view name, double value, const Range& range) {
  const std::string shown = numberText(value);
  if (!std::isfinite(value)) refuse(name, "'" + shown + "' is not a finite number in " + range.text());
  if (range.integer && value != std::floor(value)) refuse(name, shown + " is not " + wanted(range));
  if (!range.contains(value)) refuse(name, shown + " is out of range " + range.text());
}

double parseNumber(std::string_view name, std::string_view text, const Range& range) {
  double value = 0;
  if (text.empty()) refuse(name, "needs " + wanted(range));
  if (!readDouble(text, &value)) refuse(name, "'" + printable(text, 40) + "' is not " + wanted(range));
  if (!std::isfinite(value)) refuse(name, "'" + printable(text, 40) + "' is not a finite number in " + range.text());
  if (range.integer && value != std::floor(value)) refuse(name, printable(text, 40) + " is not " + wanted(range));
  if (!range.contains(value)) refuse(name, printable(text, 40) + " is out of range " + range.text());
  return value;
}

long long parseInteger(std::string_view name, std::string_view text, const Range& range) {
  Range whole = range;
  whole.integer = true;
  long long exact = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
  if (!text.empty() && ec == std::errc() && end == text.data() + text.size()) {
    if (!whole.contains(double(exact))) refuse(name, printable(text, 40) + " is out of range " + whole.text());
    return exact;
  }
  return (long long)parseNumber(name, text, whole);  // "1e3" is whole; "2.5", "nan", "x" are refused there
}

const KeyValue* Spec::find(std::string_view key) const {
  for (const auto& item : items)
    if (item.key == key) return &item;
  return nullptr;
}

std::string joinedNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

void checkKeys(const std::vector<KeyValue>& items, std::string_view what, const std::vector<std::string>& accepted) {
  for (const auto& kv : items)
    if (std::find(accepted.begin(), accepted.end(), kv.key) == accepted.end())
      refuse(what, "unknown key '" + printable(kv.key, 40) + "'; accepted: " + joinedNames(accepted));
}

namespace {

// parseKeyValues, with `form` saying how to write the whole in the message for a malformed item.
std::vector<KeyValue> keyValues(std::string_view list, std::string_view what, const std::vector<std::string>& accepted,
                                const std::vector<std::string>& valueless, const std::string& form) {
  std::vector<KeyValue> out;
  if (trimmed(list).empty()) return out;
  std::size_t start = 0;
  while (start <= list.size()) {
    const std::size_t comma = std::min(list.find(',', start), list.size());
    const std::string_view item = list.substr(start, comma - start);
    start = comma + 1;
    const std::size_t eq = item.find('=');
    KeyValue kv{std::string(trimmed(item.substr(0, eq))), {}, eq != std::string_view::npos};
    if (kv.hasValue) kv.value = std::string(trimmed(item.substr(eq + 1)));
    const bool noValue = std::find(valueless.begin(), valueless.end(), kv.key) != valueless.end();
    if (kv.key.empty() || kv.hasValue == noValue)
      refuse(what, form + (valueless.empty() ? std::string() : " (" + joinedNames(valueless) + " without a value)") +
                       ", got '" + printable(item, 60) + "'");
    if (!accepted.empty()) checkKeys({kv}, what, accepted);
    for (const auto& earlier : out)
      if (earlier.key == kv.key) refuse(what, "'" + printable(kv.key, 40) + "' is given twice");
    out.push_back(std::move(kv));
  }
  return out;
}

}  // namespace

std::vector<KeyValue> parseKeyValues(std::string_view list, std::string_view what,
                                     const std::vector<std::string>& accepted,
                                     const std::vector<std::string>& valueless) {
  return keyValues(list, what, accepted, valueless, "write key=value items separated by commas");
}

Spec parseSpec(std::string_view text, std::string_view what, const std::vector<std::string>& accepted) {
  const std::string form = "write NAME or NAME:key=value,key=value";
  const std::size_t colon = text.find(':');
  Spec out{std::string(trimmed(text.substr(0, colon))), {}};
  if (out.name.empty()) refuse(what, form + ", got '" + printable(text, 60) + "'");
  if (colon != std::string_view::npos) out.items = keyValues(text.substr(colon + 1), what, accepted, {}, form);
  return out;
}

}  // namespace gradlab::util

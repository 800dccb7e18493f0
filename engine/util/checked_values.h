#pragma once
// One parser for every number and key=value list GradLab takes as text: gradlab-cli's options,
// the optimizer, schedule, augmentation and initialisation specs, and the lab's fields. It decides
// in one place what a number is (finite, inside its range, whole where an integer is asked for) and
// how a refusal reads, always one line naming the option and the accepted range:
//
//   --noise: -1 is out of range [0, 10]
//   crop: 2.5 is not an integer in [0, 64]
//   --validation: 'nan' is not a finite number in [0, 1)
//
// Every function throws std::invalid_argument with such a message; user text in it is passed
// through util::printable, so control bytes never reach a terminal or a dialog.
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace gradlab::util {

// An interval of accepted values; `integer` asks for whole numbers.
struct Range {
  double min = 0, max = 0;
  bool minOpen = false, maxOpen = false;  // excludes the bound: (0, 1e6]
  bool integer = false;

  static Range closed(double min, double max) { return {min, max, false, false, false}; }
  static Range integers(double min, double max) { return {min, max, false, false, true}; }
  static Range aboveZero(double max) { return {0, max, true, false, false}; }  // (0, max]

  bool contains(double value) const;
  std::string text() const;  // "[0, 1)", "(0, 1000000]"
};

// `text` as a number in `range`. `name` leads the message: "--noise", "crop".
double parseNumber(std::string_view name, std::string_view text, const Range& range);
// As parseNumber for an integer range, returned exactly (no detour through double).
long long parseInteger(std::string_view name, std::string_view text, const Range& range);
// The same check for a value that is already a number (a field in the lab, a loaded setting).
void checkNumber(std::string_view name, double value, const Range& range);

struct KeyValue {
  std::string key, value;
  bool hasValue = false;  // "flip" has none; "crop=" has an empty one
};

// "NAME" or "NAME:key=value,key=value" (spaces around each part ignored).
struct Spec {
  std::string name;
  std::vector<KeyValue> items;
  // The value of `key`, or nullptr.
  const KeyValue* find(std::string_view key) const;
};

// "lr=0.01,beta2=0.99" (an empty list gives no items). `what` leads the messages ("--augment"),
// unless empty (when the caller adds its own prefix).
// Refuses an empty key, a key given twice, and keys outside `accepted` when it is not empty;
// `valueless` lists the keys that may (and must) come without "=value", like "flip".
std::vector<KeyValue> parseKeyValues(std::string_view list, std::string_view what,
                                     const std::vector<std::string>& accepted = {},
                                     const std::vector<std::string>& valueless = {});
// "adam:lr=0.01,beta2=0.99": the name before the first ':' and the key=value list after it,
// checked as parseKeyValues checks it (every key needs a value).
Spec parseSpec(std::string_view text, std::string_view what, const std::vector<std::string>& accepted = {});
// Refuses the first key of `items` outside `accepted`, in parseKeyValues' words: for a list whose
// accepted keys depend on the name before it (a schedule's keys on the schedule).
void checkKeys(const std::vector<KeyValue>& items, std::string_view what, const std::vector<std::string>& accepted);

// "a, b, c" for messages.
std::string joinedNames(const std::vector<std::string>& names);

// `read()`, a refusal it throws led by `name` as the refusals above are: for text a parser
// elsewhere refuses in its own words ("--schedule: Unknown schedule 'linear'; accepted: ...").
template <typename F>
auto readNamed(std::string_view name, F&& read) {
  try {
    return read();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(std::string(name) + ": " + e.what());
  }
}

}  // namespace gradlab::util

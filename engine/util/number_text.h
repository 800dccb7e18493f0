#pragma once
// A number as a person reads it in a label or a settings list: six significant digits, no
// trailing zeros (0.1, 1e-05, 0.9), the way a stream writes a double.
#include <sstream>
#include <string>

namespace gradlab::util {

inline std::string numberText(double value) {
  std::ostringstream text;
  text << value;
  return text.str();
}

}  // namespace gradlab::util

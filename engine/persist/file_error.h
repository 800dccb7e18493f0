#pragma once
// Why an experiment file could not be saved or opened, in words for the user: what is wrong and
// what to do. Loading throws nothing else, whatever bytes the file holds.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <string_view>

namespace gradlab::persist {

struct FileError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// Text taken from a file or a file name, made safe to quote in a one-line message: at most
// `limit` bytes of it, control bytes, backslashes and bytes outside ASCII written as \xNN
// escapes, "..." marking a cut. A hostile file cannot make a message long or multi-line.
inline std::string excerpt(std::string_view text, size_t limit = 60) {
  std::string out;
  for (size_t i = 0; i < text.size() && i < limit; ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f && c != '\\') {
      out += char(c);
    } else {
      char escaped[5];
      std::snprintf(escaped, sizeof escaped, "\\x%02x", c);
      out += escaped;
    }
  }
  if (text.size() > limit) out += "...";
  return out;
}

}  // namespace gradlab::persist

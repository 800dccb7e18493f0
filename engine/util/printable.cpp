#include "util/printable.h"

#include <algorithm>
#include <cstdio>

namespace gradlab::util {
namespace {

// Length of the UTF-8 sequence starting at text[i] and its code point, or 0 when it is not one.
std::size_t utf8Sequence(std::string_view text, std::size_t i, char32_t* codePoint) {
  const auto byte = [&](std::size_t k) { return static_cast<unsigned char>(text[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = lead >= 0xf0 && lead <= 0xf4 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc2 ? 2 : 0;
  if (lead >= 0xf5 || length == 0 || i + length > text.size()) return 0;
  char32_t cp = lead & (0x7f >> length);
  for (std::size_t k = 1; k < length; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (byte(i + k) & 0x3f);
  }
  const char32_t smallest[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < smallest[length] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;  // overlong, surrogate
  *codePoint = cp;
  return length;
}

std::string hexEscape(const char* format, unsigned value) {
  char buffer[16];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

}  // namespace

std::string printable(std::string_view text, std::size_t maxBytes) {
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    std::string shown;
    std::size_t length = 1;
    if (c >= 0x20 && c < 0x7f) {
      shown = char(c);
    } else if (c < 0x80) {
      shown = c == '\n' ? "\\n" : c == '\t' ? "\\t" : c == '\r' ? "\\r" : hexEscape("\\x%02x", c);
    } else {
      char32_t cp = 0;
      length = utf8Sequence(text, i, &cp);
      if (length == 0)
        shown = hexEscape("\\x%02x", c);  // not UTF-8: shown, never passed on raw
      else if (cp < 0xa0)
        shown = hexEscape("\\u%04x", unsigned(cp));  // C1 controls (CSI, OSC as U+009B, U+009D)
      else
        shown = std::string(text.substr(i, length));
      length = std::max<std::size_t>(length, 1);
    }
    if (out.size() + shown.size() > maxBytes) break;
    out += shown;
    i += length;
  }
  if (i < text.size()) out += "... (" + std::to_string(text.size() - i) + " more bytes)";
  return out;
}

std::string printableLines(std::string_view text, std::size_t maxLines, std::size_t maxBytesPerLine) {
  std::string out;
  std::size_t start = 0, lines = 0;
  while (start <= text.size()) {
    const std::size_t end = std::min(text.find('\n', start), text.size());
    if (lines < maxLines) out += (lines ? "\n" : "") + printable(text.substr(start, end - start), maxBytesPerLine);
    ++lines;
    start = end + 1;
  }
  if (lines > maxLines) out += "\n... and " + std::to_string(lines - maxLines) + " more";
  return out;
}

}  // namespace gradlab::util

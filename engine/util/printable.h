#pragma once
// Text from users and files (a network's title, a value typed on the command line, a path) made
// safe to quote in a message, a window title or a dialog: control characters become visible
// escapes ("\x1b", "\n") instead of acting on the terminal, and a runaway quote is cut short.
#include <cstddef>
#include <string>
#include <string_view>

namespace gradlab::util {

// `text` with C0 and C1 control characters (and bytes that are not UTF-8) escaped as \n, \t,
// \r or \xNN / \u0080, at most `maxBytes` bytes of it (escapes counted as shown), then
// "... (N more bytes)" saying how much of `text` was left out.
std::string printable(std::string_view text, std::size_t maxBytes = 200);

// A message that may hold several lines (one per problem): each line made printable as above,
// kept apart by '\n', and at most `maxLines` of them (then "... and N more").
std::string printableLines(std::string_view text, std::size_t maxLines = 20, std::size_t maxBytesPerLine = 1000);

}  // namespace gradlab::util

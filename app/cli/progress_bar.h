#pragma once
// A one-line progress bar on standard error, redrawn in place: "what [=====     ] done/total  rate/s".
#include <cstddef>

namespace gradlab::cli {

// Draws nothing unless `tty` (standard error is a terminal and --quiet was not given).
void progressBar(bool tty, const char* what, size_t done, size_t total, double seconds);

}  // namespace gradlab::cli

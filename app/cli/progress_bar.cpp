#include "cli/progress_bar.h"

#include <algorithm>
#include <cstdio>

namespace gradlab::cli {

void progressBar(bool tty, const char* what, size_t done, size_t total, double seconds) {
  if (!tty) return;
  const int width = 30, filled = total ? int(width * double(done) / total) : 0;
  std::fprintf(stderr, "\r%s [%.*s%*s] %zu/%zu  %.1f/s ", what, filled,
               "==============================", width - filled, "", done, total, done / std::max(seconds, 1e-9));
  std::fflush(stderr);
}

}  // namespace gradlab::cli

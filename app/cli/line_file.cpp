#include "cli/line_file.h"

#include "cli/arguments.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace gradlab::cli {

LineFile::LineFile(const std::string& path, const std::string& option) : path_(path) {
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) throw UsageError(option + ": cannot write " + path + " (" + std::strerror(errno) + ")");
}

LineFile::~LineFile() {
  if (fd_ >= 0) ::close(fd_);
}

void LineFile::append(const std::string& lines) {
  size_t done = 0;
  while (done < lines.size()) {  // a regular file takes it in one call; the loop is for EINTR and full disks
    const ssize_t n = ::write(fd_, lines.data() + done, lines.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw std::runtime_error("cannot write " + path_ + ": " + std::strerror(errno));
    done += size_t(n);
  }
}

}  // namespace gradlab::cli

#include "persist/atomic_file.h"

#include "persist/file_error.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

namespace gradlab::persist {
namespace {

std::string reason(int error) { return std::strerror(error); }

// Creates a file of a new name next to `path` ("name.tmp-PID-N"), with O_EXCL so that two saves
// never share one.
int createTemporary(const std::filesystem::path& path, std::filesystem::path& temporary) {
  static std::atomic<uint64_t> counter{std::random_device{}()};
  for (int attempt = 0; attempt < 100; ++attempt) {
    temporary = path;
    temporary += ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

bool writeAll(int fd, std::string_view bytes) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (n == 0) errno = EIO;
      return false;
    }
    bytes.remove_prefix(size_t(n));
  }
  return true;
}

}  // namespace

void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes) {
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  std::filesystem::path temporary;
  const int fd = createTemporary(path, temporary);
  if (fd < 0)
    throw FileError("Cannot save " + path.string() + ": cannot create a file in " + folder.string() + " (" +
                    reason(errno) + "). Choose a folder you can write to.");
  // A replaced file keeps its permissions.
  struct stat old;
  if (::stat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode)) ::fchmod(fd, old.st_mode & 07777);

  const char* failedStep = nullptr;
  if (!writeAll(fd, bytes)) failedStep = "writing";
  else if (::fsync(fd) != 0) failedStep = "flushing it to disk";
  int error = errno;
  if (::close(fd) != 0 && !failedStep) failedStep = "closing it", error = errno;
  if (!failedStep && ::rename(temporary.c_str(), path.c_str()) != 0) failedStep = "replacing the file", error = errno;
  if (failedStep) {
    ::unlink(temporary.c_str());
    throw FileError("Cannot save " + path.string() + ": " + failedStep + " failed (" + reason(error) +
                    "). Any previous file there is unchanged; free some space or choose another location.");
  }
  // The rename itself reaches the disk with the folder's entry; not every file system can sync a
  // folder, and the data is already safe, so a failure here is not reported.
  const int dir = ::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

}  // namespace gradlab::persist

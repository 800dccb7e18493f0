#include "persist/atomic_file.h"

#include "persist/file_error.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <string>

namespace gradlab::persist {
namespace {

std::string reason(int error) { return std::strerror(error); }

constexpr std::string_view kTemporaryMark = ".tmp-";

// Creates a file of a new name next to `path` ("name.tmp-PID-N"), with O_EXCL so that two saves
// never share one.
int createTemporary(const std::filesystem::path& path, std::filesystem::path& temporary) {
  static std::atomic<uint64_t> counter{std::random_device{}()};
  for (int attempt = 0; attempt < 100; ++attempt) {
    temporary = path;
    temporary += std::string(kTemporaryMark) + std::to_string(getpid()) + "-" + std::to_string(counter++);
    const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
    if (fd >= 0 || errno != EEXIST) return fd;
  }
  errno = EEXIST;
  return -1;
}

// The writer's process id in a temporary file's name ("name.tmp-PID-N" with `name` given, or any
// name when `name` is empty), or 0 when the name is not one of ours.
int temporaryWriter(const std::string& file, const std::string& name) {
  const size_t mark = file.rfind(kTemporaryMark);
  if (mark == std::string::npos || mark == 0) return 0;
  if (!name.empty() && (mark != name.size() || file.compare(0, mark, name) != 0)) return 0;
  const std::string rest = file.substr(mark + kTemporaryMark.size());
  const size_t dash = rest.find('-');
  if (dash == 0 || dash == std::string::npos || dash > 9 || dash + 1 == rest.size()) return 0;
  const auto digits = [](std::string_view s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  if (!digits(std::string_view(rest).substr(0, dash)) || !digits(std::string_view(rest).substr(dash + 1))) return 0;
  return std::stoi(rest.substr(0, dash));
}

// A symbolic link is written through: the file it points to is replaced and the link kept.
std::filesystem::path throughLinks(std::filesystem::path path) {
  std::error_code error;
  for (int hop = 0; hop < 40 && std::filesystem::is_symlink(path, error); ++hop) {
    const std::filesystem::path target = std::filesystem::read_symlink(path, error);
    if (error) break;
    path = target.is_absolute() ? target : path.parent_path() / target;
  }
  return path;
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

void removeStaleTemporaries(const std::filesystem::path& folder, const std::string& name) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder, error)) {
    const int writer = temporaryWriter(entry.path().filename().string(), name);
    if (writer > 0 && writer != ::getpid() && ::kill(writer, 0) != 0 && errno == ESRCH) {
      std::error_code ignored;
      std::filesystem::remove(entry.path(), ignored);
    }
  }
}

void writeFileAtomically(const std::filesystem::path& requested, std::string_view bytes) {
  const std::filesystem::path path = throughLinks(requested);
  const std::filesystem::path folder = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");
  removeStaleTemporaries(folder, path.filename().string());
  std::filesystem::path temporary;
  const int fd = createTemporary(path, temporary);
  if (fd < 0)
    throw FileError("Cannot save " + requested.string() + ": cannot create a file in " + folder.string() + " (" +
                    reason(errno) + "). Choose a folder you can write to.");
  // A replaced file keeps its permissions.
  struct stat old;
  if (::stat(path.c_str(), &old) == 0 && S_ISREG(old.st_mode)) ::fchmod(fd, old.st_mode & 07777);

  const char* failedStep = nullptr;
  if (!writeAll(fd, bytes))
    failedStep = "writing";
  else if (::fsync(fd) != 0)
    failedStep = "flushing it to disk";
  int error = errno;
  if (::close(fd) != 0 && !failedStep) failedStep = "closing it", error = errno;
  if (!failedStep && ::rename(temporary.c_str(), path.c_str()) != 0) failedStep = "replacing the file", error = errno;
  if (failedStep) {
    ::unlink(temporary.c_str());
    throw FileError("Cannot save " + requested.string() + ": " + failedStep + " failed (" + reason(error) +
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

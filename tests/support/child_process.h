#pragma once
// Runs a piece of a test in a forked child under a time limit and a memory limit, so that a hang,
// a crash or a runaway allocation fails the test instead of taking the test process down with it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <string>
#include <vector>

namespace gradlab::test {

struct ChildOutcome {
  bool exited = false;   // returned from the body (not killed, not crashed)
  int exitCode = -1;     // when it exited
  int signal = 0;        // the signal that ended it, if one did
  size_t peakBytes = 0;  // its largest resident set
  bool timedOut = false;
  std::string message;  // what the body returned, or "unexpected: ..." when it threw
  double seconds = 0;
};

// The process's current address space in bytes, from /proc (0 where there is none).
inline size_t addressSpaceBytes() {
  std::ifstream status("/proc/self/status");
  std::string key;
  size_t kib = 0;
  while (status >> key)
    if (key == "VmSize:" && status >> kib) return kib * 1024;
  return 0;
}

namespace detail {

// Collects what the child writes to `output` until it closes it or `seconds` pass (then the child
// is killed), and how it ended.
inline ChildOutcome finish(pid_t child, int output, double seconds, std::chrono::steady_clock::time_point start) {
  ChildOutcome out;
  char buffer[4096];
  for (;;) {
    const double left = seconds - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    pollfd p{output, POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, int(left * 1000) + 1) == 0) {
      out.timedOut = true;
      ::kill(child, SIGKILL);
      break;
    }
    const ssize_t n = ::read(output, buffer, sizeof buffer);
    if (n <= 0) break;
    if (out.message.size() < (size_t(1) << 20)) out.message.append(buffer, size_t(n));
  }
  ::close(output);
  int status = 0;
  rusage usage{};
  ::wait4(child, &status, 0, &usage);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.exited = WIFEXITED(status) && !out.timedOut;
  if (WIFEXITED(status)) out.exitCode = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  out.peakBytes = size_t(usage.ru_maxrss) * 1024;
  return out;
}

// AddressSanitizer reserves terabytes of shadow address space as a program starts, so an
// instrumented program cannot start under an address-space limit.
#if defined(__SANITIZE_ADDRESS__)  // GCC
constexpr bool kAddressSanitizer = true;
#elif defined(__has_feature)  // Clang
#if __has_feature(address_sanitizer)
constexpr bool kAddressSanitizer = true;
#else
constexpr bool kAddressSanitizer = false;
#endif
#else
constexpr bool kAddressSanitizer = false;
#endif

inline void limitAddressSpace(size_t bytes) {
  const rlimit memory{rlim_t(bytes), rlim_t(bytes)};
  ::setrlimit(RLIMIT_AS, &memory);
}

}  // namespace detail

// Forks; the child may grow its address space by at most `extraMemory` bytes and runs `body`,
// whose returned text comes back as `message`. After `seconds` the child is killed.
inline ChildOutcome runInChild(const std::function<std::string()>& body, double seconds,
                               size_t extraMemory = size_t(512) << 20) {
  int pipeEnds[2];
  if (::pipe(pipeEnds) != 0) return {};
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipeEnds[0]);
    detail::limitAddressSpace(addressSpaceBytes() + extraMemory);
    std::string text;
    int code = 0;
    try {
      text = body();
    } catch (const std::exception& e) {
      text = std::string("unexpected: ") + e.what(), code = 2;
    }
    for (size_t done = 0; done < text.size();) {
      const ssize_t n = ::write(pipeEnds[1], text.data() + done, text.size() - done);
      if (n <= 0) break;
      done += size_t(n);
    }
    ::_exit(code);
  }
  ::close(pipeEnds[1]);
  return detail::finish(child, pipeEnds[0], seconds, start);
}

// Runs a program with standard output and error both captured in `message`, its address space
// limited to `memory` bytes, killed after `seconds`.
inline ChildOutcome runProgram(const std::vector<std::string>& argv, double seconds, size_t memory) {
  int pipeEnds[2];
  if (::pipe(pipeEnds) != 0) return {};
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    ::dup2(pipeEnds[1], 1);
    ::dup2(pipeEnds[1], 2);
    ::close(pipeEnds[0]);
    ::close(pipeEnds[1]);
    const int devNull = ::open("/dev/null", O_RDONLY);
    if (devNull >= 0) ::dup2(devNull, 0);
    // The program comes from the same build, so it is instrumented when this test is; its peak
    // resident set is still measured.
    if (!detail::kAddressSanitizer) detail::limitAddressSpace(memory);
    ::execv(args[0], args.data());
    ::_exit(127);
  }
  ::close(pipeEnds[1]);
  return detail::finish(child, pipeEnds[0], seconds, start);
}

// Whether a message is one line of printable ASCII, no longer than `limit`; with `allowNonAscii`,
// bytes past ASCII (UTF-8 text) pass too, control bytes still do not.
inline bool isOneShortLine(const std::string& message, size_t limit = 600, bool allowNonAscii = false) {
  if (message.empty() || message.size() > limit) return false;
  for (unsigned char c : message)
    if (c < 0x20 || c == 0x7f || (c > 0x7f && !allowNonAscii)) return false;
  return true;
}

}  // namespace gradlab::test

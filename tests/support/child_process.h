#pragma once
// Runs a piece of a test in a forked child under a time limit and a memory limit, so that a hang,
// a crash or a runaway allocation fails the test instead of taking the test process down with it.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <exception>
#include <fstream>
#include <functional>
#include <string>

namespace gradlab::test {

struct ChildOutcome {
  bool exited = false;   // returned from the body (not killed, not crashed)
  int signal = 0;        // the signal that ended it, if one did
  bool timedOut = false;
  std::string message;   // what the body returned, or "unexpected: ..." when it threw
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

// Forks; the child may grow its address space by at most `extraMemory` bytes and runs `body`,
// whose returned text comes back as `message`. After `seconds` the child is killed.
inline ChildOutcome runInChild(const std::function<std::string()>& body, double seconds,
                               size_t extraMemory = size_t(512) << 20) {
  ChildOutcome out;
  int pipeEnds[2];
  if (::pipe(pipeEnds) != 0) return out;
  const auto start = std::chrono::steady_clock::now();
  const pid_t child = ::fork();
  if (child == 0) {
    ::close(pipeEnds[0]);
    const rlim_t limit = addressSpaceBytes() + extraMemory;
    const rlimit memory{limit, limit};
    ::setrlimit(RLIMIT_AS, &memory);
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
  char buffer[4096];
  for (;;) {
    const double left = seconds - std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    pollfd p{pipeEnds[0], POLLIN, 0};
    if (left <= 0 || ::poll(&p, 1, int(left * 1000) + 1) == 0) {
      out.timedOut = true;
      ::kill(child, SIGKILL);
      break;
    }
    const ssize_t n = ::read(pipeEnds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    out.message.append(buffer, size_t(n));
  }
  ::close(pipeEnds[0]);
  int status = 0;
  ::waitpid(child, &status, 0);
  out.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  out.exited = WIFEXITED(status) && !out.timedOut;
  if (WIFSIGNALED(status)) out.signal = WTERMSIG(status);
  return out;
}

// Whether a message is one line of printable ASCII, no longer than `limit`.
inline bool isOneShortLine(const std::string& message, size_t limit = 600) {
  if (message.empty() || message.size() > limit) return false;
  for (unsigned char c : message)
    if (c < 0x20 || c >= 0x7f) return false;
  return true;
}

}  // namespace gradlab::test

#include "bench/benchmarks.h"

#include <sys/wait.h>
#include <unistd.h>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace gradlab::bench {
namespace {

const char* kPython = "/usr/bin/python3";

std::filesystem::path writeScript(const std::string& script, const std::string& tag) {
  static int count = 0;
  const auto path = std::filesystem::temp_directory_path() /
                    ("gradlab-peer-" + std::to_string(getpid()) + "-" + tag + std::to_string(count++) + ".py");
  std::ofstream out(path);
  out << script;
  return path;
}

}  // namespace

std::string runPython(const std::string& script, const std::string& environment) {
  if (!std::filesystem::exists(kPython)) return {};
  const auto path = writeScript(script, "run");
  std::string output;
  const std::string command = environment + " " + kPython + " " + path.string() + " 2>/dev/null";
  if (FILE* pipe = popen(command.c_str(), "r")) {
    char buffer[4096];
    size_t n;
    while ((n = fread(buffer, 1, sizeof buffer, pipe)) > 0) output.append(buffer, n);
    if (pclose(pipe) != 0) output.clear();
  }
  std::filesystem::remove(path);
  return output;
}

PythonPeer::PythonPeer(const std::string& script, const std::vector<std::pair<std::string, std::string>>& environment) {
  if (!std::filesystem::exists(kPython)) return;
  script_ = writeScript(script, "peer");
  int toChild[2], fromChild[2];
  if (pipe(toChild) != 0) return;
  if (pipe(fromChild) != 0) {
    close(toChild[0]);
    close(toChild[1]);
    return;
  }
  std::signal(SIGPIPE, SIG_IGN);  // a peer that died answers with an empty line, not a signal
  pid_ = fork();
  if (pid_ == 0) {
    dup2(toChild[0], STDIN_FILENO);
    dup2(fromChild[1], STDOUT_FILENO);
    if (FILE* null = std::fopen("/dev/null", "w")) dup2(fileno(null), STDERR_FILENO);
    for (int fd : {toChild[0], toChild[1], fromChild[0], fromChild[1]}) close(fd);
    for (const auto& [name, value] : environment) setenv(name.c_str(), value.c_str(), 1);
    execl(kPython, kPython, script_.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(toChild[0]);
  close(fromChild[1]);
  if (pid_ < 0) {
    close(toChild[1]);
    close(fromChild[0]);
    return;
  }
  to_ = fdopen(toChild[1], "w");
  from_ = fdopen(fromChild[0], "r");
}

PythonPeer::~PythonPeer() {
  if (to_) std::fclose(to_);  // end of input: the script's loop ends and it exits
  if (from_) std::fclose(from_);
  if (pid_ > 0) waitpid(pid_, nullptr, 0);
  if (!script_.empty()) std::filesystem::remove(script_);
}

std::string PythonPeer::ask(const std::string& line) {
  if (!to_ || !from_) return {};
  if (std::fprintf(to_, "%s\n", line.c_str()) < 0 || std::fflush(to_) != 0) return {};
  return answer();
}

std::string PythonPeer::answer() {
  if (!from_) return {};
  std::string reply;
  char buffer[256];
  while (std::fgets(buffer, sizeof buffer, from_)) {
    reply += buffer;
    if (!reply.empty() && reply.back() == '\n') {
      reply.pop_back();
      return reply;
    }
  }
  return {};  // the peer exited (no torch, or it failed)
}

}  // namespace gradlab::bench

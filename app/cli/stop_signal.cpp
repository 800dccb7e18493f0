#include "cli/stop_signal.h"

#include <signal.h>

#include <csignal>
#include <cstdio>

namespace gradlab::cli {
namespace {

volatile std::sig_atomic_t gStopSignal = 0;

void requestStop(int signal) { gStopSignal = signal; }

}  // namespace

void stopOnSignals() {
  struct sigaction action {};
  action.sa_handler = requestStop;
  action.sa_flags = SA_RESTART;  // blocking calls (writes, the driver's waits) resume rather than fail with EINTR
  sigemptyset(&action.sa_mask);
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

int stopSignal() { return gStopSignal; }

int reportStop(const std::string& command, uint64_t step, uint64_t total, const std::string& files) {
  std::fflush(stdout);
  std::fprintf(stderr, "gradlab-cli %s: stopped by %s after step %llu of %llu; %s\n", command.c_str(),
               gStopSignal == SIGINT ? "SIGINT" : "SIGTERM", (unsigned long long)step, (unsigned long long)total,
               files.c_str());
  return 128 + gStopSignal;
}

}  // namespace gradlab::cli

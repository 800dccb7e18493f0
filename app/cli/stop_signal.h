#pragma once
// SIGINT and SIGTERM ask a training loop to stop at the next step boundary, so its CSV files end
// with whole rows and its summary so far is printed; the command then exits 128 + the signal.
#include <cstdint>
#include <string>

namespace gradlab::cli {

// Installs the handlers; from then on a signal sets stopSignal() instead of ending the process.
void stopOnSignals();
// 0 until SIGINT or SIGTERM arrived, then that signal.
int stopSignal();
// After a loop stopped by a signal: says on stderr which signal stopped `command` at `step` of
// `total` and what that means for its files (`files`: "the CSV files end at that step"); returns
// the exit code, 128 + the signal, as a shell reports a process the signal ended.
int reportStop(const std::string& command, uint64_t step, uint64_t total, const std::string& files);

}  // namespace gradlab::cli

#pragma once
// gradlab-bench's benchmarks. Each prints a table and returns an exit code.
#include <string>
#include <vector>

namespace gradlab::bench {

int gemmBenchmark(const std::vector<std::string>& args);
int trainBenchmark(const std::vector<std::string>& args);
int landscapeBenchmark(const std::vector<std::string>& args);
int fftConvBenchmark(const std::vector<std::string>& args);
int uiLatencyBenchmark(const std::vector<std::string>& args);  // built with the lab window only

// Runs `script` under Debian's /usr/bin/python3 (where python3-torch lives) and returns its
// standard output, or an empty string when that interpreter or torch is missing.
std::string runPython(const std::string& script, const std::string& environment);

}  // namespace gradlab::bench

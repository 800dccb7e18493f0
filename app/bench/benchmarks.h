#pragma once
// gradlab-bench's benchmarks. Each prints a table and returns an exit code.
#include "data/dataset.h"

#include <sys/types.h>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <string>
#include <utility>
#include <vector>

namespace gradlab::cli {
class Arguments;
}

namespace gradlab::bench {

int gemmBenchmark(const std::vector<std::string>& args);
int trainBenchmark(const std::vector<std::string>& args);
int landscapeBenchmark(const std::vector<std::string>& args);
int fftConvBenchmark(const std::vector<std::string>& args);
int compareBenchmark(const std::vector<std::string>& args);
int uiLatencyBenchmark(const std::vector<std::string>& args);  // built with the lab window only

// `samples` Fashion-MNIST training images when the data set is installed, random 28x28 images
// with random labels otherwise.
data::Dataset benchmarkImages(uint32_t samples);

// The median of timings over rounds; -1 for none.
inline double median(std::vector<double> v) {
  if (v.empty()) return -1;
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : 0.5 * (v[v.size() / 2 - 1] + v[v.size() / 2]);
}

// Milliseconds per item of the `count` items `work` does.
template <class F>
double millisecondsPer(uint32_t count, F&& work) {
  const auto start = std::chrono::steady_clock::now();
  work();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count() / count * 1000;
}

// The files of the option --networks (FILE,...), or the MLP 784-256-256-10 and LeNet-5 examples
// without it.
std::vector<std::string> networkFiles(const cli::Arguments& options);

// Runs `script` under Debian's /usr/bin/python3 (where python3-torch lives) and returns its
// standard output, or an empty string when that interpreter or torch is missing.
std::string runPython(const std::string& script, const std::string& environment);

// A /usr/bin/python3 process kept running between timings, so that timings of GradLab and of its
// PyTorch peer can alternate and meet the same machine state: on a shared CPU the speed of both
// drifts over seconds, and timings taken minutes apart compare two different machines. The script
// answers each line it reads on standard input with one line on standard output.
class PythonPeer {
 public:
  PythonPeer(const std::string& script, const std::vector<std::pair<std::string, std::string>>& environment);
  ~PythonPeer();
  PythonPeer(const PythonPeer&) = delete;
  PythonPeer& operator=(const PythonPeer&) = delete;

  // Sends `line` and returns the peer's answer, or an empty string once it has exited.
  std::string ask(const std::string& line);
  // The peer's next line of output (one it writes unasked, such as "ready"), or an empty string.
  std::string answer();

 private:
  std::string script_;
  pid_t pid_ = -1;
  FILE* to_ = nullptr;
  FILE* from_ = nullptr;
};

}  // namespace gradlab::bench

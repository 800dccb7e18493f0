#include "persist/autosave.h"

#include "persist/atomic_file.h"
#include "persist/experiment_file.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <sstream>
#include <string>

namespace gradlab::persist {
namespace {

constexpr const char* kPrefix = "autosave-";
constexpr const char* kMarkerExtension = ".running";

// When a process started, in clock ticks since boot (/proc/PID/stat field 22); "" without /proc.
// A marker records it so that a later process given the same id is not taken for its writer.
std::string startTime(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string line;
  if (!std::getline(in, line)) return "";
  const size_t commandEnd = line.rfind(')');  // the command name may hold spaces and parentheses
  if (commandEnd == std::string::npos) return "";
  std::istringstream fields(line.substr(commandEnd + 1));
  std::string field;
  for (int i = 3; i <= 22; ++i)
    if (!(fields >> field)) return "";
  return field;
}

// Whether the session that wrote this marker is gone without having removed it.
bool ended(const std::filesystem::path& marker, int pid) {
  if (::kill(pid, 0) != 0 && errno != EPERM) return true;
  std::ifstream in(marker);
  int recordedPid = 0;
  std::string recordedStart;
  in >> recordedPid >> recordedStart;
  const std::string start = startTime(pid);
  return !start.empty() && !recordedStart.empty() && start != recordedStart;
}

// The process id in "autosave-PID.running", or 0.
int markerPid(const std::filesystem::path& file) {
  const std::string name = file.filename().string(), prefix = kPrefix;
  if (file.extension() != kMarkerExtension || name.rfind(prefix, 0) != 0) return 0;
  const std::string digits = file.stem().string().substr(prefix.size());
  if (digits.empty() || digits.size() > 9 ||
      !std::all_of(digits.begin(), digits.end(), [](char c) { return c >= '0' && c <= '9'; }))
    return 0;
  return std::stoi(digits);
}

}  // namespace

AutosaveSlot::AutosaveSlot(std::filesystem::path folder) : folder_(std::move(folder)), pid_(int(::getpid())) {
  std::error_code error;
  std::filesystem::create_directories(folder_, error);
  if (error)
    throw FileError("Cannot use the autosave folder " + folder_.string() + " (" + error.message() +
                    "). Autosave needs a folder GradLab can write to.");
}

std::filesystem::path AutosaveSlot::autosaveFile(int pid) const {
  return folder_ / (kPrefix + std::to_string(pid) + kExtension);
}

std::filesystem::path AutosaveSlot::markerFile(int pid) const {
  return folder_ / (kPrefix + std::to_string(pid) + kMarkerExtension);
}

std::vector<Recoverable> AutosaveSlot::recoverable() const {
  std::vector<Recoverable> found;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, error)) {
    const int pid = markerPid(entry.path());
    if (pid == 0 || pid == pid_) continue;
    if (!ended(entry.path(), pid)) continue;
    const std::filesystem::path file = autosaveFile(pid);
    std::error_code missing;
    const auto savedAt = std::filesystem::last_write_time(file, missing);
    if (!missing) found.push_back({file, savedAt, pid});
  }
  std::sort(found.begin(), found.end(),
            [](const Recoverable& a, const Recoverable& b) { return a.savedAt > b.savedAt; });
  return found;
}

void AutosaveSlot::discard(const Recoverable& r) const {
  std::error_code ignored;
  std::filesystem::remove(autosaveFile(r.pid), ignored);
  std::filesystem::remove(markerFile(r.pid), ignored);
}

void AutosaveSlot::begin() {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder_, error)) {
    const int pid = markerPid(entry.path());
    std::error_code ignored;
    if (pid != 0 && pid != pid_ && !std::filesystem::exists(autosaveFile(pid), ignored) && ended(entry.path(), pid))
      std::filesystem::remove(entry.path(), ignored);
  }
  removeStaleTemporaries(folder_);  // of autosaves killed mid-write; no later save shares their names
  writeFileAtomically(markerFile(pid_), std::to_string(pid_) + " " + startTime(pid_) + "\n");
}

void AutosaveSlot::save(const Experiment& experiment) const { saveExperiment(experiment, autosaveFile()); }

void AutosaveSlot::finish() {
  std::error_code ignored;
  std::filesystem::remove(autosaveFile(), ignored);
  std::filesystem::remove(markerFile(pid_), ignored);
}

}  // namespace gradlab::persist

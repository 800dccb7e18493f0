#pragma once
// Autosave and crash recovery. Each running lab session owns a marker file and an autosave file in
// one folder (the UI passes QStandardPaths::AppDataLocation); a clean exit removes both. At the
// next start, a marker whose process is gone means that session ended without a clean exit (a
// crash, a kill, power loss), and its autosave is offered for restoring. Several lab windows can
// run at once: each has its own files and sees the others as running, not crashed.
#include "persist/experiment.h"

#include <chrono>
#include <filesystem>
#include <vector>

namespace gradlab::persist {

// How often the lab autosaves while it runs (and once more on quit).
inline constexpr std::chrono::seconds kAutosaveInterval{30};

// An experiment autosaved by a session that did not exit cleanly.
struct Recoverable {
  std::filesystem::path file;  // open with loadExperiment
  std::filesystem::file_time_type savedAt;
  int pid = 0;  // the process that wrote it
};

class AutosaveSlot {
 public:
  // Creates `folder` if it does not exist; throws FileError if it cannot.
  explicit AutosaveSlot(std::filesystem::path folder);

  // Sessions that ended without a clean exit and left an autosave, newest first. Ask before begin().
  std::vector<Recoverable> recoverable() const;
  // Removes what such a session left, once it was restored (and saved anew) or declined.
  void discard(const Recoverable& r) const;

  // Marks this session as running (and forgets crashed sessions that never autosaved).
  void begin();
  // Writes this session's autosave atomically; throws FileError.
  void save(const Experiment& experiment) const;
  // A clean exit: removes this session's autosave and marker.
  void finish();

  const std::filesystem::path& folder() const { return folder_; }
  std::filesystem::path autosaveFile() const { return autosaveFile(pid_); }

 private:
  std::filesystem::path autosaveFile(int pid) const;
  std::filesystem::path markerFile(int pid) const;

  std::filesystem::path folder_;
  int pid_;
};

}  // namespace gradlab::persist

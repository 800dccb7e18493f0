#pragma once
// Experiment files (.gradlab): a fixed header (signature, CRC-32, format version, payload size,
// the GradLab version that wrote it) followed by a Boost text archive of the Experiment. The
// layout and the versioning policy are in docs/EXPERIMENT_FORMAT.md.
#include "persist/experiment.h"
#include "persist/file_error.h"

#include <cstdint>
#include <filesystem>
#include <string>

namespace gradlab::persist {

// The newest format this GradLab writes and reads; it also reads every older one.
constexpr uint32_t kFormatVersion = 8;
// The file name extension, with its dot.
inline constexpr const char* kExtension = ".gradlab";

// The file's bytes, and the experiment back from them. fromBytes throws FileError for anything
// that is not a complete, intact experiment file this version can read (`name` says which file).
std::string toBytes(const Experiment& experiment);
Experiment fromBytes(const std::string& bytes, const std::string& name);

// Writes atomically (see atomic_file.h): a failed or interrupted save leaves the old file as it
// was. Throws FileError, also for more comparisons than a set holds (kMaxComparisons).
void saveExperiment(const Experiment& experiment, const std::filesystem::path& path);
// Throws FileError for an unreadable path, a file that is not a GradLab experiment, a truncated
// or corrupt file, or one written by a newer GradLab; never anything else, whatever the bytes.
Experiment loadExperiment(const std::filesystem::path& path);

}  // namespace gradlab::persist

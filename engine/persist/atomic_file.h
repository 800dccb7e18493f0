#pragma once
// Writing a file so that a crash or a failed write never destroys the previous version: the bytes
// go to a temporary file in the same folder (same file system, so the rename is atomic), are
// flushed to disk, and only then replace the file by rename.
#include <filesystem>
#include <string>
#include <string_view>

namespace gradlab::persist {

// Throws FileError naming the path, the OS reason and what to do; the old file is then unchanged
// and no temporary file is left behind. A new file gets the usual permissions (0666 less the
// umask); a replaced file keeps its own. A symbolic link is written through: its target is
// replaced and the link stays. Temporary files for `path` left by writers that were killed are
// removed first.
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

// Removes the temporary files ("NAME.tmp-PID-N") in `folder` whose writing process is gone: for
// the file `name`, or for any file when `name` is empty. A running writer's file is kept.
void removeStaleTemporaries(const std::filesystem::path& folder, const std::string& name = {});

}  // namespace gradlab::persist

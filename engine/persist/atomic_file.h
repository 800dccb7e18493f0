#pragma once
// Writing a file so that a crash or a failed write never destroys the previous version: the bytes
// go to a temporary file in the same folder (same file system, so the rename is atomic), are
// flushed to disk, and only then replace the file by rename.
#include <filesystem>
#include <string_view>

namespace gradlab::persist {

// Throws FileError naming the path, the OS reason and what to do; the old file is then unchanged
// and no temporary file is left behind. A new file gets the usual permissions (0666 less the
// umask); a replaced file keeps its own.
void writeFileAtomically(const std::filesystem::path& path, std::string_view bytes);

}  // namespace gradlab::persist

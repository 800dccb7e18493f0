#pragma once
// Where GradLab's data files (networks/NAME.net) are: beside the program when it is installed
// (PREFIX/bin/PROGRAM finds PREFIX/share/gradlab), else the source tree the build came from
// (GRADLAB_SOURCE_RESOURCES), so the programs work installed, in a package's root anywhere, and
// in the build tree alike.
#include <filesystem>
#include <string>
#include <system_error>

namespace gradlab::app {

inline std::filesystem::path resourceDirectory() {
  std::error_code error;
  const std::filesystem::path program = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const std::filesystem::path installed = program.parent_path().parent_path() / "share" / "gradlab";
    if (std::filesystem::is_directory(installed / "networks", error)) return installed;
  }
  return GRADLAB_SOURCE_RESOURCES;
}

// A network file as the user gave it, or, for a bare name that is no file here ("lenet5",
// "lenet5.net"), the example network of that name; unchanged when neither exists, so the error
// names what the user typed.
inline std::string networkFile(const std::string& given) {
  std::error_code error;
  if (given.empty() || std::filesystem::exists(given, error) || given.find('/') != std::string::npos) return given;
  const std::filesystem::path example =
      resourceDirectory() / "networks" / (given.ends_with(".net") ? given : given + ".net");
  return std::filesystem::is_regular_file(example, error) ? example.string() : given;
}

}  // namespace gradlab::app

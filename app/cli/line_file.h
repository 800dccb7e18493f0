#pragma once
// A CSV file written in whole lines: each append is one write(2) of complete rows with nothing
// left buffered, so an interrupted or killed run leaves every row it wrote complete.
#include <string>

namespace gradlab::cli {

class LineFile {
 public:
  LineFile() = default;
  // Creates or truncates `path`; throws UsageError naming `option` when it cannot.
  LineFile(const std::string& path, const std::string& option);
  ~LineFile();
  LineFile(const LineFile&) = delete;
  LineFile& operator=(const LineFile&) = delete;

  explicit operator bool() const { return fd_ >= 0; }
  // `lines` must end with '\n'. Throws std::runtime_error when the disk refuses them.
  void append(const std::string& lines);

 private:
  int fd_ = -1;
  std::string path_;
};

}  // namespace gradlab::cli

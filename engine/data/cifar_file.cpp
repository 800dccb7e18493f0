#include "data/cifar_file.h"

#include "util/printable.h"

#include <filesystem>
#include <fstream>

namespace gradlab::data {
namespace {

namespace fs = std::filesystem;

constexpr uint32_t kImageBytes = 3 * 32 * 32;
constexpr uint64_t kMaxCifarBytes = uint64_t(1) << 30;  // 10x the real sets: anything larger is not CIFAR

std::string named(const fs::path& path) { return "'" + util::printable(path.string(), 300) + "'"; }

struct Layout {
  std::vector<fs::path> files;
  uint32_t labelBytes = 1;  // CIFAR-100: coarse then fine
  uint32_t classes = 10;
  fs::path namesFile;
  std::string name;
};

Layout findLayout(const fs::path& directory, const std::string& split) {
  for (const char* inner : {"", "cifar-10-batches-bin", "cifar-100-binary"}) {
    const fs::path dir = directory / inner;
    Layout l;
    if (fs::is_regular_file(dir / "data_batch_1.bin") || fs::is_regular_file(dir / "test_batch.bin")) {
      l.name = "CIFAR-10 " + split;
      l.namesFile = dir / "batches.meta.txt";
      if (split == "test") l.files = {dir / "test_batch.bin"};
      for (int i = 1; i <= 5 && split == "train"; ++i)
        l.files.push_back(dir / ("data_batch_" + std::to_string(i) + ".bin"));
      return l;
    }
    if (fs::is_regular_file(dir / "train.bin") || fs::is_regular_file(dir / "test.bin")) {
      l.name = "CIFAR-100 " + split;
      l.labelBytes = 2;
      l.classes = 100;
      l.namesFile = dir / "fine_label_names.txt";
      l.files = {dir / (split + ".bin")};
      return l;
    }
  }
  throw DataError("No CIFAR files in " + named(directory) +
                  " (expected data_batch_1.bin .. data_batch_5.bin and test_batch.bin of CIFAR-10, or train.bin "
                  "and test.bin of CIFAR-100, binary version).");
}

std::vector<std::string> classNames(const Layout& l) {
  std::vector<std::string> names;
  std::ifstream in(l.namesFile);
  for (std::string line; names.size() < l.classes && std::getline(in, line);)
    if (!line.empty()) names.push_back(util::printable(line, 40));
  if (names.size() != l.classes) {
    names.clear();
    for (uint32_t c = 0; c < l.classes; ++c) names.push_back(std::to_string(c));
  }
  return names;
}

}  // namespace

Dataset loadCifar(const std::string& directory, const std::string& split) {
  if (split != "train" && split != "test")
    throw DataError("A dataset split is train or test, not " + named(split) + ".");
  const Layout l = findLayout(directory, split);
  const uint64_t record = l.labelBytes + kImageBytes;
  uint64_t total = 0;
  for (const fs::path& f : l.files) {
    std::error_code error;
    if (!fs::is_regular_file(f, error))
      throw DataError("The CIFAR file " + named(f) +
                      " is missing or not a regular file; download the binary version again.");
    const uint64_t size = fs::file_size(f, error);
    if (!error && size > kMaxCifarBytes)
      throw DataError("The CIFAR file " + named(f) + " is " + std::to_string(size >> 20) +
                      " MiB, larger than any CIFAR file; point the dataset at the CIFAR binary files.");
    if (error || size == 0 || size % record != 0)
      throw DataError("The CIFAR file " + named(f) + " is damaged: " + std::to_string(size) +
                      " bytes is not a whole number of " + std::to_string(record) +
                      "-byte records; download the binary version again.");
    total += size;
  }
  if (total > kMaxCifarBytes)
    throw DataError("The CIFAR files in " + named(directory) + " hold " + std::to_string(total >> 20) +
                    " MiB, more than CIFAR has; point the dataset at the CIFAR binary files.");
  Dataset d;
  d.name = l.name;
  d.sampleShape = nn::Shape{3, 32, 32};
  d.classes = l.classes;
  d.classNames = classNames(l);
  d.bytes.resize(total / record * kImageBytes);
  d.labels.reserve(total / record);
  std::vector<char> buffer(record);
  for (const fs::path& f : l.files) {
    std::ifstream in(f, std::ios::binary);
    for (uint64_t i = 0, n = fs::file_size(f) / record; i < n; ++i) {
      if (!in.read(buffer.data(), std::streamsize(record)))
        throw DataError("The CIFAR file " + named(f) + " could not be read to its end; download it again.");
      const uint32_t label = uint8_t(buffer[l.labelBytes - 1]);
      if (label >= l.classes)
        throw DataError("The CIFAR file " + named(f) + " has label " + std::to_string(label) + " in record " +
                        std::to_string(i + 1) + ", outside 0-" + std::to_string(l.classes - 1) + ".");
      std::copy(buffer.begin() + l.labelBytes, buffer.end(), d.bytes.begin() + d.labels.size() * kImageBytes);
      d.labels.push_back(label);
    }
  }
  return d;
}

}  // namespace gradlab::data

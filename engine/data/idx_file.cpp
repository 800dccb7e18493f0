#include "data/idx_file.h"

#include <zlib.h>

#include <filesystem>
#include <memory>

namespace gradlab::data {
namespace {

// gzread reads gzip and plain files alike.
std::vector<uint8_t> readAll(const std::string& path) {
  if (!std::filesystem::exists(path)) throw DataError("The file " + path + " does not exist.");
  std::unique_ptr<gzFile_s, int (*)(gzFile)> file(gzopen(path.c_str(), "rb"), gzclose);
  if (!file) throw DataError("The file " + path + " cannot be opened.");
  std::vector<uint8_t> data;
  uint8_t buffer[1 << 16];
  for (;;) {
    const int n = gzread(file.get(), buffer, sizeof buffer);
    if (n < 0) {
      int code = 0;
      throw DataError("The file " + path + " is damaged (" + gzerror(file.get(), &code) + ").");
    }
    if (n == 0) break;
    data.insert(data.end(), buffer, buffer + n);
  }
  return data;
}

uint32_t bigEndian(const std::vector<uint8_t>& d, size_t at) {
  return uint32_t(d[at]) << 24 | uint32_t(d[at + 1]) << 16 | uint32_t(d[at + 2]) << 8 | d[at + 3];
}

// Returns the dimensions of an IDX file of unsigned bytes and checks its length.
std::vector<uint32_t> header(const std::vector<uint8_t>& d, const std::string& path, uint32_t rank) {
  if (d.size() < 4 + 4 * rank || d[0] != 0 || d[1] != 0 || d[2] != 0x08 || d[3] != rank)
    throw DataError("The file " + path + " is not an IDX file of " + std::to_string(rank) +
                    "-dimensional unsigned bytes (MNIST format).");
  std::vector<uint32_t> dims;
  uint64_t count = 1;
  for (uint32_t i = 0; i < rank; ++i) {
    dims.push_back(bigEndian(d, 4 + 4 * i));
    count *= dims.back();
  }
  const uint64_t expected = 4 + 4 * rank + count;
  if (d.size() < expected)
    throw DataError("The file " + path + " is truncated: " + std::to_string(d.size()) + " bytes of " +
                    std::to_string(expected) + ". Download or reinstall it.");
  return dims;
}

}  // namespace

Dataset loadIdx(const std::string& imagesPath, const std::string& labelsPath, const std::string& name,
                uint32_t classes) {
  const auto images = readAll(imagesPath);
  const auto labels = readAll(labelsPath);
  const auto imageDims = header(images, imagesPath, 3);
  const auto labelDims = header(labels, labelsPath, 1);
  if (imageDims[0] != labelDims[0])
    throw DataError(imagesPath + " has " + std::to_string(imageDims[0]) + " images but " + labelsPath + " has " +
                    std::to_string(labelDims[0]) + " labels.");
  Dataset d;
  d.name = name;
  d.sampleShape = nn::Shape{1, imageDims[1], imageDims[2]};
  d.classes = classes;
  d.bytes.assign(images.begin() + 16, images.begin() + 16 + size_t(imageDims[0]) * imageDims[1] * imageDims[2]);
  d.labels.assign(labels.begin() + 8, labels.begin() + 8 + labelDims[0]);
  for (uint32_t l : d.labels)
    if (l >= classes)
      throw DataError(labelsPath + " has label " + std::to_string(l) + ", outside 0-" + std::to_string(classes - 1) + ".");
  for (uint32_t c = 0; c < classes; ++c) d.classNames.push_back(std::to_string(c));
  return d;
}

Dataset loadIdxDirectory(const std::string& directory, const std::string& split, const std::string& name) {
  if (split != "train" && split != "test") throw DataError("A dataset split is train or test, not " + split + ".");
  const std::string prefix = directory + "/" + (split == "train" ? "train" : "t10k");
  auto pick = [](const std::string& base) {
    return std::filesystem::exists(base + ".gz") ? base + ".gz" : base;
  };
  const std::string images = pick(prefix + "-images-idx3-ubyte"), labels = pick(prefix + "-labels-idx1-ubyte");
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels))
    throw DataError("No " + split + " images and labels in " + directory +
                    " (expected " + prefix + "-images-idx3-ubyte[.gz] and " + prefix + "-labels-idx1-ubyte[.gz]).");
  return loadIdx(images, labels, name);
}

Dataset loadFashionMnist(const std::string& split, const std::string& directory) {
  if (!std::filesystem::exists(directory))
    throw DataError("Fashion-MNIST is not installed (" + directory +
                    " is missing). Install it with `sudo apt install dataset-fashion-mnist`, or choose another "
                    "dataset.");
  Dataset d = loadIdxDirectory(directory, split, std::string("Fashion-MNIST ") + split);
  d.classNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"};
  return d;
}

}  // namespace gradlab::data

#include "data/idx_file.h"

#include "util/printable.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <limits>

namespace gradlab::data {
namespace {

// A file name as messages quote it: one line, whatever bytes the name holds.
std::string named(const std::string& path) { return util::printable(path, 300); }

// Deflate expands at most about 1032:1, so a gzip file of n bytes holds less than this many times
// n: a header promising more is refused before anything is allocated or decompressed.
constexpr uint64_t kMaxGzipExpansion = 1040;

// A regular file, plain or gzip-compressed, read front to back. Pipes, devices and folders are
// refused on opening: a pipe could block forever and /dev/zero never ends.
class IdxSource {
 public:
  explicit IdxSource(const std::string& path) : path_(path) {
    // Non-blocking, so that opening a named pipe returns at once (it is refused below).
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) {
      if (errno == ENOENT) throw DataError("The file " + named(path) + " does not exist.");
      throw DataError("The file " + named(path) + " cannot be opened (" + std::strerror(errno) + ").");
    }
    struct stat info;
    if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
      ::close(fd_);
      throw DataError("The file " + named(path) +
                      " is not a regular file (a folder, a pipe or a device); point the dataset at a folder of "
                      "IDX files.");
    }
    size_ = uint64_t(info.st_size);
    unsigned char magic[2] = {0, 0};
    if (::pread(fd_, magic, 2, 0) == 2 && magic[0] == 0x1f && magic[1] == 0x8b) {
      gz_ = gzdopen(fd_, "rb");  // owns fd_ from here on
      if (!gz_) {
        ::close(fd_);
        throw DataError("The file " + named(path) + " cannot be opened (out of memory).");
      }
    }
  }
  ~IdxSource() {
    if (gz_)
      gzclose(gz_);
    else
      ::close(fd_);
  }
  IdxSource(const IdxSource&) = delete;
  IdxSource& operator=(const IdxSource&) = delete;

  // The most bytes the file can yield: its size, or what its compressed size can expand to.
  uint64_t capacity() const { return gz_ ? size_ * kMaxGzipExpansion : size_; }
  bool compressed() const { return gz_ != nullptr; }
  uint64_t fileSize() const { return size_; }

  // Reads up to `count` bytes, fewer only at the end of the file; never reads past `count`.
  size_t read(uint8_t* out, size_t count) {
    size_t done = 0;
    while (done < count) {
      const size_t chunk = std::min<size_t>(count - done, size_t(1) << 30);
      const long n = gz_ ? long(gzread(gz_, out + done, unsigned(chunk))) : long(::read(fd_, out + done, chunk));
      if (n < 0 && !gz_ && errno == EINTR) continue;
      if (n < 0) {
        int code = 0;
        const std::string why = gz_ ? gzerror(gz_, &code) : std::strerror(errno);
        throw DataError("The file " + named(path_) + " is damaged (" + why + ").");
      }
      if (n == 0) break;
      done += size_t(n);
    }
    return done;
  }

 private:
  std::string path_;
  int fd_ = -1;
  gzFile gz_ = nullptr;
  uint64_t size_ = 0;
};

uint32_t bigEndian(const uint8_t* d) {
  return uint32_t(d[0]) << 24 | uint32_t(d[1]) << 16 | uint32_t(d[2]) << 8 | d[3];
}

struct IdxArray {
  std::vector<uint32_t> dims;
  std::vector<uint8_t> values;
};

// An IDX file of unsigned bytes of the given rank. The header's dimensions are checked against
// the file's size before the values are allocated or read, and nothing past them is read.
IdxArray readIdx(const std::string& path, uint32_t rank) {
  IdxSource file(path);
  uint8_t head[4 + 4 * 3];
  const size_t headSize = 4 + 4 * rank;
  if (file.read(head, headSize) < headSize || head[0] != 0 || head[1] != 0 || head[2] != 0x08 || head[3] != rank)
    throw DataError("The file " + named(path) + " is not an IDX file of " + std::to_string(rank) +
                    "-dimensional unsigned bytes (MNIST format).");
  IdxArray array;
  uint64_t count = 1;
  std::string shape;
  bool overflow = false;
  for (uint32_t i = 0; i < rank; ++i) {
    array.dims.push_back(bigEndian(head + 4 + 4 * i));
    shape += (i ? " x " : "") + std::to_string(array.dims.back());
    overflow |= __builtin_mul_overflow(count, uint64_t(array.dims.back()), &count);
  }
  if (overflow || count > file.capacity()) {
    const std::string size = std::to_string(file.fileSize()) + "-byte " + (file.compressed() ? "gzip " : "") + "file";
    throw DataError("The file " + named(path) + " is damaged: its header promises " + shape + " values, more than a " +
                    size + " can hold. Download or reinstall it.");
  }
  const uint64_t pixels = rank == 3 ? uint64_t(array.dims[1]) * array.dims[2] : 1;
  if (pixels == 0 || pixels > std::numeric_limits<uint32_t>::max())
    throw DataError("The file " + named(path) + " is damaged: its header promises images of " +
                    std::to_string(array.dims[1]) + " x " + std::to_string(array.dims[2]) +
                    " pixels. Download or reinstall it.");
  array.values.resize(size_t(count));
  const size_t got = file.read(array.values.data(), array.values.size());
  if (got < count)
    throw DataError("The file " + named(path) + " is truncated: " + std::to_string(headSize + got) + " bytes of " +
                    std::to_string(headSize + count) + ". Download or reinstall it.");
  return array;
}

}  // namespace

Dataset loadIdx(const std::string& imagesPath, const std::string& labelsPath, const std::string& name,
                uint32_t classes) {
  IdxArray images = readIdx(imagesPath, 3);
  const IdxArray labels = readIdx(labelsPath, 1);
  if (images.dims[0] != labels.dims[0])
    throw DataError(named(imagesPath) + " has " + std::to_string(images.dims[0]) + " images but " + named(labelsPath) +
                    " has " + std::to_string(labels.dims[0]) + " labels.");
  Dataset d;
  d.name = name;
  d.sampleShape = nn::Shape{1, images.dims[1], images.dims[2]};
  d.classes = classes;
  d.bytes = std::move(images.values);
  d.labels.assign(labels.values.begin(), labels.values.end());
  for (uint32_t l : d.labels)
    if (l >= classes)
      throw DataError(named(labelsPath) + " has label " + std::to_string(l) + ", outside 0-" +
                      std::to_string(classes - 1) + ".");
  for (uint32_t c = 0; c < classes; ++c) d.classNames.push_back(std::to_string(c));
  return d;
}

Dataset loadIdxDirectory(const std::string& directory, const std::string& split, const std::string& name) {
  if (split != "train" && split != "test")
    throw DataError("A dataset split is train or test, not " + named(split) + ".");
  const std::string prefix = directory + "/" + (split == "train" ? "train" : "t10k");
  auto pick = [](const std::string& base) { return std::filesystem::exists(base + ".gz") ? base + ".gz" : base; };
  const std::string images = pick(prefix + "-images-idx3-ubyte"), labels = pick(prefix + "-labels-idx1-ubyte");
  if (!std::filesystem::exists(images) || !std::filesystem::exists(labels))
    throw DataError("No " + split + " images and labels in " + named(directory) + " (expected " + named(prefix) +
                    "-images-idx3-ubyte[.gz] and " + named(prefix) + "-labels-idx1-ubyte[.gz]).");
  return loadIdx(images, labels, name);
}

Dataset loadFashionMnist(const std::string& split, const std::string& directory) {
  if (!std::filesystem::exists(directory))
    throw DataError("Fashion-MNIST is not installed (" + named(directory) +
                    " is missing). Install it with `sudo apt install dataset-fashion-mnist`, or choose another "
                    "dataset.");
  Dataset d = loadIdxDirectory(directory, split, std::string("Fashion-MNIST ") + split);
  d.classNames = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                  "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};
  return d;
}

}  // namespace gradlab::data

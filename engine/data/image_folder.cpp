#include "data/image_folder.h"

#include "util/printable.h"

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <memory>

// The decoder is compiled into this file only (static functions), so no other copy of stb_image
// in the program can clash with it.
#define STB_IMAGE_STATIC
#define STB_IMAGE_IMPLEMENTATION
#define STBI_ONLY_PNG
#define STBI_ONLY_JPEG
#define STBI_ONLY_BMP
#include <stb/stb_image.h>

namespace gradlab::data {
namespace {

namespace fs = std::filesystem;

std::string named(const fs::path& path) { return "'" + util::printable(path.string(), 300) + "'"; }

bool isImageName(const fs::path& path) {
  std::string ext = path.extension().string();
  std::transform(ext.begin(), ext.end(), ext.begin(), [](unsigned char c) { return char(std::tolower(c)); });
  return ext == ".png" || ext == ".jpg" || ext == ".jpeg" || ext == ".bmp";
}

struct ImageFile {
  fs::path path;
  uint32_t label = 0;
  int width = 0, height = 0, channels = 0;
};

// The sorted entries of `dir` for which `keep` holds.
template <typename Keep>
std::vector<fs::path> sortedEntries(const fs::path& dir, Keep keep) {
  std::vector<fs::path> out;
  std::error_code error;
  for (fs::directory_iterator it(dir, error), end; !error && it != end; it.increment(error))
    if (keep(*it)) out.push_back(it->path());
  if (error) throw DataError("The folder " + named(dir) + " cannot be read (" + error.message() + ").");
  std::sort(out.begin(), out.end());
  return out;
}

// Class folders and their image files, in ImageFolder's order; refuses a folder without classes
// and a class without images.
std::vector<ImageFile> listImages(const fs::path& root, std::vector<std::string>& classNames) {
  std::error_code error;
  if (!fs::is_directory(root, error))
    throw DataError("The image folder " + named(root) +
                    " does not exist or is not a folder; give a folder with one sub-folder of images per class.");
  const auto classes = sortedEntries(root, [](const fs::directory_entry& e) { return e.is_directory(); });
  if (classes.empty())
    throw DataError("The image folder " + named(root) +
                    " holds no class folders; put the images of each class in a sub-folder named after the class.");
  if (classes.size() > 65536)
    throw DataError("The image folder " + named(root) + " holds " + std::to_string(classes.size()) +
                    " class folders, more than 65536.");
  std::vector<ImageFile> files;
  for (const fs::path& dir : classes) {
    const auto images = sortedEntries(dir, [](const fs::directory_entry& e) { return isImageName(e.path()); });
    if (images.empty())
      throw DataError("The class folder " + named(dir) +
                      " holds no PNG, JPEG or BMP images; add some or remove the folder.");
    for (const fs::path& p : images) files.push_back({p, uint32_t(classNames.size())});
    classNames.push_back(util::printable(dir.filename().string(), 100));
  }
  return files;
}

// Reads each file's size and colour from its header (no pixels are decoded), leaving out or
// refusing the files stb_image cannot read.
void readHeaders(std::vector<ImageFile>& files, bool skipUnreadable, std::vector<std::string>& skipped) {
  std::vector<ImageFile> readable;
  for (ImageFile& f : files) {
    std::error_code error;
    const bool regular = fs::is_regular_file(f.path, error);
    const bool ok = regular && stbi_info(f.path.c_str(), &f.width, &f.height, &f.channels) && f.width > 0 &&
                    f.height > 0 && uint32_t(f.width) <= kMaxImageSide && uint32_t(f.height) <= kMaxImageSide;
    if (ok) {
      readable.push_back(std::move(f));
      continue;
    }
    const std::string why = !regular ? "not a regular file"
                            : f.width > 0 && f.height > 0
                                ? std::to_string(f.width) + " x " + std::to_string(f.height) + " pixels, more than " +
                                      std::to_string(kMaxImageSide) + " a side"
                                : std::string("not a readable PNG, JPEG or BMP image (") + stbi_failure_reason() + ")";
    if (!skipUnreadable)
      throw DataError("The image " + named(f.path) + " is " + why +
                      "; remove it, or skip unreadable images (images,skip-unreadable:DIRECTORY).");
    skipped.push_back(named(f.path) + ": " + why);
  }
  files = std::move(readable);
  if (files.empty()) throw DataError("No image in the folder could be read; " + skipped.front() + ".");
}

// Interleaved bytes (height x width x channels) to planes (channels x height x width).
void toChannelsFirst(const uint8_t* in, uint32_t pixels, uint32_t channels, uint8_t* out) {
  for (uint32_t p = 0; p < pixels; ++p)
    for (uint32_t c = 0; c < channels; ++c) out[size_t(c) * pixels + p] = in[size_t(p) * channels + c];
}

// For each output index along one axis, the source indices it covers and their weights (summing to 1).
std::vector<std::vector<std::pair<uint32_t, double>>> areaWeights(uint32_t in, uint32_t out) {
  std::vector<std::vector<std::pair<uint32_t, double>>> weights(out);
  const double scale = double(in) / out;
  for (uint32_t o = 0; o < out; ++o) {
    const double begin = o * scale, end = (o + 1) * scale;
    for (uint32_t i = uint32_t(begin); i < in && i < end; ++i) {
      const double covered = std::min(end, i + 1.0) - std::max(begin, double(i));
      if (covered > 1e-12) weights[o].push_back({i, covered / scale});
    }
  }
  return weights;
}

}  // namespace

std::vector<uint8_t> resampleArea(const uint8_t* pixels, uint32_t width, uint32_t height, uint32_t channels,
                                  uint32_t outWidth, uint32_t outHeight) {
  const auto wx = areaWeights(width, outWidth), wy = areaWeights(height, outHeight);
  std::vector<uint8_t> out(size_t(outWidth) * outHeight * channels);
  for (uint32_t y = 0; y < outHeight; ++y)
    for (uint32_t x = 0; x < outWidth; ++x)
      for (uint32_t c = 0; c < channels; ++c) {
        double sum = 0;
        for (auto [sy, fy] : wy[y])
          for (auto [sx, fx] : wx[x]) sum += fy * fx * pixels[(size_t(sy) * width + sx) * channels + c];
        out[(size_t(y) * outWidth + x) * channels + c] = uint8_t(std::clamp(std::lround(sum), 0l, 255l));
      }
  return out;
}

ImageFolder loadImageFolder(const std::string& directory, const ImageFolderOptions& options) {
  ImageFolder result;
  Dataset& d = result.data;
  std::vector<ImageFile> files = listImages(directory, d.classNames);
  readHeaders(files, options.skipUnreadable, result.skipped);
  if ((options.width == 0) != (options.height == 0) || options.width > kMaxSampleSide ||
      options.height > kMaxSampleSide)
    throw DataError("An image size is WIDTHxHEIGHT, each 1 to " + std::to_string(kMaxSampleSide) + ", not " +
                    std::to_string(options.width) + "x" + std::to_string(options.height) + ".");
  const bool resample = options.width != 0;
  const uint32_t width = resample ? options.width : uint32_t(files[0].width);
  const uint32_t height = resample ? options.height : uint32_t(files[0].height);
  // Colour if any image has colour (grayscale ones are then repeated in each channel), else gray.
  const bool colour = std::any_of(files.begin(), files.end(), [](const ImageFile& f) { return f.channels >= 3; });
  const uint32_t channels = colour ? 3 : 1;
  if (!resample)
    for (const ImageFile& f : files)
      if (uint32_t(f.width) != width || uint32_t(f.height) != height)
        throw DataError("The images differ in size: " + named(files[0].path) + " is " + std::to_string(width) + "x" +
                        std::to_string(height) + " but " + named(f.path) + " is " + std::to_string(f.width) + "x" +
                        std::to_string(f.height) +
                        "; choose one size to resample them all to (images,size=WxH:DIRECTORY).");
  const uint64_t sample = uint64_t(channels) * width * height;
  if (sample * files.size() > kMaxDatasetBytes)
    throw DataError("The image folder " + named(directory) + " would take " +
                    std::to_string(sample * files.size() >> 20) + " MiB as " + std::to_string(files.size()) +
                    " images of " + std::to_string(channels) + "x" + std::to_string(height) + "x" +
                    std::to_string(width) + ", more than the " + std::to_string(kMaxDatasetBytes >> 20) +
                    " MiB a dataset may take; choose a smaller size (images,size=WxH:DIRECTORY).");
  d.name =
      util::printable(fs::path(directory).filename().empty() ? fs::path(directory).parent_path().filename().string()
                                                             : fs::path(directory).filename().string(),
                      60);
  d.sampleShape = nn::Shape{channels, height, width};
  d.classes = uint32_t(d.classNames.size());
  d.bytes.resize(sample * files.size());
  uint32_t kept = 0;
  for (const ImageFile& f : files) {
    int w = 0, h = 0, n = 0;
    std::unique_ptr<uint8_t, void (*)(void*)> pixels(stbi_load(f.path.c_str(), &w, &h, &n, int(channels)),
                                                     stbi_image_free);
    if (!pixels || w != f.width || h != f.height) {
      const std::string why = std::string("damaged (") + (pixels ? "its size changed" : stbi_failure_reason()) + ")";
      if (!options.skipUnreadable)
        throw DataError("The image " + named(f.path) + " is " + why +
                        "; remove it, or skip unreadable images (images,skip-unreadable:DIRECTORY).");
      result.skipped.push_back(named(f.path) + ": " + why);
      continue;
    }
    const uint8_t* source = pixels.get();
    std::vector<uint8_t> resampled;
    if (resample && (uint32_t(w) != width || uint32_t(h) != height)) {
      resampled = resampleArea(source, uint32_t(w), uint32_t(h), channels, width, height);
      source = resampled.data();
    }
    toChannelsFirst(source, width * height, channels, d.bytes.data() + sample * kept);
    d.labels.push_back(f.label);
    ++kept;
  }
  if (kept == 0) throw DataError("No image in the folder could be decoded; " + result.skipped.front() + ".");
  d.bytes.resize(sample * kept);
  return result;
}

}  // namespace gradlab::data

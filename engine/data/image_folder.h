#pragma once
// A folder of image files with one sub-folder per class (torchvision's ImageFolder convention:
// classes sorted by folder name, the files of each class sorted by name), PNG, JPEG or BMP,
// decoded with stb_image into bytes, channels first (C x H x W) as the conv layers expect.
#include "data/dataset.h"

#include <cstdint>
#include <string>
#include <vector>

namespace gradlab::data {

struct ImageFolderOptions {
  // 0 x 0: every image must have the first image's size. Otherwise each image is resampled to
  // width x height by area averaging (resampleArea).
  uint32_t width = 0, height = 0;
  // An unreadable or damaged image file refuses the folder, unless this skips it (and names it
  // in `skipped` of the result).
  bool skipUnreadable = false;
};

struct ImageFolder {
  Dataset data;
  std::vector<std::string> skipped;  // the files left out, with why
};

// Throws DataError with one line saying what is wrong and what to do: no such folder, no class
// folders, an empty class, an unreadable file, images of different sizes, absurd sizes. Sizes are
// checked from the files' headers before any pixels are allocated.
ImageFolder loadImageFolder(const std::string& directory, const ImageFolderOptions& options = {});

// The largest side an image may have and the most bytes a whole folder may decode to.
constexpr uint32_t kMaxImageSide = 8192;
constexpr uint32_t kMaxSampleSide = 1024;  // of the chosen size
constexpr uint64_t kMaxDatasetBytes = uint64_t(2) << 30;

// `channels` interleaved planes of width x height bytes resampled to outWidth x outHeight by area
// averaging: each output pixel is the mean of the source area it covers, source pixels weighted
// by the fraction of them inside it, rounded to the nearest byte. Interleaved in, interleaved out.
std::vector<uint8_t> resampleArea(const uint8_t* pixels, uint32_t width, uint32_t height, uint32_t channels,
                                  uint32_t outWidth, uint32_t outHeight);

}  // namespace gradlab::data

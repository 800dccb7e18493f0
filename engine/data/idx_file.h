#pragma once
// MNIST-format IDX files (images idx3-ubyte, labels idx1-ubyte), plain or gzip-compressed, read
// with zlib. Any directory holding such a pair works: Fashion-MNIST, MNIST, KMNIST, ...
#include "data/dataset.h"

#include <string>

namespace gradlab::data {

// Reads an image file and its label file into a dataset. Throws DataError naming the file and
// the problem (missing, not IDX, truncated, counts that disagree, labels out of range).
Dataset loadIdx(const std::string& imagesPath, const std::string& labelsPath, const std::string& name,
                uint32_t classes = 10);

// "train" or "test" split of a directory in MNIST's layout ({train,t10k}-{images-idx3,labels-idx1}-ubyte[.gz]).
Dataset loadIdxDirectory(const std::string& directory, const std::string& split, const std::string& name);

// Fashion-MNIST from Debian's dataset-fashion-mnist package (or `directory`), with its class names.
constexpr const char* kFashionMnistDirectory = "/usr/share/datasets/fashion-mnist";
Dataset loadFashionMnist(const std::string& split, const std::string& directory = kFashionMnistDirectory);

}  // namespace gradlab::data

#pragma once
// Which data a run trains and evaluates on, by name, as the command line and the lab window's
// training panel say it: Fashion-MNIST, a directory of MNIST-format files, an image folder, CIFAR,
// a 2-D toy set or a CSV of 2-D points.
#include "data/dataset.h"

#include <string>
#include <vector>

namespace gradlab::data {

struct DatasetSpec {
  // fashion-mnist | idx:DIRECTORY | images[,size=WxH][,skip-unreadable]:DIRECTORY | cifar:DIRECTORY |
  // points:FILE.csv | drawn:x,y,label;x,y,label;... | spiral | circles | xor | blobs | moons
  std::string name = "fashion-mnist";
  double validation = 0;  // fraction of the training data held out (0: the test split, or 0.2 of a toy set)
  uint32_t limit = 0;     // use at most this many training samples (0: all)
  uint32_t seed = 0;
  uint32_t toySamples = 600;
  double toyNoise = 0.1;
  uint32_t toyClasses = 2;
};

struct DatasetChoice {
  Dataset train;
  Dataset evaluation;              // the test split, a held-out part of train, or empty
  std::string evaluationName;      // "test" or "validation"
  std::vector<std::string> notes;  // what the user should know: image files skipped, and why
};

// Throws std::invalid_argument for an unknown name (the message lists the accepted ones) and
// DataError for a missing or broken dataset.
DatasetChoice chooseDataset(const DatasetSpec& spec);

extern const char* const kDatasetNames;  // the accepted names, for help and error messages

}  // namespace gradlab::data

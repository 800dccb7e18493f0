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
  // Any of them but drawn points may keep only some classes: fashion-mnist,classes=5-9 or
  // idx,classes=0;2;4-6:DIRECTORY (splitClassSubset). The name carries the subset, so a saved
  // experiment, the lab and gradlab-cli's --dataset all say it the same way.
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

extern const char* const kDatasetNames;

// A dataset name's class subset: "idx,classes=5-9:DIR" is the dataset "idx:DIR" with classes "5-9";
// a name without one has classes "". The other options between the kind and ':' stay in `dataset`.
struct ClassSubset {
  std::string dataset;
  std::string classes;
};
ClassSubset splitClassSubset(const std::string& name);
// The name of `dataset` keeping only `classes` ("" : all), as splitClassSubset reads it back.
std::string withClassSubset(const std::string& dataset, const std::string& classes);
// "5-9", "0;2;4-6": the classes, sorted, each once. Throws std::invalid_argument, one line led by
// "classes=", for an empty set, a reversed range or a class of `classes` or more.
std::vector<uint32_t> parseClasses(const std::string& text,
                                   uint32_t classes);  // the accepted names, for help and error messages

}  // namespace gradlab::data

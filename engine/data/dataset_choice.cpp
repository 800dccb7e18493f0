#include "data/dataset_choice.h"

#include "data/cifar_file.h"
#include "data/idx_file.h"
#include "data/image_folder.h"
#include "data/point_file.h"
#include "data/toy_datasets.h"
#include "util/checked_values.h"
#include "util/printable.h"

#include <algorithm>
#include <stdexcept>

namespace gradlab::data {

const char* const kDatasetNames =
    "fashion-mnist, idx:DIR (MNIST-format files), images[,size=WxH][,skip-unreadable]:DIR (a sub-folder of "
    "PNG/JPEG/BMP per class), cifar:DIR (binary batches), points:FILE.csv (x,y,label), drawn:x,y,label;..., "
    "or a 2-D toy set: spiral, circles, xor, blobs, moons";

namespace {

// "images:DIR" or "images,size=32x32,skip-unreadable:DIR": the options sit between the kind and
// the first ':', so the directory after it may hold any character.
ImageFolderOptions imageFolderOptions(const std::string& options) {
  ImageFolderOptions o;
  for (const util::KeyValue& item :
       util::parseKeyValues(options, "images", {"size", "skip-unreadable"}, {"skip-unreadable"})) {
    if (item.key == "skip-unreadable") {
      o.skipUnreadable = true;
      continue;
    }
    const size_t x = item.value.find('x');
    const util::Range side = util::Range::integers(1, kMaxSampleSide);
    if (x == std::string::npos)
      throw std::invalid_argument("images: size is WIDTHxHEIGHT, e.g. size=32x32, not '" +
                                  util::printable(item.value, 40) + "'");
    o.width = uint32_t(util::parseInteger("images: size width", item.value.substr(0, x), side));
    o.height = uint32_t(util::parseInteger("images: size height", item.value.substr(x + 1), side));
  }
  return o;
}

// Splits off the held-out part (0.2 unless `spec` says) of a dataset that has no test split.
DatasetChoice withValidation(Dataset all, const DatasetSpec& spec) {
  DatasetChoice out;
  auto [train, held] = all.split(spec.validation > 0 ? spec.validation : 0.2, spec.seed);
  out.train = spec.limit ? train.head(spec.limit) : std::move(train);
  out.evaluation = std::move(held);
  out.evaluationName = "validation";
  return out;
}

bool hasKind(const std::string& name, const std::string& kind) {
  return name.rfind(kind + ":", 0) == 0 || name.rfind(kind + ",", 0) == 0;
}

}  // namespace

DatasetChoice chooseDataset(const DatasetSpec& spec) {
  const auto& toys = toyDatasetNames();
  if (std::find(toys.begin(), toys.end(), spec.name) != toys.end())
    return withValidation(makeToyDataset(spec.name, {spec.toySamples, spec.toyNoise, spec.toyClasses, spec.seed}),
                          spec);
  if (hasKind(spec.name, "images")) {
    const size_t colon = spec.name.find(':');
    if (colon == std::string::npos) throw std::invalid_argument("images: give the folder, images:DIRECTORY");
    const ImageFolderOptions options = imageFolderOptions(spec.name.substr(7, colon > 6 ? colon - 7 : 0));
    ImageFolder folder = loadImageFolder(spec.name.substr(colon + 1), options);
    DatasetChoice chosen = withValidation(std::move(folder.data), spec);
    for (const std::string& s : folder.skipped) chosen.notes.push_back("skipped " + s);
    return chosen;
  }
  if (isDrawnPointsName(spec.name))
    return withValidation(makePointDataset(parseDrawnPoints(spec.name), "drawn points"), spec);
  if (spec.name.rfind("points:", 0) == 0) return withValidation(loadPointsCsv(spec.name.substr(7)), spec);
  DatasetChoice out;
  const bool idx = spec.name.rfind("idx:", 0) == 0, cifar = spec.name.rfind("cifar:", 0) == 0;
  if (spec.name != "fashion-mnist" && !idx && !cifar)
    throw std::invalid_argument("the dataset must be " + std::string(kDatasetNames) + ", got '" +
                                util::printable(spec.name, 60) + "'");
  const std::string directory = spec.name.substr(spec.name.find(':') + 1);
  auto load = [&](const char* split) {
    return idx     ? loadIdxDirectory(directory, split, directory)
           : cifar ? loadCifar(directory, split)
                   : loadFashionMnist(split);
  };
  Dataset train = load("train");
  if (spec.limit) train = train.head(spec.limit);
  if (spec.validation > 0) {
    auto [kept, held] = train.split(spec.validation, spec.seed);
    out.train = std::move(kept);
    out.evaluation = std::move(held);
    out.evaluationName = "validation";
  } else {
    out.train = std::move(train);
    out.evaluation = load("test");
    out.evaluationName = "test";
  }
  return out;
}

}  // namespace gradlab::data

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
    "or a 2-D toy set: spiral, circles, xor, blobs, moons; ',classes=5-9' after the kind keeps only those classes "
    "(labels unchanged): fashion-mnist,classes=5-9, idx,classes=0;2:DIR";

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

DatasetChoice chooseWholeDataset(const DatasetSpec& spec);

// The part of `data` in `keep`, refused when none of its samples is.
Dataset keptClasses(const Dataset& data, const std::vector<uint32_t>& keep, const std::string& classes) {
  Dataset kept = data.onlyClasses(keep, "");
  if (data.size() && !kept.size())
    throw std::invalid_argument("classes=" + util::printable(classes, 40) + ": " + data.name +
                                " has no sample of these classes");
  return kept;
}

}  // namespace

ClassSubset splitClassSubset(const std::string& name) {
  const size_t colon = name.find(':'), comma = name.find(',');
  if (comma == std::string::npos || comma > colon) return {name, ""};
  const size_t end = std::min(colon, name.size());
  std::string kept = name.substr(0, comma), classes;
  for (size_t at = comma; at < end;) {
    const size_t next = std::min(name.find(',', at + 1), end);
    const std::string item = name.substr(at + 1, next - at - 1);
    if (item.rfind("classes=", 0) == 0)
      classes = item.substr(8);
    else
      kept += "," + item;
    at = next;
  }
  return {kept + name.substr(end), classes};
}

std::string withClassSubset(const std::string& dataset, const std::string& classes) {
  const ClassSubset whole = splitClassSubset(dataset);
  if (classes.empty()) return whole.dataset;
  const size_t colon = whole.dataset.find(':');
  const size_t kindEnd = std::min({colon, whole.dataset.find(','), whole.dataset.size()});
  return whole.dataset.substr(0, kindEnd) + ",classes=" + classes + whole.dataset.substr(kindEnd);
}

std::vector<uint32_t> parseClasses(const std::string& text, uint32_t classes) {
  const std::string what = "classes=" + util::printable(text, 40);
  if (text.empty()) throw std::invalid_argument("classes=: name the classes to keep, e.g. classes=5-9");
  std::vector<uint32_t> kept;
  const util::Range range = util::Range::integers(0, classes - 1.0);
  for (size_t at = 0; at <= text.size();) {
    const size_t end = std::min(text.find(';', at), text.size());
    const std::string item = text.substr(at, end - at);
    const size_t dash = item.find('-', 1);
    const auto first = uint32_t(util::parseInteger(what, item.substr(0, dash), range));
    const auto last =
        dash == std::string::npos ? first : uint32_t(util::parseInteger(what, item.substr(dash + 1), range));
    if (last < first)
      throw std::invalid_argument(what + ": " + item + " keeps nothing; write the smaller class first, e.g. " +
                                  std::to_string(last) + "-" + std::to_string(first));
    for (uint32_t c = first; c <= last; ++c) kept.push_back(c);
    at = end + 1;
  }
  std::sort(kept.begin(), kept.end());
  kept.erase(std::unique(kept.begin(), kept.end()), kept.end());
  return kept;
}

// The classes are checked against the dataset once it is read (how many it has is in the files);
// both splits keep the same classes, so the evaluation measures what the run trains for.
DatasetChoice chooseDataset(const DatasetSpec& spec) {
  const ClassSubset subset = splitClassSubset(spec.name);
  if (subset.dataset == spec.name) return chooseWholeDataset(spec);
  DatasetSpec whole = spec;
  whole.name = subset.dataset;
  whole.limit = 0;
  DatasetChoice chosen = chooseWholeDataset(whole);
  const std::vector<uint32_t> keep = parseClasses(subset.classes, chosen.train.classes);
  const std::string suffix = " (classes " + subset.classes + ")";
  chosen.train = keptClasses(chosen.train, keep, subset.classes);
  if (spec.limit) chosen.train = chosen.train.head(spec.limit);
  chosen.train.name += suffix;
  chosen.evaluation = chosen.evaluation.onlyClasses(keep, chosen.evaluation.size() ? suffix : "");
  return chosen;
}

namespace {

DatasetChoice chooseWholeDataset(const DatasetSpec& spec) {
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
    throw std::invalid_argument("unknown dataset '" + util::printable(spec.name, 60) +
                                "': use fashion-mnist, idx:DIR, images:DIR, cifar:DIR, points:FILE.csv, drawn:..., or "
                                "spiral, circles, xor, blobs, moons (each explained by --help)");
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

}  // namespace

}  // namespace gradlab::data

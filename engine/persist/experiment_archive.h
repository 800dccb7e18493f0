#pragma once
// How an Experiment goes into a Boost archive (included by experiment_file.cpp only).
//
// Every class carries a version (BOOST_CLASS_VERSION, written once per archive); a field added
// later is read only when the file's version of its class has it, and otherwise keeps its
// default, so older files still open:  if (version >= 2) ar & newField;
// Raise the class's version and experiment_file.cpp's kFormatVersion together, and never change
// what an existing version reads.
//
// Doubles are written as their shortest exact text (std::to_chars), which Boost's text archive
// cannot do for NaN and infinity. Large arrays (weights, metric history) are little-endian bytes,
// base64 in the text archive: exact, any value, and a third the size of decimal text.
#include "persist/experiment.h"
#include "persist/saved_moments.h"
#include "train/internals.h"
#include "util/printable.h"

#include <boost/archive/impl/archive_serializer_map.ipp>
#include <boost/archive/impl/basic_text_iarchive.ipp>
#include <boost/archive/impl/text_iarchive_impl.ipp>
#include <boost/archive/text_iarchive.hpp>
#include <boost/serialization/binary_object.hpp>
#include <boost/serialization/map.hpp>
#include <boost/serialization/string.hpp>
#include <boost/serialization/vector.hpp>
#include <boost/serialization/version.hpp>

#include <algorithm>
#include <bit>
#include <charconv>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <type_traits>

namespace gradlab::persist::archive {

// Boost's text input archive, except that every length it reads (of a string, of a collection)
// is checked against the bytes left in the payload before anything of that length is allocated:
// a forged length in a small file is refused instead of asking for gigabytes. A string takes a
// byte per character and a collection at least a byte per item, so a payload of n bytes never
// makes the loader allocate more than a small multiple of n.
class BoundedTextInput : public boost::archive::text_iarchive_impl<BoundedTextInput> {
 public:
  BoundedTextInput(std::istream& payload, uint64_t payloadSize)
      : boost::archive::text_iarchive_impl<BoundedTextInput>(payload, 0), size_(payloadSize) {
    init();
  }

  // The payload bytes not read yet.
  uint64_t left() {
    const auto at = is.tellg();
    return at < 0 || uint64_t(at) > size_ ? 0 : size_ - uint64_t(at);
  }
  void requireBytes(uint64_t bytes, const char* what) {
    if (bytes > left())
      throw std::runtime_error(std::string(what) + " of " + std::to_string(bytes) + " bytes where " +
                               std::to_string(left()) + " remain");
  }

 private:
  friend class boost::archive::detail::interface_iarchive<BoundedTextInput>;
  friend class boost::archive::basic_text_iarchive<BoundedTextInput>;
  friend class boost::archive::load_access;

  template <class T>
  void load(T& t) {
    boost::archive::text_iarchive_impl<BoundedTextInput>::load(t);
  }
  void load(boost::serialization::collection_size_type& count) {
    boost::archive::text_iarchive_impl<BoundedTextInput>::load(count);
    requireBytes(count, "a list");
  }
  // As Boost reads a string (length, one space, the characters), with the length checked first.
  void load(std::string& s) {
    std::size_t length = 0;
    *this >> length;
    is.get();
    requireBytes(length, "a text");
    s.resize(length);
    if (length > 0) is.read(s.data(), std::streamsize(length));
  }

  uint64_t size_;
};

template <class Archive>
void number(Archive& ar, double& value) {
  std::string text;
  if constexpr (Archive::is_saving::value) {
    char buffer[32];
    text.assign(buffer, std::to_chars(buffer, buffer + sizeof buffer, value).ptr);
  }
  ar& text;
  if constexpr (Archive::is_loading::value) {
    const char* end = text.data() + text.size();
    const auto parsed = std::from_chars(text.data(), end, value);
    if (parsed.ec != std::errc() || parsed.ptr != end)
      throw std::runtime_error("malformed number '" + util::printable(text, 60) + "'");
  }
}

template <class T>
void reverseBytesOnBigEndian(unsigned char* bytes, size_t count) {
  if constexpr (std::endian::native == std::endian::big)
    for (size_t i = 0; i < count; ++i) std::reverse(bytes + i * sizeof(T), bytes + (i + 1) * sizeof(T));
}

template <class Archive, class T>
void packed(Archive& ar, std::vector<T>& values) {
  static_assert(std::is_arithmetic_v<T>);
  uint64_t count = values.size();
  ar& count;
  if (count == 0) {
    values.clear();
    return;
  }
  std::vector<unsigned char> bytes;
  if constexpr (Archive::is_saving::value) {
    bytes.resize(count * sizeof(T));
    std::memcpy(bytes.data(), values.data(), bytes.size());
    reverseBytesOnBigEndian<T>(bytes.data(), count);
  } else {
    if (count > (uint64_t(1) << 32) / sizeof(T)) throw std::runtime_error("an array larger than 4 GiB");
    if constexpr (std::is_same_v<Archive, BoundedTextInput>) ar.requireBytes(count * sizeof(T), "an array");
    bytes.resize(count * sizeof(T));
  }
  auto blob = boost::serialization::make_binary_object(bytes.data(), bytes.size());
  ar& blob;
  if constexpr (Archive::is_loading::value) {
    reverseBytesOnBigEndian<T>(bytes.data(), count);
    values.resize(count);
    std::memcpy(values.data(), bytes.data(), bytes.size());
  }
}

// A curve as three packed columns.
template <class Archive>
void history(Archive& ar, std::vector<MetricPoint>& points) {
  std::vector<uint64_t> steps;
  std::vector<double> loss, accuracy;
  if constexpr (Archive::is_saving::value)
    for (const MetricPoint& p : points) {
      steps.push_back(p.step);
      loss.push_back(p.loss);
      accuracy.push_back(p.accuracy);
    }
  packed(ar, steps);
  packed(ar, loss);
  packed(ar, accuracy);
  if constexpr (Archive::is_loading::value) {
    if (loss.size() != steps.size() || accuracy.size() != steps.size())
      throw std::runtime_error("metric columns differ in length");
    points.resize(steps.size());
    for (size_t i = 0; i < steps.size(); ++i) points[i] = {steps[i], loss[i], accuracy[i]};
  }
}

// The runs beside the first, their count checked against what a set holds before any is made:
// a forged count is refused in words, not by running out of memory.
template <class Archive>
void comparisons(Archive& ar, std::vector<RunVariant>& runs) {
  uint64_t count = runs.size();
  ar& count;
  if constexpr (Archive::is_loading::value) {
    if (count > kMaxComparisons)
      throw std::runtime_error("it names " + std::to_string(count) +
                               " runs besides the first, where a comparison has at most " +
                               std::to_string(kMaxComparisons));
    runs.resize(count);
  }
  for (RunVariant& run : runs) ar& run;
}

// A run's colour, refused unless it names an entry of the lab's palette.
inline void checkColour(uint32_t colour, const std::string& run) {
  if (colour >= kRunColours)
    throw std::runtime_error("run " + util::printable(run, 32) + " has colour " + std::to_string(colour) +
                             ", where the palette has " + std::to_string(kRunColours));
}

// Run A's look (format 5): its name, colour and visibility, the colour checked as it is read.
template <class Archive>
void look(Archive& ar, RunLook& look) {
  ar& look.name& look.colour& look.visible;
  if constexpr (Archive::is_loading::value) checkColour(look.colour, "A");
}

// A count read from the file, refused when the bytes left could not hold that many items (each
// takes at least one): a forged count is refused in words before anything is made of it.
template <class Archive>
uint64_t count(Archive& ar, uint64_t size, const char* what) {
  uint64_t n = size;
  ar& n;
  if constexpr (std::is_same_v<Archive, BoundedTextInput>)
    if (n > ar.left())
      throw std::runtime_error("it names " + std::to_string(n) + " " + what + " where " + std::to_string(ar.left()) +
                               " bytes remain");
  return n;
}

// A list item by item: when loading, items are made only as they are read.
template <class Archive, class T, class Each>
void list(Archive& ar, std::vector<T>& items, const char* what, Each each) {
  const uint64_t n = count(ar, items.size(), what);
  if constexpr (Archive::is_loading::value) {
    items.clear();
    for (uint64_t i = 0; i < n; ++i) each(items.emplace_back());
  } else {
    for (T& item : items) each(item);
  }
}

template <class Archive>
void optionalNumber(Archive& ar, std::optional<double>& value) {
  bool present = value.has_value();
  ar& present;
  if (!present) return value.reset();
  if constexpr (Archive::is_loading::value) value = 0.0;
  number(ar, *value);
}

template <class Archive>
void tensorStats(Archive& ar, train::TensorStats& s) {
  ar& s.count;
  for (double* value : {&s.mean, &s.std, &s.min, &s.max}) number(ar, *value);
  optionalNumber(ar, s.deadFraction);
  optionalNumber(ar, s.saturatedFraction);
  packed(ar, s.histogram);
  if (!s.histogram.empty() && s.histogram.size() != train::kHistogramBins)
    throw std::runtime_error("a histogram of " + std::to_string(s.histogram.size()) + " bins, not " +
                             std::to_string(train::kHistogramBins));
}

template <class Archive>
void weights(Archive& ar, std::vector<train::WeightSnapshot>& tensors) {
  list(ar, tensors, "weight tensors", [&](train::WeightSnapshot& w) {
    ar& w.name& w.shape.dims;
    packed(ar, w.values);
    uint64_t elements = 1;
    for (uint32_t d : w.shape.dims) elements = d == 0 || elements <= UINT32_MAX ? elements * d : UINT64_MAX;
    if (elements != w.values.size())
      throw std::runtime_error("weights " + util::printable(w.name, 40) + " hold " + std::to_string(w.values.size()) +
                               " values where their shape has " + std::to_string(elements));
  });
}

// A probe's sharpness reading (format 8), when it has one.
template <class Archive>
void sharpness(Archive& ar, std::optional<train::SharpnessReading>& reading) {
  bool present = reading.has_value();
  ar& present;
  if (!present) return reading.reset();
  if constexpr (Archive::is_loading::value) reading.emplace();
  for (double* value : {&reading->lambdaMax, &reading->relativeChange, &reading->learningRate, &reading->seconds})
    number(ar, *value);
  ar & reading->gradients;
}

template <class Archive>
void optimizerInternals(Archive& ar, train::OptimizerInternals& o) {
  ar& o.optimizer& o.step;
  for (std::optional<double>* value : {&o.biasCorrection1, &o.biasCorrection2, &o.rectification})
    optionalNumber(ar, *value);
  list(ar, o.tensors, "optimizer tensors", [&](train::OptimizerTensorInternals& tensor) {
    ar& tensor.parameter;
    list(ar, tensor.states, "optimizer states", [&](train::StateSummary& state) {
      ar& state.name;
      tensorStats(ar, state.stats);
      number(ar, state.norm);
    });
  });
}

template <class Archive>
void batchNormInternals(Archive& ar, train::BatchNormInternals& b) {
  ar& b.node& b.samplesPerChannel;
  for (std::vector<double>* values : {&b.batchMean, &b.batchVar, &b.runningMean, &b.runningVar}) packed(ar, *values);
  const size_t channels = b.batchMean.size();
  if (b.batchVar.size() != channels || b.runningMean.size() != channels || b.runningVar.size() != channels)
    throw std::runtime_error("BatchNorm " + util::printable(b.node, 40) + "'s statistics differ in channels");
}

// What a probe found inside the optimizer and the normalisation (format 8, train/internals.h).
template <class Archive>
void internals(Archive& ar, std::shared_ptr<const train::InternalsReport>& report) {
  bool present = report != nullptr;
  ar& present;
  if (!present) return report.reset();
  train::InternalsReport loaded;
  train::InternalsReport& r = Archive::is_loading::value ? loaded : const_cast<train::InternalsReport&>(*report);
  optimizerInternals(ar, r.optimizer);
  list(ar, r.batchNorms, "BatchNorm layers", [&](train::BatchNormInternals& b) { batchNormInternals(ar, b); });
  bool gap = r.modeGap.has_value();
  ar& gap;
  if (gap) {
    if constexpr (Archive::is_loading::value) r.modeGap.emplace();
    train::ModeGap& g = *r.modeGap;
    for (double* value : {&g.trainLoss, &g.evalLoss, &g.trainAccuracy, &g.evalAccuracy}) number(ar, *value);
  }
  list(ar, r.distinctUnits, "layers of distinct units", [&](train::DistinctUnits& d) {
    ar& d.parameter& d.units& d.distinct& d.twinned;
    if (d.distinct > d.units || d.twinned > d.units)
      throw std::runtime_error(util::printable(d.parameter, 40) + " has more distinct or twinned units than units");
  });
  if constexpr (Archive::is_loading::value) report = std::make_shared<const train::InternalsReport>(std::move(loaded));
}

// `instruments`: the sharpness and internals too (format 8).
template <class Archive>
void probeReport(Archive& ar, train::ProbeReport& r, bool instruments) {
  ar& r.step;
  list(ar, r.layers, "layers", [&](train::LayerProbe& layer) {
    ar& layer.node& layer.type;
    tensorStats(ar, layer.activation);
    tensorStats(ar, layer.gradient);
  });
  list(ar, r.parameters, "parameters", [&](train::ParameterProbe& p) {
    ar& p.name;
    for (double* value : {&p.norm, &p.gradNorm, &p.updateRatio}) number(ar, *value);
  });
  weights(ar, r.weights);
  if (!instruments) return;
  sharpness(ar, r.sharpness);
  internals(ar, r.internals);
}

template <class Archive>
void boundary(Archive& ar, train::DecisionBoundary& b) {
  ar& b.step;
  for (double* value : {&b.extent.xMin, &b.extent.xMax, &b.extent.yMin, &b.extent.yMax}) number(ar, *value);
  ar& b.grid& b.classes;
  packed(ar, b.cellClass);
  packed(ar, b.confidence);
  const uint64_t cells = uint64_t(b.grid) * b.grid;
  if (b.cellClass.size() != cells || b.confidence.size() != cells)
    throw std::runtime_error("a decision boundary's cells do not fill its " + std::to_string(b.grid) + " x " +
                             std::to_string(b.grid) + " grid");
  for (uint32_t c : b.cellClass)
    if (c >= b.classes)
      throw std::runtime_error("a decision boundary names a class outside its " + std::to_string(b.classes));
}

// The objects moments share, each written once; a moment names one by its place from 1 (0: none).
template <class T>
struct SharedTable {
  std::vector<std::shared_ptr<const T>> objects;
  std::map<const T*, uint64_t> places;
  uint64_t place(const std::shared_ptr<const T>& object) {
    if (!object) return 0;
    const auto [it, fresh] = places.emplace(object.get(), objects.size() + 1);
    if (fresh) objects.push_back(object);
    return it->second;
  }
  std::shared_ptr<const T> at(uint64_t place) const {
    if (place > objects.size())
      throw std::runtime_error("a moment names object " + std::to_string(place) + " of " +
                               std::to_string(objects.size()));
    return place == 0 ? nullptr : objects[place - 1];
  }
};

template <class Archive, class T, class Each>
void table(Archive& ar, SharedTable<T>& table, const char* what, Each each) {
  std::vector<std::shared_ptr<const T>>& objects = table.objects;
  const uint64_t n = count(ar, objects.size(), what);
  if constexpr (Archive::is_loading::value) {
    for (uint64_t i = 0; i < n; ++i) {
      auto object = std::make_shared<T>();
      each(*object);
      objects.push_back(std::move(object));
    }
  } else {
    for (const auto& object : objects) each(const_cast<T&>(*object));
  }
}

// Format 6: the tables of shared objects, then the moments naming them; from format 8 the probe
// reports carry the sharpness and internals (`instruments`).
template <class Archive>
void moments(Archive& ar, Moments& saved, bool instruments = true) {
  SharedTable<train::ProbeReport> reports;
  SharedTable<train::DecisionBoundary> boundaries;
  SharedTable<std::vector<train::WeightSnapshot>> parameters;
  SavedTimeline timeline;
  if constexpr (Archive::is_saving::value) {
    if (saved.saved) timeline = *saved.saved;
    for (const SavedMoment& moment : timeline.moments)
      for (const SavedMember& m : moment.members) {
        reports.place(m.probes);
        boundaries.place(m.boundary);
        parameters.place(m.parameters);
      }
  }
  table(ar, reports, "probe reports", [&](train::ProbeReport& r) { probeReport(ar, r, instruments); });
  table(ar, boundaries, "decision boundaries", [&](train::DecisionBoundary& b) { boundary(ar, b); });
  table(ar, parameters, "weight sets", [&](std::vector<train::WeightSnapshot>& w) { weights(ar, w); });
  uint64_t previous = 0;
  list(ar, timeline.moments, "moments", [&](SavedMoment& moment) {
    ar& moment.position;
    if (Archive::is_loading::value && &moment != &timeline.moments.front() && moment.position <= previous)
      throw std::runtime_error("its moments are not in the order of their steps");
    previous = moment.position;
    list(ar, moment.members, "runs in a moment", [&](SavedMember& m) {
      uint64_t probes = reports.place(m.probes), boundary = boundaries.place(m.boundary),
               values = parameters.place(m.parameters);
      ar& m.member& m.step& probes& boundary& values;
      if constexpr (Archive::is_loading::value) {
        if (m.member > kMaxComparisons)
          throw std::runtime_error("a moment names run " + std::to_string(m.member) + " of at most " +
                                   std::to_string(kMaxComparisons + 1));
        m.probes = reports.at(probes);
        m.boundary = boundaries.at(boundary);
        m.parameters = parameters.at(values);
      }
    });
    if (moment.members.size() > kMaxComparisons + 1)
      throw std::runtime_error("a moment of " + std::to_string(moment.members.size()) + " runs");
  });
  if constexpr (Archive::is_loading::value)
    saved.saved = timeline.moments.empty() ? nullptr : std::make_shared<const SavedTimeline>(std::move(timeline));
}

}  // namespace gradlab::persist::archive

namespace boost::serialization {

template <class Archive>
void serialize(Archive& ar, gradlab::persist::NodePosition& p, const unsigned int /*version*/) {
  gradlab::persist::archive::number(ar, p.x);
  gradlab::persist::archive::number(ar, p.y);
}

template <class Archive>
void serialize(Archive& ar, gradlab::persist::TrainingSettings& s, const unsigned int version) {
  using gradlab::persist::archive::number;
  ar& s.dataset& s.toySamples;
  number(ar, s.toyNoise);
  ar& s.toyClasses& s.sampleLimit;
  number(ar, s.validationFraction);
  ar& s.batch& s.epochs& s.maxSteps& s.seed& s.device& s.normalization& s.augmentation;
  ar& s.optimizer& s.optimizerValues& s.schedule& s.scheduleValues;
  number(ar, s.l1);
  number(ar, s.l2);
  ar& s.penalizeAllTensors;
  number(ar, s.clipNorm);
  number(ar, s.clipValue);
  ar& s.probeInterval;
  if (version >= 2) ar& s.convolution;
  if (version >= 3) ar& s.frozenLayers& s.lrMultipliers;
}

template <class Archive>
void serialize(Archive& ar, gradlab::persist::Tensor& t, const unsigned int /*version*/) {
  ar& t.shape;
  gradlab::persist::archive::packed(ar, t.values);
}

template <class Archive>
void serialize(Archive& ar, gradlab::persist::RunVariant& v, const unsigned int /*version*/) {
  ar& v.label& v.name& v.colour& v.visible;
  if constexpr (Archive::is_loading::value) gradlab::persist::archive::checkColour(v.colour, v.label);
  ar& v.changes& v.network;
  gradlab::persist::archive::history(ar, v.trainingHistory);
  gradlab::persist::archive::history(ar, v.validationHistory);
  ar& v.weights& v.progress.step& v.progress.optimizer& v.progress.optimizerState;
}

template <class Archive>
void serialize(Archive& ar, gradlab::persist::Experiment& e, const unsigned int version) {
  ar& e.title& e.network& e.layout& e.training;
  gradlab::persist::archive::history(ar, e.trainingHistory);
  gradlab::persist::archive::history(ar, e.validationHistory);
  ar& e.weights;
  if (version >= 2) ar& e.progress.step& e.progress.optimizer& e.progress.optimizerState;
  if (version >= 3) gradlab::persist::archive::comparisons(ar, e.comparisons);
  if (version >= 4) gradlab::persist::archive::look(ar, e.look);
  if (version >= 5) gradlab::persist::archive::moments(ar, e.moments, version >= 6);
}

}  // namespace boost::serialization

BOOST_CLASS_VERSION(gradlab::persist::NodePosition, 1)
BOOST_CLASS_VERSION(gradlab::persist::TrainingSettings, 3)
BOOST_CLASS_VERSION(gradlab::persist::Tensor, 1)
BOOST_CLASS_VERSION(gradlab::persist::RunVariant, 1)
BOOST_CLASS_VERSION(gradlab::persist::Experiment, 6)
